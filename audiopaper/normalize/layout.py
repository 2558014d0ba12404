"""From raw export text to pages of units: one unit per printed paragraph or paragraph piece.

E-paper exports differ in how they lay text out: one paragraph per line with blank lines
between (or without), or hard-wrapped every N characters with the full-width indent
marking paragraph starts. Pages are separated by form feeds, by page header lines, or
by a longer run of blank lines than the one between paragraphs.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from itertools import pairwise

from audiopaper.normalize import furniture, headlines, kinds
from audiopaper.normalize.credits import BULLETS, credit_line, ends_with_credits

_INDENT = re.compile(r"^(?:\u3000|[ \t]{2,})")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")


@dataclass
class Unit:
    """A paragraph or a piece of one, as printed, with where it stood."""

    text: str
    indented: bool = False
    index: int = 0  # position on its page, for reading order
    # Where each printed line of it stands: (offset in text, input line number, column, length).
    starts: list[tuple[int, int, int, int]] = field(default_factory=list)

    def add(self, text: str, line: int, col: int) -> None:
        """Run the next printed line on, remembering where it came from."""
        joined = join_text(self.text, text)
        self.starts.append((len(joined) - len(text), line, col, len(text)))
        self.text = joined

    def spans(self, start: int, end: int) -> list[tuple[int, int, int, str]]:
        """The input (line, first column, end column, text) of text[start:end]."""
        out: list[tuple[int, int, int, str]] = []
        for off, line, col, length in self.starts:
            a, b = max(start, off), min(end, off + length)
            if a < b:
                out.append((line, col + a - off, col + b - off, self.text[a:b]))
        return out


def unit(text: str, indented: bool, line: int, col: int) -> Unit:
    return Unit(text=text, indented=indented, starts=[(0, line, col, len(text))])


@dataclass(frozen=True)
class Dropped:
    """Input text that is no part of any article, and why: page furniture, jump markers."""

    line: int
    col: int
    text: str
    reason: str


@dataclass
class Page:
    number: int | None = None
    name: str | None = None
    paper: str | None = None
    date: str | None = None
    units: list[Unit] = field(default_factory=list)
    lines: list[tuple[str, bool]] = field(default_factory=list)  # (text, indented), pre-unit
    where: list[tuple[int, int]] = field(default_factory=list)  # each line's (line number, column)
    after_gap: set[int] = field(default_factory=set)  # indexes of lines that follow a blank line


def clean(text: str) -> str:
    text = _ZERO_WIDTH.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\v", "\n")
    return text.replace("\u00a0", " ").replace("\t", "    ")


def source_lines(text: str) -> list[str]:
    """The input's lines as the ledger numbers them (from 1) and the review sheet shows them."""
    return clean(text).split("\n")


def _blank_break_threshold(lines: list[str]) -> int:
    """How many blank lines in a row make a page break in this export: two or more.

    When paragraphs are separated by a blank line, one blank line is a paragraph's end;
    when they are not (a dense or hard-wrapped export), a single blank line sets an
    article apart from the next, which it does far more often than a page: taking it for
    a page break would give every article a page number the paper never printed. A page
    that a header or a form feed does not announce needs a longer gap.
    """
    return 2


def _split_header_at(
    raw_lines: list[tuple[str, int, int]], idx: int, threshold: int
) -> tuple[furniture.PageHeader, list[int]] | None:
    """A page header printed over the two or three lines from idx on (a page's top), with
    the indices of its lines; None when they are not one."""
    first = raw_lines[idx][0].strip(" \u3000")
    # Nearly every page opens on a headline or a one-line header: ask no further of those.
    if len(first) > 30 or furniture.parse_page_header(first) is not None:
        return None
    group = [idx]
    lines = [first]
    blank = 0
    for k in range(idx + 1, min(len(raw_lines), idx + 8)):
        raw = raw_lines[k][0]
        if raw == "\f":
            break
        text = raw.strip(" \u3000")
        if not text:
            blank += 1
            if blank >= threshold:
                break
            continue
        blank = 0
        group.append(k)
        lines.append(text)
        if len(lines) == 3:
            break
    found = furniture.parse_split_header(lines)
    if found is None:
        return None
    header, n = found
    return header, group[:n]


