"""Speech engines behind one interface, with a registry as beets keeps its backends.

Each engine has a NAME, an `availability()` check whose message says how to fix what is
missing, and renders a batch of requests. The rest of the code sees only `Speech`:
16-bit mono PCM plus sentence timings, so engines and tests can be swapped freely.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from audiopaper.core.speech import Speech, SpeechRequest
from audiopaper.errors import EngineUnavailable


@dataclass(frozen=True)
class VoiceInfo:
    """A voice an engine offers, for `audiopaper voices`."""

    name: str  # what Voice.name takes
    gender: str
    locale: str


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
