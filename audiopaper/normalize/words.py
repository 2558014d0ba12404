"""Word-level judgements with jieba: does a cut rejoin into a word, what is a text about.

jieba's dictionary is the package's one (audiopaper.core.chinese), and only small windows of
text are ever segmented: the normalizer must stay fast on a year of pages.
"""

from __future__ import annotations

import bisect
import operator
import re
from functools import lru_cache

from audiopaper.core.chinese import cut, loaded_jieba

# Words that say nothing about a text's subject; they would make any two articles look alike.
_STOP = frozenset(
    """今年 去年 明年 近日 日前 昨天 今天 上午 下午 晚上 目前 同时 进一步 以及 通过 进行
    开展 工作 相关 我们 他们 一个 这个 还是 已经 可以 不断 全面 推进 加强 提升 实现 主要
    重要 方面 活动 有关 部门 表示 介绍 据悉 记者 通讯员 本报 本报讯 其中 没有 就是 也是
    以来 之后""".split()
)

_HAN = re.compile(r"[\u4e00-\u9fff]")
_NOT_HAN = re.compile(r"[^\u4e00-\u9fff]+")
_WORDISH = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]")
_NUM_END = re.compile(r"[0-9０-９.．]$")
_NUM_START = re.compile(r"^[0-9０-９.．%％]")


@lru_cache(maxsize=16384)
def _pos(text: str) -> tuple[tuple[str, str], ...]:
    loaded_jieba()
    import jieba.posseg as pseg

    return tuple((w.word, w.flag) for w in pseg.cut(text, HMM=False))


def pos(text: str) -> tuple[tuple[str, str], ...]:
    """jieba's (word, part of speech) for a short text, cached."""
    return _pos(text)


def known(word: str) -> bool:
    """Is this a word of jieba's dictionary?"""
    return bool(loaded_jieba().dt.FREQ.get(word))


def crosses_word(left: str, right: str, window: int = 6) -> bool:
    """True when jieba puts a word across the boundary of left+right: the cut fell mid-word."""
    a = left[-window:]
    b = right[:window]
    if not a or not b:
        return False
    if not (_WORDISH.match(a[-1]) and _WORDISH.match(b[0])):
        return False
    # A number cut in two (3.|5亿) is one token to a reader even if jieba splits it.
    if _NUM_END.search(a) and _NUM_START.match(b):
        return True
    if not _may_cross(a, b):
        return False
    pos = 0
    for word in cut(a + b):
        end = pos + len(word)
        if pos < len(a) < end and len(word) > 1:
            return True
        pos = end
    return False


_ASCII = re.compile(r"[a-zA-Z0-9]")


def _may_cross(a: str, b: str) -> bool:
    """Can any segmentation of a+b put a token across the cut? Segmenting costs ~7 us a
    character; most cuts fall where no dictionary word spans them, which is quick to see.

    jieba (without its HMM) makes a token of two or more characters only from a dictionary
    word (its DAG) or from a run of ASCII letters and digits.
    """
    if _ASCII.match(a[-1]) and _ASCII.match(b[0]):
        return True
    freq = loaded_jieba().dt.FREQ
    s = a + b
    n = len(s)
    cut = len(a)
    for i in range(cut):
        # Every prefix of a dictionary word is in FREQ (with 0 when it is no word itself),
        # so the walk stops as soon as no word can go on: as jieba's get_DAG walks.
        k = i + 1
        frag = s[i]
        while frag in freq:
            if k > cut and freq[frag]:
                return True
            if k >= n:
                break
            k += 1
            frag = s[i:k]
    return False


# A modal verb wants a verb after it; a noun straight after one suggests the cut lost words.
_MODALS = frozenset("要 能 会 应 须 可 想 敢 肯 该 得".split())


def gap_suspected(left: str, right: str) -> bool:
    """True when left+right reads as if text were missing between them."""
    a = left[-8:]
    b = right[:8]
    if not a or not b or not _HAN.match(a[-1]) or not _HAN.match(b[0]):
        return False
    # Only a modal as the last word, or a conjunction that is all of it, can say so: look
    # that up before segmenting (and before loading the part-of-speech tables, ~1 s).
    if a[-1] not in _MODALS and len(a) > 1 and not loaded_jieba().dt.FREQ.get(a):
        return False
    if crosses_word(left, right):
        return False
    la = _pos(a)
    rb = _pos(b)
    if not la or not rb:
        return False
    lw, lf = la[-1]
    rw, rf = rb[0]
    noun_next = (rf.startswith(("n", "r")) and rf not in ("nr",)) or (rf == "nr" and len(rw) > 1)
    if lw in _MODALS and noun_next:
        return True
    return lf in ("c",) and noun_next and len(la) == 1


@lru_cache(maxsize=16384)
def keywords(text: str, limit: int = 600) -> frozenset[str]:
    """The content words of a text: jieba words of two or more characters, minus stop words."""
    # jieba segments each run of Han, letters and digits on its own, and only such runs hold
    # content words: segment run by run, so the runs that texts share (a paragraph compared
    # with several articles, an article with several paragraphs) are segmented once.
    runs = loaded_jieba().re_han_default.findall(text[:limit])
    return frozenset().union(*map(_run_keywords, runs))


@lru_cache(maxsize=65536)
def _run_keywords(run: str) -> frozenset[str]:
    words = loaded_jieba().dt.lcut(run, HMM=False)
    return frozenset(w for w in words if len(w) >= 2 and _HAN.match(w) and w not in _STOP)


@lru_cache(maxsize=16384)
def bigrams(text: str) -> frozenset[str]:
    han = _NOT_HAN.sub("", text)
    return frozenset(map(operator.add, han, han[1:]))


def echo(line: str, body: str) -> float:
    """How much of a headline line the body's opening repeats, 0..1."""
    return _echo(line, body[:400])


@lru_cache(maxsize=65536)
def _echo(line: str, opening: str) -> float:
    if not line or not opening:
        return 0.0
    kw = keywords(line, 100)
    b_line = bigrams(line)
    score_b = len(b_line & bigrams(opening)) / len(b_line) if b_line else 0.0
    if kw:
        score_k = sum(1 for w in kw if w in opening) / len(kw)
        return (score_k + score_b) / 2
    return score_b


def affinity(piece: str, reference: str) -> float:
    """How much a piece of body text shares the subject of a reference text, 0..1."""
    kp = keywords(piece)
    if not kp:
        return 0.0
    return len(_shared_keywords(kp, reference[:2000])) / len(kp)


def _shared_keywords(kp: frozenset[str], text: str) -> frozenset[str]:
    """kp & keywords(text, len(text)), segmenting only the runs of text that can hold one.

    A reference is an article of up to 2,000 characters, a piece a few of its words; only
    a run that holds one of those words (as a substring: each word is made of run
    characters, so it never spans two) can give it, and most runs hold none.
    """
    starts, runs = _runs(text)
    hit: set[int] = set()
    for w in kp:
        i = text.find(w)
        while i >= 0:
            k = bisect.bisect_right(starts, i) - 1
            if k >= 0 and i + len(w) <= starts[k] + len(runs[k]):
                hit.add(k)
            i = text.find(w, i + 1)
    return frozenset().union(*(kp & _run_keywords(runs[k]) for k in hit))


@lru_cache(maxsize=4096)
def _runs(text: str) -> tuple[list[int], list[str]]:
    """Where each run of text starts, and the runs, as jieba splits text before segmenting."""
    found = list(loaded_jieba().re_han_default.finditer(text))
    return [m.start() for m in found], [m.group() for m in found]