def split_pages(text: str, dropped: list[Dropped] | None = None) -> list[Page]:
    """The input's pages, their lines made into units; page furniture goes to `dropped`."""
    raw_lines: list[tuple[str, int, int]] = []  # (text or "\f", line number, column)
    for number, line in enumerate(source_lines(text), start=1):
        if "\f" not in line:
            raw_lines.append((line, number, 0))
            continue
        col = 0
        # A form feed is a page break wherever it stands.
        for k, part in enumerate(line.split("\f")):
            if k:
                raw_lines.append(("\f", number, col - 1))
            raw_lines.append((part, number, col))
            col += len(part) + 1
    threshold = _blank_break_threshold([x for x, _, _ in raw_lines if x != "\f"])
    pages: list[Page] = [Page()]
    blank_run = 0
    drops = dropped if dropped is not None else []

    def new_page() -> None:
        if pages[-1].lines:
            pages.append(Page())

    taken: set[int] = set()  # lines of a header printed over several lines, already dropped

    for idx, (raw, number, col) in enumerate(raw_lines):
        if raw == "\f":
            new_page()
            blank_run = 0
            continue
        stripped = raw.strip(" \u3000")
        if not stripped:
            blank_run += 1
            continue
        if idx in taken:
            blank_run = 0
            continue
        if blank_run >= threshold:
            new_page()
        elif blank_run and pages[-1].lines:
            pages[-1].after_gap.add(len(pages[-1].lines))
        blank_run = 0
        col += len(raw) - len(raw.lstrip(" \u3000"))
        if not pages[-1].lines:
            split = _split_header_at(raw_lines, idx, threshold)
            if split is not None:
                joined, group = split
                page = pages[-1]
                page.number = joined.number if joined.number is not None else page.number
                page.name = joined.name or page.name
                page.paper = joined.paper or page.paper
                page.date = joined.date or page.date
                for k in group:
                    line_k, number_k, col_k = raw_lines[k]
                    col_k += len(line_k) - len(line_k.lstrip(" \u3000"))
                    drops.append(Dropped(number_k, col_k, line_k.strip(" \u3000"), "page header"))
                taken.update(group)
                continue
        header = furniture.parse_page_header(stripped)
        if header is not None:
            new_page()
            page = pages[-1]
            page.number = header.number if header.number is not None else page.number
            page.name = header.name or page.name
            page.paper = header.paper or page.paper
            page.date = header.date or page.date
            drops.append(Dropped(number, col, stripped, "page header"))
            continue
        if furniture.is_editor_line(stripped):
            drops.append(Dropped(number, col, stripped, "editor line"))
            continue
        indented = bool(_INDENT.match(raw))
        pages[-1].lines.append((stripped, indented))
        pages[-1].where.append((number, col))
    # Furniture-only pages still name the paper and date.
    global_meta = [(p.paper, p.date) for p in pages]
    result = [p for p in pages if p.lines]
    if result:
        result[0].paper = result[0].paper or next((x for x, _ in global_meta if x), None)
        result[0].date = result[0].date or next((y for _, y in global_meta if y), None)
    else:
        meta = Page(
            paper=next((x for x, _ in global_meta if x), None),
            date=next((y for _, y in global_meta if y), None),
        )
        return [meta] if meta.paper or meta.date else []
    # Headers carry the page number when present; otherwise count on from the last one.
    last = 0
    for page in result:
        if page.number is None:
            page.number = last + 1
        last = page.number
        page.units = _units(page.lines, page.where, page.after_gap)
        for i, unit in enumerate(page.units):
            unit.index = i
    return result


