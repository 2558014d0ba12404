"""The bottom layer: types and facts the stages share, importing nothing above it (and no
heavy library, so that `audiopaper --help` and the settings load fast)."""
