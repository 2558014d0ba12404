"""Headlines: which lines are headline lines, and how a run of them splits into decks.

A deck is 引题 (kicker) / 主题 (title) / 副题 (subtitle, after a dash). When several headline
lines stand together they may belong to different articles, e.g. the lead's deck at the top
of the page right above another article's title; an article's first paragraph usually
echoes its headline, which is how lines are given to articles.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from audiopaper.normalize import kinds, words
from audiopaper.normalize.credits import BULLETS

_DASH = re.compile(r"^[\s\u3000]*(?:——|—|--|－－|─{1,2}|―{1,2})[\s\u3000]*")
_HARD_STOP = re.compile(r"[。;；]")
_COMMA = re.compile(r"[,，]")
_BAD_END = "。,，、;；:：…"
_SPACES = re.compile(r"[\s\u3000]+")
MAX_LEN = 50
_DIGIT = re.compile(r"[0-9０-９]")
_WORDISH = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")


_DASH_STARTS = frozenset("—-－─―")


def is_subtitle(line: str) -> bool:
    # Asked of every headline line many times over; nearly none starts with a dash.
    first = line[:1]
    if first not in _DASH_STARTS and not first.isspace():
        return False
    return bool(_DASH.match(line))


def strip_dash(line: str) -> str:
    return _DASH.sub("", line).strip()


def tidy(line: str) -> str:
    return _SPACES.sub(" ", line).strip()


def looks_like_headline(text: str) -> bool:
    """Form alone: short, no sentence punctuation, not a bullet item."""
    t = text.strip(" \u3000")
    if not _WORDISH.search(t):
        return False
    if is_subtitle(t):
        return len(t) <= MAX_LEN + 10 and not _HARD_STOP.search(t[:-1])
    # Most lines are running text: the test that rejects them comes first.
    if t[-1] in _BAD_END or _HARD_STOP.search(t):
        return False
    if t[0] in BULLETS or kinds.is_contact_line(t):
        return False
    n = len(_SPACES.sub("", t))
    if n < 2 or n > MAX_LEN:
        return False
    commas = len(_COMMA.findall(t))
    if commas > 1 or (commas == 1 and n > 24):
        return False
    if t[-1] in "!！?？" and n > 30:
        return False
    return True


def has_comma(text: str) -> bool:
    return bool(_COMMA.search(text))


@dataclass
class Deck:
    lines: list[str]
    position: int  # index of its first line on the page

    def parts(self) -> tuple[str | None, str, str | None]:
        """(kicker, title, subtitle)."""
        main = [tidy(x) for x in self.lines if not is_subtitle(x)]
        subs = [tidy(strip_dash(x)) for x in self.lines if is_subtitle(x)]
        subs = [s for s in subs if s]
        if not main:
            main, subs = subs[:1], subs[1:]
        if not main:
            return None, "(无标题)", None
        if len(main) == 1:
            kicker, title = None, main[0]
        elif len(main) == 2 and one_title(main[0], main[1]):
            kicker, title = None, main[0] + " " + main[1]
        else:
            # Beyond two lines the third reads as a subtitle printed without its dash.
            kicker, title = main[0], main[1]
            subs = main[2:] + subs
        subtitle = " ".join(subs) if subs else None
        return kicker, title, subtitle

    def roles(self) -> list[str]:
        """Which field each line went to, as parts() decides: kicker, title, subtitle or rule."""
        roles = ["rule"] * len(self.lines)
        main = [i for i, x in enumerate(self.lines) if not is_subtitle(x)]
        subs = [i for i, x in enumerate(self.lines) if is_subtitle(x)]
        for i in subs:
            roles[i] = "subtitle" if tidy(strip_dash(self.lines[i])) else "rule"
        if not main:
            main = [i for i in subs if roles[i] == "subtitle"][:1]
        if len(main) == 1:
            roles[main[0]] = "title"
        elif len(main) == 2 and one_title(self.lines[main[0]], self.lines[main[1]]):
            roles[main[0]] = roles[main[1]] = "title"
        elif main:
            roles[main[0]], roles[main[1]] = "kicker", "title"
            for i in main[2:]:
                roles[i] = "subtitle"
        return roles


def one_title(first: str, second: str) -> bool:
    """Two headline lines that are one title printed over two: a short tail under a short
    line (株洲今年要建成4条干线公路 / 总长122公里), not a kicker over its title."""
    a, b = len(_SPACES.sub("", first)), len(_SPACES.sub("", second))
    # Only when the tail is a figure (总长122公里, 投资3亿元): a short title of words under a
    # kicker is as common, and a kicker read as part of the title costs less than the reverse.
    return b <= 8 and a + b <= 24 and bool(_DIGIT.search(second)) and first.rstrip()[-1:] not in ':：”"!！?？'


def _groups(lines: Sequence[str]) -> list[list[int]]:
    """Line indexes grouped so that a subtitle stays with the line above it."""
    groups: list[list[int]] = []
    for i, line in enumerate(lines):
        if is_subtitle(line) and groups:
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


def partitions(lines: Sequence[str]) -> Iterator[list[list[int]]]:
    """Every way to cut a run of headline lines into decks of one to three main lines."""
    groups = _groups(lines)
    n = len(groups)
    for cuts in itertools.product((False, True), repeat=max(0, n - 1)):
        decks: list[list[int]] = [list(groups[0])]
        for g, cut in zip(groups[1:], cuts, strict=True):
            if cut:
                decks.append(list(g))
            else:
                decks[-1].extend(g)
        if all(sum(1 for i in d if not is_subtitle(lines[i])) <= 3 for d in decks):
            yield decks


def deck_score(lines: Sequence[str], body: str) -> float:
    return sum(words.echo(strip_dash(x), body) for x in lines)