def wrap_widths(lines: list[tuple[str, bool]]) -> list[int]:
    """The column widths of a hard-wrapped export (narrowest first), or [] when lines are
    whole paragraphs.

    In a hard wrap, a paragraph's first (indented) line runs to the margin whenever an
    unindented continuation follows it, so those lines share one length per column width:
    a page may hold a wide lead article and narrow columns beside it. A paragraph per line
    has no such regularity: lines before a headline or byline end anywhere.
    """
    firsts = [len(t) + (2 if ind else 0) for (t, ind), (_, nxt_ind) in pairwise(lines) if ind and not nxt_ind]
    if len(firsts) < 2:
        return []
    counts = Counter(firsts)
    clusters: list[tuple[int, int]] = []  # (width, lines of about that width)
    for w in sorted(counts, key=lambda w: (-counts[w], -w)):
        if any(abs(w - c) <= 1 for c, _ in clusters) or w < 8:
            continue
        near = sum(n for x, n in counts.items() if abs(x - w) <= 1)
        if near >= 2:
            clusters.append((max(x for x in counts if abs(x - w) <= 1), near))
    covered = sum(n for _, n in clusters)
    if not clusters or covered * 10 < len(firsts) * 6:
        return []
    return sorted(w for w, _ in clusters)


def _units(
    lines: list[tuple[str, bool]], where: list[tuple[int, int]], gaps: AbstractSet[int] = frozenset()
) -> list[Unit]:
    widths = wrap_widths(lines)
    units: list[Unit] = []
    if len(gaps) * 2 > len(lines):
        # Blank lines between most lines (a double-spaced export) set nothing apart.
        gaps = frozenset()
    if not widths:
        if not _indent_marked(lines):
            for (text, indented), w in zip(lines, where, strict=True):
                if units and not indented and _bracket_runs_on(units[-1].text, text):
                    units[-1].add(text, *w)
                else:
                    units.append(unit(text, indented, *w))
            return units
        # Paragraphs are marked by their indent: an unindented line of running text
        # after a paragraph's lines is more of that paragraph (a wrap we could not measure).
        prev_body = False
        for k, ((text, indented), w) in enumerate(zip(lines, where, strict=True)):
            running = _running_text(text) and not (prev_body and _question_head(units[-1].text, text, lines, k))
            body = indented or (prev_body and running)
            if (
                units
                and not indented
                and ((prev_body and running and k not in gaps) or _bracket_runs_on(units[-1].text, text))
            ):
                units[-1].add(text, *w)
                body = True
            else:
                units.append(unit(text, indented, *w))
            prev_body = body
        return units
    prev_full = False
    width = widths[-1]  # the width of the column the current paragraph is set in
    for k, ((text, indented), w) in enumerate(zip(lines, where, strict=True)):
        size = len(text) + (2 if indented else 0)
        joins = units and prev_full and not indented and k not in gaps
        if not joins:
            # A paragraph's first line tells its column: the narrowest width it fills.
            width = next((c for c in widths if size >= c - 1), widths[-1])
            width = next((c for c in widths if c - 1 <= size <= c + 1), width)
        # A line wider than the column is no line of it: a headline printed across columns.
        # No line is wider than its length in characters: most need no measuring.
        over = len(text) > width + 2 and _display(text) > width + 2
        full = not over and size >= width - 1
        if units and not indented and _bracket_runs_on(units[-1].text, text):
            units[-1].add(text, *w)
        elif (
            joins
            and not over
            and not _starts_block(units[-1].text, text, full)
            and not _question_head(units[-1].text, text, lines, k)
        ):
            units[-1].add(text, *w)
        else:
            units.append(unit(text, indented, *w))
            if joins:
                width = next((c for c in widths if c - 1 <= size <= c + 1), widths[-1])
                over = _display(text) > width + 2
                full = not over and size >= width - 1
        prev_full = full
    return units


def _display(text: str) -> float:
    """A line's width in full-width characters: Latin letters and digits count half."""
    return len(text) - 0.5 * len(_NARROW.findall(text))


_NARROW = re.compile(r"[\x00-\u1fff]")


