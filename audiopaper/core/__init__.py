"""The bottom layer: types and facts the stages share, importing nothing above it (and no
heavy library, so that `audiopaper --help` and the settings load fast).

- `speech`: Voice, SpeechRequest, Sentence, Speech, Cue: what the stages hand each other.
- `loudness`: the loudness profiles (broadcast, podcast).
- `chinese`: jieba's one dictionary, sentence ends, dates and weekdays in words.
- `ffmpeg`: the one place ffmpeg is run.

The top-level `errors`, `fsutil`, `resources` and `edition` belong to this layer too (see
docs/developing.md, "Architecture"; tests/test_layers.py keeps to it).
"""
