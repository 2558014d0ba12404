"""Where the files that ship beside the code are (the sample page and `voices/`), and
where the project keeps its caches."""

from __future__ import annotations

import functools
import os
from pathlib import Path

_HERE = Path(__file__).resolve().parent


@functools.cache
def voices_dir() -> Path:
    """`voices/`: inside the package when installed from a wheel, at the repo root when
    running from a checkout or an editable install."""
    for candidate in (_HERE / "voices", _HERE.parent / "voices"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the voices/ folder is missing: reinstall audiopaper")


def sample_page() -> Path:
    return _HERE / "data" / "sample.txt"


def cache_root() -> Path:
    """$XDG_CACHE_HOME/audiopaper (~/.cache/audiopaper): the speech cache and jieba's."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "audiopaper"