def _indent_marked(lines: list[tuple[str, bool]]) -> bool:
    """Do indents mark paragraph starts here (rather than a stray indent or two)?"""
    indented = sum(1 for _, ind in lines if ind)
    if not indented:
        return False
    # Unindented running text right after a finished sentence starts a paragraph of its own
    # in a layout without indents; with indents, that happens only where a wrap fell at a
    # sentence end.
    loose = sum(
        1
        for (before, _), (line, ind) in pairwise(lines)
        if not ind and before.rstrip(_CLOSERS)[-1:] in tuple("。！？!?…") and _running_text(line)
    )
    return loose * 2 <= indented + 1


def _running_text(line: str) -> bool:
    """Neither a headline, a byline, a marker nor furniture: a line of a paragraph."""
    # Cheapest test first: a line without punctuation is never running text.
    if not line or not _RUNNING_PUNCT.search(line):
        return False
    # Page furniture (page headers, editor lines) never reaches a page's lines: split_pages
    # takes it out first, so it needs no asking here.
    if line[0] in BULLETS or _MARKERISH.match(line):
        return False
    return credit_line(line) is None


def _starts_block(before: str, line: str, full: bool) -> bool:
    """An unindented line after a full one that still starts something of its own."""
    # Page furniture would start a block too, but split_pages has taken it out already.
    if line[0] in BULLETS or _MARKERISH.match(line):
        return True
    # A paragraph that ended exactly at the margin, then a headline: the headline is
    # short and unpunctuated, where a paragraph's last line would end a sentence.
    if full or len(line) > 50 or line.rstrip(_CLOSERS)[-1:] in tuple("。！？!?…") or _CLAUSE_PUNCT.search(line):
        return False
    last = before.rstrip(_CLOSERS)
    return (bool(last) and last[-1] in "。！？!?…") or ends_with_credits(before)


_CLOSERS = "”’」』)）】》\"' \u3000"
# A bracket opened at a line's end, closed early on the next: a wrapped byline, (记者|吕静).
_OPEN_AT_END = re.compile(r"[(（][^()（）]{0,12}$")
_CLOSES_EARLY = re.compile(r"^[^()（）]{1,24}[)）]")
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _bracket_runs_on(before: str, line: str) -> bool:
    return bool(_OPEN_AT_END.search(before[-14:]) and _CLOSES_EARLY.match(line))


def _opens_next(lines: list[tuple[str, bool]], k: int) -> bool:
    """Does something of its own start after line k: an indented paragraph or a byline?"""
    if k + 1 >= len(lines):
        return False
    text, indented = lines[k + 1]
    return indented or credit_line(text) is not None


def _question_head(before: str, line: str, lines: list[tuple[str, bool]], k: int) -> bool:
    """A headline that ends in ? or ! (乘客为啥不满意?), standing alone between a finished
    paragraph and the indented start of the next: no paragraph's last line."""
    if len(line) > 30 or line.rstrip(_CLOSERS)[-1:] not in ("!", "！", "?", "？") or not _opens_next(lines, k):
        return False
    last = before.rstrip(_CLOSERS)
    ended = (bool(last) and last[-1] in "。！？!?…") or ends_with_credits(before) or kinds.body_tail(before)
    return ended and len(_HAN.findall(line)) >= 6 and headlines.looks_like_headline(line)


_RUNNING_PUNCT = re.compile(r"[,，。;；!！?？、]")
_CLAUSE_PUNCT = re.compile(r"[,，。;；]")
_MARKERISH = re.compile(r"^[■□●◆▲★]|^[(（](?:下转|上接|接|转|紧接)")
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")


def join_text(left: str, right: str) -> str:
    """Rejoin two pieces of one paragraph; only Latin words need a space between."""
    if left and right and _ASCII_WORD.match(left[-1]) and _ASCII_WORD.match(right[0]):
        if left[-1].isalpha() and right[0].isalpha():
            return left + " " + right
    return left + right
