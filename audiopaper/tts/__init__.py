"""Speech engines behind one interface, with a registry as beets keeps its backends.

Each engine has a NAME, an `availability()` check whose message says how to fix what is
missing, and renders a batch of requests. The rest of the code sees only `Speech`:
16-bit mono PCM plus sentence timings, so engines and tests can be swapped freely.

An engine is one module and one entry in voices/presets.toml: the presets name the engines
(`[NAME.anchor]`, `[NAME.reporter]`), and the registry imports `audiopaper.tts.NAME` (or the
entry's `module = "..."`) for each, whose class registers itself with `@register`. The CLI's
choices, the settings' checks and `audiopaper voices` all ask `engines()`. What an engine
may offer beyond synthesis (a reachability probe, a voice check, a voice list) has a default
here, so nothing probes for attributes. See docs/developing.md, "Adding an engine".
"""

from __future__ import annotations

import functools
import importlib
import tomllib
from abc import ABC, abstractmethod
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Protocol

from audiopaper import resources
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


class TtsOptions(Protocol):
    """What an engine may read of the [tts] settings (audiopaper.settings.TtsSettings, which
    sits above the engines and is handed to them as this)."""

    @property
    def concurrency(self) -> int: ...
    @property
    def tries(self) -> int: ...
    @property
    def timeout(self) -> int: ...
    @property
    def retry_delay_ms(self) -> int: ...


class Engine(ABC):
    """A speech engine. Implement `synthesize` (one request at a time) or `synthesize_many`
    (engines that batch or run requests concurrently); each default is built on the other."""

    NAME: ClassVar[str]
    # How messages name the engine: "… cannot be used; using espeak-ng for the whole edition".
    DESCRIPTION: ClassVar[str] = ""
    # Each request costs a round trip (an online service): the renderer then packs short
    # texts of several items, in one voice, into one request, and asks for long articles
    # a little ahead of their turn.
    ROUND_TRIPS: ClassVar[bool] = False
    # `--engine auto` tries the engines with AUTO > 0, highest first, and settles on the first
    # that can be used; the lowest is the fallback it then takes for the whole edition (it
    # should be one that needs no network). 0: used only when named.
    AUTO: ClassVar[int] = 0

    @property
    def stats(self) -> ServiceStats | None:
        """The requests to an online service so far; None for an engine that sends none."""
        return None

    @classmethod
    @abstractmethod
    def availability(cls) -> str | None:
        """None when the engine can run here, else what is missing and how to fix it
        ("espeak-ng is not installed: run `pip install espeakng-loader`")."""

    @classmethod
    def reachable(cls, timeout: float = 3.0) -> bool | str:
        """Whether the service behind the engine answers now: True; False when nothing
        answered; a message when it answered but refused. An engine that needs no network
        keeps this default: it is always reachable. Only True means usable."""
        return True

    @classmethod
    def check_voice(cls, name: str) -> None:
        """Raise AudiopaperError, saying what to do, when the engine has no voice `name`;
        called for every configured voice before any speech is asked for. The default
        accepts every name (the engine then fails on the first request in that voice)."""
        return None

    @classmethod
    def list_voices(cls, locale: str = "", refresh: bool = False) -> Sequence[VoiceInfo]:
        """The voices whose locale is `locale` or under it, for `audiopaper voices`;
        `refresh` may ask a service for its current list. Default: none known."""
        return []

    @classmethod
    def from_settings(cls, tts: TtsOptions) -> Engine:
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
    """Class decorator: the engine becomes known under its NAME."""
    REGISTRY[cls.NAME] = cls
    return cls


def presets_path() -> Path:
    """voices/presets.toml: each engine's table of roles is what makes it an engine here."""
    return resources.voices_dir() / "presets.toml"


@functools.cache
def _read_presets(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise EngineUnavailable(f"cannot read the voice presets {path}: {exc}") from None
    bad = next((name for name, entry in data.items() if not isinstance(entry, dict)), None)
    if bad is not None:
        raise EngineUnavailable(f"{path}: {bad} must be a table of roles, like [{bad}.anchor]")
    return data


def presets() -> dict[str, dict[str, Any]]:
    """Every engine's entry in the presets file: its roles' voices as tables, and optionally
    `module`, where the engine lives when not at audiopaper.tts.NAME."""
    return _read_presets(presets_path())


def engines() -> dict[str, type[Engine]]:
    """The engines, in the presets file's order: each entry's module imported (it registers
    its class), {cls.NAME: cls}."""
    found: dict[str, type[Engine]] = {}
    for name, entry in presets().items():
        if name not in REGISTRY:
            module = entry.get("module") or f"audiopaper.tts.{name}"
            try:
                importlib.import_module(module)
            except ImportError as exc:
                raise EngineUnavailable(f"engine {name}: cannot import {module} ({exc})") from None
            if name not in REGISTRY:
                raise EngineUnavailable(f"engine {name}: {module} registers no engine named {name!r} (@register)")
        found[name] = REGISTRY[name]
    return found


def engine_names() -> list[str]:
    return sorted(engines())


def auto_order() -> list[type[Engine]]:
    """The engines `--engine auto` tries, first choice first; the last is the fallback."""
    return sorted((cls for cls in engines().values() if cls.AUTO > 0), key=lambda cls: -cls.AUTO)


def engine_class(name: str) -> type[Engine]:
    try:
        return engines()[name]
    except KeyError:
        raise EngineUnavailable(
            f"unknown engine {name!r}: choose one of {', '.join(['auto', *engine_names()])}"
        ) from None
