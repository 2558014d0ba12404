"""Speech engines behind one interface, with a registry as beets keeps its backends.

Each engine has a NAME, an `availability()` check whose message says how to fix what is
missing, and renders a batch of requests. The rest of the code sees only `Speech`:
16-bit mono PCM plus sentence timings, so engines and tests can be swapped freely.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, ClassVar

from audiopaper.errors import EngineUnavailable


@dataclass(frozen=True)
class Voice:
    """One role's voice: the engine's voice name and its prosody."""

    name: str
    rate: int = 0  # percent faster (+) or slower (-) than the engine's normal pace
    pitch: int = 0  # Hz up or down
    volume: int = 0  # percent louder or softer


@dataclass(frozen=True)
class VoiceInfo:
    """A voice an engine offers, for `audiopaper voices`."""

    name: str  # what Voice.name takes
    gender: str
    locale: str


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


Progress = Callable[[int], None]
# An engine's results in request order; closing it stops the requests still in flight.
Stream = Generator[Speech | BaseException, None, None]


@dataclass
class ServiceStats:
    """How a build's requests to an online service went, for its summary and manifest:
    retries and refusals (HTTP 403/503 at the handshake, a refused connection) that the
    build survived are still worth an operator's eye."""

    requests: int = 0  # sent to the service, retries included
    retries: int = 0
    refused: int = 0


class Engine(ABC):
    """A speech engine. Implement `synthesize` (one request at a time) or `synthesize_many`
    (engines that batch or run requests concurrently); each default is built on the other."""

    NAME: ClassVar[str]
    # Each request costs a round trip (an online service): the renderer then packs short
    # texts of several items, in one voice, into one request, and asks for long articles
    # a little ahead of their turn.
    ROUND_TRIPS: ClassVar[bool] = False

    @property
    def stats(self) -> ServiceStats | None:
        """The requests to an online service so far; None for an engine that sends none."""
        return None

    @classmethod
    @abstractmethod
    def availability(cls) -> str | None:
        """None when the engine can run here, else what is missing and how to fix it."""

    @classmethod
    def from_settings(cls, tts: Any) -> Engine:
        """The engine as the [tts] settings configure it (concurrency, tries, timeout...)."""
        return cls()

    def synthesize(self, request: SpeechRequest) -> Speech:
        """Render one request; raise on failure."""
        result = self.synthesize_many([request])[0]
        if isinstance(result, BaseException):
            raise result
        return result

    def synthesize_many(
        self, requests: Sequence[SpeechRequest], progress: Progress | None = None
    ) -> list[Speech | BaseException]:
        """Render a batch; a failed request yields its exception instead of aborting the rest."""
        results: list[Speech | BaseException] = []
        for request in requests:
            try:
                results.append(self.synthesize(request))
            except Exception as exc:  # one request's failure is reported with its article
                results.append(exc)
            if progress:
                progress(1)
        return results

    def stream(self, requests: Sequence[SpeechRequest], progress: Progress | None = None) -> Stream:
        """Results in request order as they become ready. Engines that work concurrently
        run ahead by a bounded window, so a long edition is never all in memory."""
        for request in requests:
            yield from self.synthesize_many([request], progress)


REGISTRY: dict[str, type[Engine]] = {}


def register(cls: type[Engine]) -> type[Engine]:
    REGISTRY[cls.NAME] = cls
    return cls


def engine_class(name: str) -> type[Engine]:
    _load_builtin_engines()
    try:
        return REGISTRY[name]
    except KeyError:
        raise EngineUnavailable(
            f"unknown engine {name!r}: choose one of {', '.join(['auto', *sorted(REGISTRY)])}"
        ) from None


def _load_builtin_engines() -> None:
    # Imported lazily so that `audiopaper --help` does not load libespeak or aiohttp.
    from audiopaper.tts import edge, espeak  # noqa: F401
