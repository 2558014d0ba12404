"""Word-level judgements with jieba: does a cut rejoin into a word, what is a text about.

jieba's dictionary is the package's one (audiopaper.core.chinese), and only small windows of
text are ever segmented: the normalizer must stay fast on a year of pages.
"""

from __future__ import annotations

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
    pos = 0
    for word in cut(a + b):
        end = pos + len(word)
        if pos < len(a) < end and len(word) > 1:
            return True
        pos = end
    return False


# A modal verb wants a verb after it; a noun straight after one suggests the cut lost words.
_MODALS = frozenset("要 能 会 应 须 可 想 敢 肯 该 得".split())


def gap_suspected(left: str, right: str) -> bool:
    """True when left+right reads as if text were missing between them."""
    a = left[-8:]
    b = right[:8]
    if not a or not b or not _HAN.match(a[-1]) or not _HAN.match(b[0]):
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
    words = cut(text[:limit])
    return frozenset(w for w in words if len(w) >= 2 and _HAN.match(w) and w not in _STOP)


@lru_cache(maxsize=16384)
def bigrams(text: str) -> frozenset[str]:
    han = "".join(_HAN.findall(text))
    return frozenset(han[i : i + 2] for i in range(len(han) - 1))


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
    kr = keywords(reference, 2000)
    return len(kp & kr) / len(kp)
