"""Jumps: an article continued on another page (下转第2版 / 上接第1版), stitched back.

Explicit markers are recognised here; implicit continuations (a column of body that
starts mid-word, far from its headline) are matched by `continuation_score`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from audiopaper.normalize import numbers, words

_PAGE = r"(?:第\s*)?(?P<pg>[A-Za-z]?\s*[0-9０-９]{1,3}|[一二三四五六七八九十]{1,3})\s*(?:版|面)"
_OUT = r"(?:下转|转至|转到|转)"
_IN = r"(?:上接|紧接|接上|承接|接)"
_OPEN = r"[(（\[【<〈]"
_CLOSE = r"[)）\]】>〉]"
_MARK = rf"(?P<dir>{_OUT}|{_IN})\s*{_PAGE}(?:[^()（）\[\]【】]{{0,20}})?"
_BRACKETED = re.compile(rf"{_OPEN}\s*{_MARK}\s*{_CLOSE}")
_ALONE = re.compile(rf"^[\s\u3000→←]*{_OPEN}?\s*{_MARK}\s*{_CLOSE}?[\s\u3000]*$")
_OUT_RE = re.compile(rf"^{_OUT}$")


@dataclass(frozen=True)
class Marker:
    outward: bool  # 下转: the article goes on elsewhere; else 上接: this continues one
    page: int | None


def _marker(m: re.Match[str]) -> Marker:
    pg = re.sub(r"[A-Za-z\s]", "", m.group("pg"))
    return Marker(outward=bool(_OUT_RE.match(m.group("dir"))), page=numbers.to_int(pg))


def standalone(text: str) -> Marker | None:
    """A line that is only a jump marker."""
    m = _ALONE.match(text)
    return _marker(m) if m else None


def split_markers(text: str) -> tuple[list[tuple[int, int]], list[tuple[int, int, Marker]]]:
    """The (start, end) of the text around bracketed jump markers, and of the markers."""
    if "接" not in text and "转" not in text:
        return [(0, len(text))], []
    pieces: list[tuple[int, int]] = []
    found: list[tuple[int, int, Marker]] = []
    pos = 0
    for m in _BRACKETED.finditer(text):
        pieces.append((pos, m.start()))
        found.append((m.start(), m.end(), _marker(m)))
        pos = m.end()
    pieces.append((pos, len(text)))
    return [p for p in pieces if p[0] < p[1]], found


def continuation_score(left: str, right: str) -> float:
    """How sure we are that right continues left across a column or page: 0 (no) .. 1."""
    if not left or not right:
        return 0.0
    if words.crosses_word(left, right):
        return 1.0
    if left[-1] in ",，、:：;；“‘《(（—" or right[0] in ",，、。:：;；”’》)）!！?？":
        return 0.8
    return 0.3
