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

    def _split(self) -> tuple[list[int], list[int], list[int]]:
        """Indexes of the kicker's, the title's and the subtitle's lines (a subtitle's
        dash-less lines included); a line may be wrapped onto the next."""
        main = [i for i, x in enumerate(self.lines) if not is_subtitle(x)]
        subs = [i for i, x in enumerate(self.lines) if is_subtitle(x) and tidy(strip_dash(x))]
        if not main:
            main, subs = subs[:1], subs[1:]
        text = [self.lines[i] for i in main]
        if len(main) <= 1:
            return [], main, subs
        if len(main) == 2:
            if one_title(text[0], text[1]):
                return [], main, subs
            return main[:1], main[1:2], subs
        if wrapped_kicker(text[0], text[1]):
            # A kicker too long for its line, wrapped: 坚持……着力解决群众 / 急难愁盼问题.
            return main[:2], main[2:3], main[3:] + subs
        if len(main) == 3 and not subs and one_title(text[1], text[2]):
            return main[:1], main[1:3], subs
        # Beyond two lines the third reads as a subtitle printed without its dash.
        return main[:1], main[1:2], main[2:] + subs

    def parts(self) -> tuple[str | None, str, str | None]:
        """(kicker, title, subtitle)."""
        kick, title, subs = self._split()
        if not title:
            return None, "(无标题)", None
        # A wrapped kicker is one line of text again; a title's two lines keep their break.
        kicker = "".join(tidy(self.lines[i]) for i in kick) or None
        subtitle = " ".join(tidy(strip_dash(self.lines[i])) for i in subs) or None
        return kicker, " ".join(tidy(self.lines[i]) for i in title), subtitle

    def roles(self) -> list[str]:
        """Which field each line went to, as parts() decides: kicker, title, subtitle or rule."""
        roles = ["rule"] * len(self.lines)
        kick, title, subs = self._split()
        for names, role in ((kick, "kicker"), (title, "title"), (subs, "subtitle")):
            for i in names:
                roles[i] = role
        return roles


# What only a kicker ends on: who said what (……会上强调), or its own quote or exclamation.
_KICKER_END = re.compile(r"(?:强调|指出|表示|要求|提出|寄语|致辞|讲话|批示|指示)$|[:：”\"!！?？]$")
# A headline line cannot end on a word that wants what follows (a preposition, a
# conjunction, 的), nor start on one that leans on what went before: it was wrapped there.
_LEANS_ON = ("p", "c", "u", "uj", "ul", "uz", "ug", "ud", "uv")
_OPEN_END = "、·“‘《(（—"
_LEANING_START = "、,，》”’)）"
_VERB = "v"


def kicker_like(line: str) -> bool:
    return bool(_KICKER_END.search(line.rstrip(" \u3000")))


def _size(text: str) -> int:
    return len(_SPACES.sub("", text))


def _wrapped(first: str, second: str) -> bool:
    """Is second the rest of first, wrapped: first ends, or second starts, mid-phrase?"""
    f, s = first.rstrip(" \u3000"), second.lstrip(" \u3000")
    if not f or not s:
        return False
    if f[-1] in _OPEN_END or s[0] in _LEANING_START:
        return True
    last, head = words.pos(f[-6:])[-1:], words.pos(s[:6])[:1]
    if (last and len(last[0][0]) == 1 and last[0][1] in _LEANS_ON) or (
        head and len(head[0][0]) == 1 and head[0][1] in _LEANS_ON[1:]
    ):
        return True
    return _cut_mid_word(f, s)


def _cut_mid_word(first: str, second: str) -> bool:
    """A word across the line break that is no two words put together: 城东菜市 / 场. Two
    words that jieba also knows as one compound (乡村 / 规划) may stand on two lines."""
    a, b = first[-6:], second[:6]
    pos = 0
    for word in words.cut(a + b):
        end = pos + len(word)
        if pos < len(a) < end and len(word) > 1:
            left, right = word[: len(a) - pos], word[len(a) - pos :]
            return not (len(left) > 1 and len(right) > 1 and words.known(left) and words.known(right))
        pos = end
    return False


def one_title(first: str, second: str) -> bool:
    """Two headline lines that are one title printed over two, not a kicker over its title.

    A kicker sets the scene (who said what, where, a quote) and is complete in itself; the
    title under it is a headline of its own. A title printed over two lines reads on:
    株洲今年要建成4条干线公路 / 总长122公里, 全县农村人居环境整治工作 / 取得明显成效.
    """
    if kicker_like(first):
        return False
    if _wrapped(first, second):
        return True
    a, b = _size(first), _size(second)
    # A short tail under a longer line: a figure (总长122公里).
    if b <= 8 and a + b <= 24 and _DIGIT.search(second):
        return True
    if b > 12:
        return False
    # A subject on the first line, its predicate on the second: 全县重点项目建设 / 跑出加速度.
    # Only decks of two lines get here, a few a page: jieba's tagger is affordable.
    tail = words.pos(second)
    return bool(tail) and tail[0][1] == _VERB and not any(flag == _VERB for _, flag in words.pos(first))


def wrapped_kicker(first: str, second: str) -> bool:
    """The first two of three or more headline lines are one kicker, wrapped."""
    if kicker_like(first):
        return False
    a, b = _size(first), _size(second)
    # A title is the deck's big line; a scrap of six characters under a long line is the
    # rest of that line, not a title between a kicker and a subtitle.
    return _wrapped(first, second) or (b <= 6 and a >= 12) or (kicker_like(second) and b <= 8)


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
