"""What the stages hand each other about speech: the voice a text is read in, an engine's
rendering of it (PCM and sentence timings), and the cues a transcript shows.

Plain frozen data with no library behind it, so that any layer can name these types: the
settings (voices), the engines (requests in, speech out), the programme (cues) and the
transcripts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise


@dataclass(frozen=True)
class Voice:
    """One role's voice: the engine's voice name and its prosody."""

    name: str
    rate: int = 0  # percent faster (+) or slower (-) than the engine's normal pace
    pitch: int = 0  # Hz up or down
    volume: int = 0  # percent louder or softer


@dataclass(frozen=True)
class SpeechRequest:
    text: str  # exactly what the engine speaks: already in spoken form
    voice: Voice


@dataclass(frozen=True)
class Sentence:
    start_ms: int
    end_ms: int
    text: str


@dataclass(frozen=True)
class Speech:
    pcm: bytes  # signed 16-bit little-endian, mono
    sample_rate: int
    sentences: tuple[Sentence, ...] = ()

    @property
    def duration_ms(self) -> int:
        return len(self.pcm) * 1000 // (2 * self.sample_rate)

    def split(self, parts: Sequence[str]) -> list[tuple[Speech, range]]:
        """Cut the speech of `"".join(parts)` back into the parts, at the sentence starts
        where one part ends and the next begins.

        One engine call can then carry several paragraphs (fewer, longer requests) and the
        pauses between them are still put in. A boundary no sentence starts at (the engine
        split sentences differently) is not cut: those parts share a piece. Returns the
        pieces, each with the range of part indices it holds."""
        if len(parts) <= 1:
            return [(self, range(len(parts)))]
        joined = "".join(parts)
        cursor = 0
        located: list[tuple[int, Sentence]] = []
        for sentence in self.sentences:
            key = sentence.text.strip()[:6]
            found = joined.find(key, cursor) if key else -1
            if found >= 0:
                located.append((found, sentence))
                cursor = found + 1
        cuts: list[tuple[int, int]] = []  # (part index that starts a piece, ms)
        start = 0
        for index, part in enumerate(parts[:-1], start=1):
            start += len(part)
            # A sentence may open with a quotation mark the engine leaves out of its text.
            at = next((s.start_ms for pos, s in located if start <= pos <= start + 1), None)
            if at is not None and (not cuts or at > cuts[-1][1]):
                cuts.append((index, at))
        bounds = [(0, 0), *cuts, (len(parts), self.duration_ms)]
        pieces = []
        for (first, begin), (end_index, end_ms) in pairwise(bounds):
            a = begin * self.sample_rate // 1000 * 2
            b = end_ms * self.sample_rate // 1000 * 2 if end_index < len(parts) else len(self.pcm)
            sentences = tuple(
                Sentence(s.start_ms - begin, min(s.end_ms, end_ms) - begin, s.text)
                for s in self.sentences
                if begin <= s.start_ms < end_ms or (end_index == len(parts) and s.start_ms >= begin)
            )
            pieces.append((Speech(self.pcm[a:b], self.sample_rate, sentences), range(first, end_index)))
        return pieces


@dataclass(frozen=True)
class Cue:
    """A written sentence and when the programme speaks it."""

    start_ms: int
    end_ms: int
    text: str
