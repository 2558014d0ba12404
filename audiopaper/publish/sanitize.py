"""Text and paths from manifests made safe for XML, HTML and URLs.

Manifests carry text typed by editors and scraped from e-paper pages: it may hold control
characters (which XML 1.0 forbids outright, so lxml refuses the whole feed) and relative
paths that someone could have edited to point anywhere.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path, PurePosixPath

# Every character XML 1.0 forbids, plus C1 controls and the bidi controls (Unicode's
# Bidi_Control: marks, embeddings, overrides, isolates): the former are "discouraged" by XML
# and garble HTML, the latter can make a headline read backwards (CVE-2021-42574).
_BIDI = "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]")
_SPACE = re.compile(r"\s+")


def clean(text: object) -> str:
    """Text with the characters no feed or page may carry removed; line breaks kept.

    Anything but a string (a hand-edited manifest may hold a number or null) is no text."""
    if not isinstance(text, str) or not text:
        return ""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _UNSAFE.sub("", text)


def line(text: object) -> str:
    """Like clean(), on one line: headlines and titles where a stray newline means nothing."""
    return _SPACE.sub(" ", clean(text)).strip()


def inside(folder: Path, relative: str | None) -> str | None:
    """`relative` as a clean POSIX path when it names a regular file inside `folder`, else None.

    Symlinks are resolved first, so one pointing out of the folder is refused like `../`.
    """
    if not relative or "\\" in relative or "\x00" in relative:
        return None
    rel = PurePosixPath(relative)
    if rel.is_absolute() or ".." in rel.parts:
        return None
    try:
        base = folder.resolve(strict=True)
        target = (folder / rel).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not target.is_relative_to(base) or not target.is_file():
        return None
    return rel.as_posix()
