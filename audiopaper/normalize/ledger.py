"""The ledger: where every printed character of the input went.

Each span of an input line gets exactly one destination: a field of an article (kicker,
title, subtitle, credits, dateline, paragraph N) or a named drop (page header, editor line,
jump marker, ...). Nothing reaches the edition without a span behind it, and no span is
left without a destination: what the normalizer could not place becomes an article of its
own for the editor, never nothing.

While the normalizer works, text is referred to as (unit, start, end): a slice of one
unit's text; `Unit.spans` turns that into input lines and columns at the end.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

from audiopaper.edition import Edition
from audiopaper.normalize.layout import Unit

Src = tuple[Unit, int, int]  # a slice of a unit's text

FIELDS = ("kicker", "title", "subtitle", "credits", "dateline", "paragraph")


@dataclass(frozen=True)
class Destination:
    """Where a span went: an article's field (article set) or a drop (article None)."""

    field: str  # one of FIELDS, or the reason for a drop
    article: int | None = None
    paragraph: int | None = None

    @property
    def dropped(self) -> bool:
        return self.article is None


class Entry(NamedTuple):
    """One span of one input line (1-based line, 0-based columns) and its destination."""

    line: int
    start: int
    end: int
    text: str
    dest: Destination


# Entry(...) without the Python-level __new__ that NamedTuple adds: one entry a printed line.
_entry = tuple.__new__


def _nonspace(text: str) -> int:
    return len("".join(text.split()))


def carve(src: list[Src], n: int) -> tuple[list[Src], list[Src]]:
    """Split off the slices that hold the first n non-space characters."""
    if n <= 0:
        return [], src
    head: list[Src] = []
    rest = list(src)
    while n > 0 and rest:
        u, s, e = rest[0]
        k = _nonspace(u.text[s:e])
        if k <= n:
            head.append(rest.pop(0))
            n -= k
            continue
        i = s
        while n > 0 or u.text[i].isspace():
            if not u.text[i].isspace():
                n -= 1
            i += 1
        head.append((u, s, i))
        rest[0] = (u, i, e)
    return head, rest


def carve_end(src: list[Src], n: int) -> tuple[list[Src], list[Src]]:
    """Split off the slices that hold the last n non-space characters."""
    if n <= 0:
        return src, []
    total = sum(_nonspace(u.text[s:e]) for u, s, e in src)
    return carve(src, max(0, total - n))


def nonspace_prefix(text: str, cut: int) -> int:
    """How many non-space characters text[:cut] holds."""
    return _nonspace(text[:cut])


class Ledger:
    """Collects spans and their destinations while the normalizer works."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []

    def add(self, src: list[Src], dest: Destination) -> list[int]:
        """Record where these slices went; the input lines they stand on."""
        lines: list[int] = []
        append = self.entries.append
        for u, s, e in src:
            if s >= e:
                continue
            if len(u.starts) == 1:
                # One printed line: the usual case, without the general walk.
                _, line, col, _ = u.starts[0]
                text = u.text[s:e]
                if text.strip():
                    append(_entry(Entry, (line, col + s, col + e, text, dest)))
                    lines.append(line)
                continue
            for line, a, b, text in u.spans(s, e):
                if text.strip():
                    append(_entry(Entry, (line, a, b, text, dest)))
                    lines.append(line)
        return lines

    def add_raw(self, line: int, col: int, text: str, dest: Destination) -> None:
        if text.strip():
            self.entries.append(Entry(line, col, col + len(text), text, dest))

    def sorted(self) -> list[Entry]:
        return sorted(self.entries, key=lambda x: (x.line, x.start))


_HAN = re.compile(r"[\u4e00-\u9fff]")
_DASHES = re.compile(r"[—\-－─―]")
_SENTENCE = re.compile(r"[。；;]|[,，].*[,，]")


def body_like(text: str) -> bool:
    """Text a reader would miss: 20 or more Han characters in sentences."""
    return len(_HAN.findall(text)) >= 20 and bool(_SENTENCE.search(text))


def _squash(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _bare(text: str | None) -> str:
    """A headline field as compared: without dashes, spaces and a colon at either end."""
    return _DASHES.sub("", _squash(text or "")).strip(":：")


def audit(source_lines: list[str], edition: Edition, entries: list[Entry]) -> list[str]:
    """What is wrong with a ledger: text missing or twice, a field it does not account for,
    body text dropped. Empty when every printed character has exactly one destination."""
    problems: list[str] = []
    by_line: dict[int, list[Entry]] = {}
    for e in entries:
        by_line.setdefault(e.line, []).append(e)
    for number, line in enumerate(source_lines, start=1):
        got = sorted(by_line.pop(number, []), key=lambda e: e.start)
        covered = [False] * len(line)
        for e in got:
            if line[e.start : e.end] != e.text:
                problems.append(f"line {number}: span {e.start}-{e.end} is {e.text!r}, the line has something else")
                continue
            for i in range(e.start, e.end):
                if covered[i] and not line[i].isspace():
                    problems.append(f"line {number}: column {i} ({line[i]}) has two destinations")
                covered[i] = True
        missing = "".join(ch for ch, c in zip(line, covered, strict=True) if not c and not ch.isspace())
        if missing:
            problems.append(f"line {number}: no destination for {missing!r}")
    for number in by_line:
        problems.append(f"line {number}: spans on a line the input does not have")
    fields: dict[tuple[int, str, int | None], str] = {}
    for e in entries:
        if e.dest.article is not None:
            key = (e.dest.article, e.dest.field, e.dest.paragraph)
            fields[key] = fields.get(key, "") + e.text
        elif body_like(e.text):
            problems.append(f"line {e.line}: body text dropped as {e.dest.field}: {e.text[:20]}")
    warned = {w.article for w in edition.warnings}
    for i, a in enumerate(edition.articles):
        for j, p in enumerate(a.paragraphs):
            if _squash(fields.get((i, "paragraph", j), "")) != _squash(p):
                problems.append(f"article {i + 1} paragraph {j + 1}: the ledger has other text")
        for name in ("kicker", "title", "subtitle", "dateline"):
            value = getattr(a, name)
            printed = fields.get((i, name, None))
            if printed is None and name == "title" and i in warned:
                continue  # a title made of the text's first words, with a warning saying so
            if _bare(printed) != _bare(value):
                problems.append(f"article {i + 1} {name}: the ledger has {printed!r}, the edition {value!r}")
        printed = _squash(fields.get((i, "credits", None), ""))
        for c in a.credits:
            if _squash(c.name) not in printed:
                problems.append(f"article {i + 1}: credit {c.name} is not in the text the ledger gives its credits")
    for (i, name, index), _ in fields.items():
        if i >= len(edition.articles):
            problems.append(f"spans go to article {i + 1}, which the edition does not have")
        elif name == "paragraph" and (index is None or index >= len(edition.articles[i].paragraphs)):
            problems.append(f"spans go to article {i + 1} paragraph {index}, which it does not have")
    return problems
