"""Cutting text into engine calls: at sentence ends, then commas, never inside a word.

edge-tts's own splitter cuts Chinese text without spaces at arbitrary bytes, which can split
a character's UTF-8 bytes or a word; so we hand each engine call a piece already under the
limit, cut where a newsreader would breathe.
"""

from __future__ import annotations

import re

from audiopaper.core.chinese import cut as cut_words
from audiopaper.core.chinese import split_sentences

# UTF-8 bytes per engine call (~660 Chinese characters; edge-tts's own limit is 4096). Longer
# calls pay the service's per-request latency less often, shorter ones share the work better
# among concurrent requests (an edition is done when its longest call is): against a service
# with 0.5 s latency, 2000 was quickest of 1000, 1500, 2000 and 3000.
MAX_BYTES = 2000

_CLAUSE_END = re.compile(r"(?<=[,，、：:])")


def split_for_engine(text: str, max_bytes: int = MAX_BYTES) -> list[str]:
    """Pieces of `text`, each at most `max_bytes` UTF-8 bytes, joined back they equal `text`."""
    pieces: list[str] = []
    for sentence in split_sentences(text):
        pieces.extend(_fit(sentence, max_bytes))
    return _merge(pieces, max_bytes)


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def _fit(sentence: str, max_bytes: int) -> list[str]:
    if _size(sentence) <= max_bytes:
        return [sentence]
    clauses = [c for c in _CLAUSE_END.split(sentence) if c]
    if len(clauses) > 1:
        return _merge([p for c in clauses for p in _fit(c, max_bytes)], max_bytes)
    # A clause longer than the limit: cut between words.
    out: list[str] = []
    current = ""
    for word in cut_words(sentence):
        if current and _size(current + word) > max_bytes:
            out.append(current)
            current = ""
        while _size(word) > max_bytes:  # a single "word" over the limit (e.g. a digit run)
            cut = _prefix_within(word, max_bytes)
            out.append(word[:cut])
            word = word[cut:]
        current += word
    if current:
        out.append(current)
    return out


def _prefix_within(text: str, max_bytes: int) -> int:
    size = 0
    for i, ch in enumerate(text):
        size += _size(ch)
        if size > max_bytes:
            return max(i, 1)
    return len(text)


def _merge(pieces: list[str], max_bytes: int) -> list[str]:
    """Greedily rejoin neighbours while under the limit: fewer calls, more natural prosody."""
    out: list[str] = []
    for piece in pieces:
        if out and _size(out[-1] + piece) <= max_bytes:
            out[-1] += piece
        else:
            out.append(piece)
    return out
