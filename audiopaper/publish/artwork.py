"""A configured feed image, published from inside OUT.

The feed may only advertise what OUT serves: a local image named in the config (checked at
load to be a PNG or JPEG, settings.image_format) is copied into OUT as artwork.png or
artwork.jpg, and the feed points there. Rewritten only when its bytes change, since podcast
apps fetch artwork again when the file changes.
"""

from __future__ import annotations

from pathlib import Path

from audiopaper.fsutil import remove_file, write_if_changed
from audiopaper.settings import IMAGE_FORMATS, image_format

ARTWORK = "artwork"


def publish_artwork(out: Path, source: Path) -> str:
    """Copy `source` into OUT; return its name there, relative to OUT."""
    name = ARTWORK + IMAGE_FORMATS[image_format(source)]
    write_if_changed(out / name, source.read_bytes())
    for other in IMAGE_FORMATS.values():  # a PNG replaced by a JPEG: the PNG goes
        if ARTWORK + other != name:
            remove_file(out / (ARTWORK + other))
    return name
