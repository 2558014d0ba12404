"""Chinese text as every stage reads it: jieba's one dictionary, where sentences end, and
dates and weekdays in words.

jieba's dictionary takes about half a second to load and some 70 MB, so it is loaded once,
lazily and quietly, and shared: the normalizer's word judgements, the script's segments and
headline pauses, and the lexicon (which adds its words to it) all cut with this one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
import threading
from functools import lru_cache
from types import ModuleType
from typing import Any

from audiopaper.resources import cache_root

# -- jieba -----------------------------------------------------------------------------------

_lock = threading.Lock()
_ready = False


def loaded_jieba() -> ModuleType:
    """The jieba module, its dictionary initialized once (the first caller pays for it)."""
    global _ready
    import jieba

    if not _ready:
        with _lock:
            if not _ready:
                # jieba announces its cache on stderr; a CLI's output must stay clean.
                jieba.setLogLevel(logging.WARNING)
                logging.getLogger("jieba").setLevel(logging.WARNING)
                # Its 9 MB dictionary cache goes with ours, not into the system's shared
                # temporary folder (cleared at boot, and writable by every user).
                folder = cache_root()
                with contextlib.suppress(OSError):
                    folder.mkdir(parents=True, exist_ok=True)
                    jieba.dt.tmp_dir = str(folder)
                jieba.initialize()
                _ready = True
    return jieba


def shared_tokenizer() -> Any:
    """jieba's default tokenizer, initialized once and quietly: the package's one dictionary."""
    return loaded_jieba().dt


@lru_cache(maxsize=65536)
def cut(text: str) -> tuple[str, ...]:
    """jieba's words of `text` (dictionary words only, no guessing at unknown ones)."""
    return tuple(loaded_jieba().lcut(text, HMM=False))


# -- sentences -------------------------------------------------------------------------------

SENTENCE_ENDS = "。！？!?；;…"
# Closing quotes and brackets: a sentence runs on through them after its end marks.
CLOSERS = "”’」』)）]"
# A sentence runs to a run of end marks ("……", "？！", "。。。") and the closing quotes and
# brackets after it: the run is never cut, so a printed "……" is no sentence of its own.
_SENTENCE = re.compile(f"[^{SENTENCE_ENDS}]*(?:[{SENTENCE_ENDS}][{SENTENCE_ENDS}{re.escape(CLOSERS)}]*|$)")
# Whether a text already ends a sentence. A closing square bracket after the end mark is not
# counted here, as it never was: the script's segments keep the exact text they had.
_ENDED = re.compile(f"[{SENTENCE_ENDS}][{re.escape(CLOSERS.replace(']', ''))}]*\\s*$")
_WORD = re.compile(r"\w")


def split_sentences(text: str) -> list[str]:
    """The sentences of `text`, as cues show them and engine calls are cut; joined back they
    are `text` (white space alone has none). A piece with no word in it (marks opening a
    paragraph, a trailing "——", white space) goes with its neighbour: a cue of punctuation
    alone would flash by unread."""
    sentences: list[str] = []
    pending = ""  # marks before the first word, waiting for it
    for match in _SENTENCE.finditer(text):
        piece = match[0]
        if not piece:
            continue
        if _WORD.search(piece):
            sentences.append(pending + piece)
            pending = ""
        elif sentences:
            sentences[-1] += piece
        else:
            pending += piece
    if pending.strip():
        sentences.append(pending)
    return sentences


def ends_sentence(text: str) -> bool:
    """Whether `text` ends on a sentence end mark (closing quotes and white space after it
    allowed)."""
    return bool(_ENDED.search(text))


# -- dates -----------------------------------------------------------------------------------

WEEKDAYS = "一二三四五六日"


def date_words(day: dt.date) -> str:
    """2022年10月12日"""
    return f"{day.year}年{day.month}月{day.day}日"


def weekday_words(day: dt.date) -> str:
    """星期三"""
    return "星期" + WEEKDAYS[day.weekday()]


def chinese_date(day: dt.date) -> str:
    """2022年10月12日 星期三, as a dated page heads itself."""
    return f"{date_words(day)} {weekday_words(day)}"
