"""Where things go in OUT. Stations and users rely on these names staying put.

OUT/feed.xml, OUT/index.html, OUT/YYYY-MM-DD/{edition.mp3, manifest.json, clips/NN-slug.mp3}
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

FEED = "feed.xml"
INDEX = "index.html"
EDITION_AUDIO = "edition.mp3"
MANIFEST = "manifest.json"
EDITION_VTT = "edition.vtt"
CHAPTERS = "chapters.json"
PLAYLIST = "playlist.m3u8"  # absolute URLs once the public base URL is known
PLAYLIST_LOCAL = "playlist-local.m3u8"  # paths relative to the edition folder
LOW_FEED = "feed-low.xml"  # the editions at a low bitrate
SECTIONS = "sections"  # OUT/sections/<pinyin>.xml: one feed per section
CLIPS = "clips"
DAISY = "daisy"  # the DAISY 2.02 talking newspaper
DAISY_ZIP = "daisy.zip"  # the same, as one download
EDITION_LOW = "edition-low.mp3"  # the whole edition at a low bitrate, for metered phones
SLUG_MAX = 48
_DATE_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def slug(title: str) -> str:
    """An ASCII slug (pinyin for Chinese): safe on every filesystem and in radio playout
    systems that mangle non-ASCII names."""
    text = unicodedata.normalize("NFKC", title)
    # Imported here: pypinyin's tables take a quarter of a second to load, and a build
    # names its first clip only once speech is coming back.
    from pypinyin import lazy_pinyin

    syllables = lazy_pinyin(text)  # non-Chinese runs stay whole: 3A, 365
    ascii_only = unicodedata.normalize("NFKD", "-".join(syllables)).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_only.lower())
    out = ""
    for word in words:
        candidate = f"{out}-{word}" if out else word
        if len(candidate) > SLUG_MAX:
            break
        out = candidate
    return out or "article"


def clip_name(index: int, title: str) -> str:
    return f"{index:02d}-{slug(title)}.mp3"


def edition_dirs(out: Path) -> list[Path]:
    """Edition folders in OUT, newest first."""
    if not out.is_dir():
        return []
    found = [p for p in out.iterdir() if p.is_dir() and _DATE_DIR.match(p.name)]
    return sorted(found, key=lambda p: p.name, reverse=True)
