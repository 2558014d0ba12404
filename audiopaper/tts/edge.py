"""The online engine: Microsoft Edge's read-aloud neural voices through edge-tts.

Each request is one websocket conversation with the service, so a batch runs as asyncio
tasks, a few at a time (the service throttles clients that open many connections). The
service fails in ways edge-tts does not always report: a connection cut mid-stream just
ends the audio early, with no exception. So every reply is checked against its text
(enough audio for the characters, sentence boundaries covering the text) and a reply that
fails the check is retried like a dropped connection. Audio is kept only once a whole,
plausible reply has arrived.

aiohttp, edge_tts and audiopaper.audio (pydub) are imported inside the functions that use
them, so that importing this module (for the registry, for `--help`) stays cheap.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import math
import random
import re
import threading
import uuid
from collections.abc import Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from typing import Any, ClassVar, TypeVar

from audiopaper.core import ffmpeg
from audiopaper.core.speech import Sentence, Speech, SpeechRequest, Voice
from audiopaper.errors import AudiopaperError
from audiopaper.tts import Engine, Progress, ServiceStats, Stream, TtsOptions, VoiceInfo, register

log = logging.getLogger(__name__)

MAX_BYTES = 4096  # edge-tts splits longer texts into several conversations itself
TICKS_PER_MS = 10_000  # the service reports offsets in 100 ns ticks
_T = TypeVar("_T")

# Roughly one syllable each: a Han character, a digit (read one by one or as part of a
# number), a Latin word.
_SPOKEN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]|[A-Za-z]+|\d")


def spoken_units(text: str) -> int:
    return len(_SPOKEN.findall(text))


class ImplausibleReply(Exception):
    """The service's reply cannot be the whole text (cut short, or boundaries missing)."""


# A voice of the service: name is the ShortName that Voice.name takes, e.g. zh-CN-XiaoxiaoNeural.
EdgeVoice = VoiceInfo


@functools.cache
def _bundled_voices() -> tuple[EdgeVoice, ...]:
    raw = resources.files("audiopaper.tts").joinpath("edge_voices.json").read_text("utf-8")
    return _parse_voices(json.loads(raw))


def _parse_voices(raw: list[dict[str, Any]]) -> tuple[EdgeVoice, ...]:
    found = {
        v["ShortName"]: EdgeVoice(v["ShortName"], v.get("Gender", ""), v.get("Locale", ""))
        for v in raw
        if isinstance(v, dict) and v.get("ShortName")
    }
    return tuple(sorted(found.values(), key=lambda v: (v.locale, v.name)))


def _signed(value: int, unit: str) -> str:
    # edge-tts insists on an explicit sign: "+0%", "-10%", "+5Hz".
    return f"{value:+d}{unit}"


def _run(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run a coroutine to completion from synchronous code, even inside a running loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    # asyncio.run refuses to nest (a notebook, an async caller): use a thread of our own.
    with ThreadPoolExecutor(1, thread_name_prefix="edge") as pool:
        return pool.submit(asyncio.run, coro).result()


def _run_bounded(coro: Coroutine[Any, Any, _T], timeout: float, default: _T) -> _T:
    """Run `coro` on a daemon thread and give up after `timeout` seconds.

    asyncio.run waits for its executor threads on exit, and a DNS lookup with no network
    can sit in getaddrinfo for far longer than any timeout; a daemon thread that delivers
    its result before that cleanup lets the caller go on time.
    """
    done = threading.Event()
    box: list[_T] = []

    async def deliver() -> None:
        try:
            box.append(await coro)
        finally:
            done.set()

    def main() -> None:
        with contextlib.suppress(BaseException):
            asyncio.run(deliver())
        done.set()

    threading.Thread(target=main, name="edge-probe", daemon=True).start()
    done.wait(timeout + 1.0)
    return box[0] if box else default


def _transient(exc: BaseException) -> bool:
    """Whether trying the same request again may succeed."""
    import aiohttp
    from edge_tts.exceptions import (
        NoAudioReceived,
        SkewAdjustmentError,
        UnexpectedResponse,
        WebSocketError,
    )

    if isinstance(exc, aiohttp.ClientResponseError):  # includes WSServerHandshakeError
        # 403 is how the service rejects a stale Sec-MS-GEC token (clock skew, busy minute);
        # 408/429/5xx are load. Other 4xx will not change on a retry.
        return exc.status in (403, 408, 429) or exc.status >= 500
    return isinstance(
        exc,
        (
            TimeoutError,
            ConnectionError,
            aiohttp.ClientConnectionError,  # refused, reset, server disconnected
            aiohttp.ClientPayloadError,
            NoAudioReceived,
            WebSocketError,
            UnexpectedResponse,  # garbled frames, seen when a stream is cut
            SkewAdjustmentError,  # a 403 without a usable Date header
            ImplausibleReply,
            ffmpeg.FfmpegError,  # ffmpeg itself was checked first: this is a corrupt MP3
        ),
    )


def _refusal(exc: BaseException) -> bool:
    """The service turned the connection away (HTTP status at the handshake, or refused)."""
    import aiohttp

    return isinstance(exc, (aiohttp.WSServerHandshakeError, aiohttp.ClientConnectorError, ConnectionRefusedError))


def _refused(exc: Any) -> str:
    return f"the Edge speech service refused the connection (HTTP {exc.status}): try `pip install -U edge-tts`"


@register
class EdgeEngine(Engine):
    NAME = "edge"
    DESCRIPTION = "the online voice service"
    ROUND_TRIPS = True  # every request waits for the service's first answer
    AUTO = 2  # the first choice of `--engine auto`, when the service answers

    # Voices fetched from the service in this process, once asked to (list_voices refresh).
    _refreshed: ClassVar[tuple[EdgeVoice, ...] | None] = None

    def __init__(
        self,
        concurrency: int = 3,
        tries: int = 4,
        timeout: float = 30.0,
        sample_rate: int = 24000,
        *,
        backoff: float = 1.0,
        backoff_cap: float = 20.0,
        min_seconds_per_char: float = 0.08,
        min_coverage: float = 0.9,
    ) -> None:
        """
        timeout: seconds of silence from the service (connecting, or between two messages)
        before a try is abandoned; a long text may take longer than this in total.
        backoff: the first retry's delay in seconds, doubling after each failure up to
        backoff_cap, each scaled by a random 0.5-1.5 so parallel retries spread out.
        min_seconds_per_char: less audio than this per spoken character (at normal rate)
        means the reply was cut. min_coverage: the share of the text's characters that the
        service's sentence boundaries must cover (0 turns the check off).
        """
        if concurrency < 1 or tries < 1 or timeout <= 0:
            raise ValueError("concurrency and tries must be at least 1, timeout positive")
        self.concurrency = concurrency
        self.tries = tries
        self.timeout = timeout
        self.sample_rate = sample_rate
        self.backoff = backoff
        self.backoff_cap = backoff_cap
        self.min_seconds_per_char = min_seconds_per_char
        self.min_coverage = min_coverage
        self._stats = ServiceStats()

    @property
    def stats(self) -> ServiceStats:
        return self._stats

    @classmethod
    def from_settings(cls, tts: TtsOptions) -> EdgeEngine:
        return cls(
            concurrency=tts.concurrency, tries=tts.tries, timeout=float(tts.timeout), backoff=tts.retry_delay_ms / 1000
        )

    # --- availability and voices ---------------------------------------------------------

    @classmethod
    def availability(cls) -> str | None:
        try:
            import aiohttp  # noqa: F401
            import edge_tts  # noqa: F401
        except ImportError:
            return "edge-tts is not installed: run `pip install edge-tts`"
        return None

    # A refused handshake (403, 429, 5xx) is tried once more after this wait, a 403 after
    # correcting the clock from its Date header as edge-tts itself does: one refusal is often
    # a stale token or a busy minute, not a service that turned us away.
    REFUSAL_RETRY_WAIT = 1.0

    @classmethod
    def reachable(cls, timeout: float = 3.0) -> bool | str:
        """Try a websocket handshake with the service; a 403 is tried once more.

        True when it accepted; False when nothing answered in time (no network, DNS,
        firewall); a message when it answered but refused twice (e.g. HTTP 403, usually an
        outdated edge-tts). Only True means the engine is usable: test with `is True`.
        """
        if cls.availability() is not None:
            return False
        bound = 2 * timeout + cls.REFUSAL_RETRY_WAIT
        return _run_bounded(cls._probe_twice(timeout), bound, False)

    @classmethod
    async def _probe_twice(cls, timeout: float) -> bool | str:
        import aiohttp
        from edge_tts.drm import DRM
        from edge_tts.exceptions import SkewAdjustmentError

        try:
            return await cls._probe(timeout)
        except aiohttp.WSServerHandshakeError as exc:
            if not _transient(exc):
                return _refused(exc)
            if exc.status == 403:
                with contextlib.suppress(SkewAdjustmentError):
                    DRM.handle_client_response_error(exc)
            log.debug("edge speech service refused the handshake (HTTP %s); trying once more", exc.status)
        await asyncio.sleep(cls.REFUSAL_RETRY_WAIT)
        try:
            return await cls._probe(timeout)
        except aiohttp.WSServerHandshakeError as exc:
            return _refused(exc)

    @staticmethod
    async def _probe(timeout: float) -> bool:
        """One handshake: True, False when nothing answers; a refusal is raised."""
        import ssl

        import aiohttp
        import certifi
        from edge_tts import communicate
        from edge_tts.constants import SEC_MS_GEC_VERSION, WSS_HEADERS
        from edge_tts.drm import DRM

        # The same URL and headers as edge_tts.Communicate, read at call time so that a
        # redirected WSS_URL (tests) is honoured.
        url = (
            f"{communicate.WSS_URL}&ConnectionId={uuid.uuid4().hex}"
            f"&Sec-MS-GEC={DRM.generate_sec_ms_gec()}&Sec-MS-GEC-Version={SEC_MS_GEC_VERSION}"
        )
        context = ssl.create_default_context(cafile=certifi.where())
        try:
            async with asyncio.timeout(timeout):
                async with (
                    aiohttp.ClientSession(trust_env=True) as session,
                    session.ws_connect(url, headers=DRM.headers_with_muid(WSS_HEADERS), ssl=context),
                ):
                    return True
        except aiohttp.WSServerHandshakeError:
            raise
        except (aiohttp.ClientError, OSError, TimeoutError) as exc:
            log.debug("edge speech service unreachable: %r", exc)
            return False

    @classmethod
    def list_voices(cls, locale: str = "", refresh: bool = False, timeout: float = 10.0) -> list[EdgeVoice]:
        """Voices whose locale is `locale` or under it ("zh" takes zh-CN-shaanxi too).

        The bundled list, unless `refresh` fetched the service's current list (kept for the
        rest of the process); when the service cannot be reached the bundled list stands.
        """
        if refresh and cls.availability() is None:
            fetched = _run_bounded(cls._fetch_voices(timeout), timeout, None)
            if fetched:
                cls._refreshed = fetched
            else:
                log.warning("could not refresh the Edge voice list; using the bundled one")
        voices = cls._refreshed or _bundled_voices()
        wanted = locale.lower()
        return [
            v for v in voices if not wanted or v.locale.lower() == wanted or v.locale.lower().startswith(wanted + "-")
        ]

    @staticmethod
    async def _fetch_voices(timeout: float) -> tuple[EdgeVoice, ...] | None:
        import aiohttp
        import edge_tts

        try:
            async with asyncio.timeout(timeout):
                return _parse_voices([dict(v) for v in await edge_tts.list_voices()])
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError, KeyError) as exc:
            log.debug("edge voice list unavailable: %r", exc)
            return None

    @classmethod
    def voice_names(cls) -> list[str]:
        names = {v.name for v in _bundled_voices()} | {v.name for v in cls._refreshed or ()}
        return sorted(names)

    @classmethod
    def check_voice(cls, name: str) -> None:
        if name not in cls.voice_names():
            raise AudiopaperError(
                f"edge has no voice {name!r}: try `audiopaper voices --engine edge`"
                " (e.g. zh-CN-XiaoxiaoNeural, zh-CN-YunyangNeural)"
            )

    # --- synthesis -----------------------------------------------------------------------

    def synthesize_many(
        self, requests: Sequence[SpeechRequest], progress: Progress | None = None
    ) -> list[Speech | BaseException]:
        """Render a batch concurrently; a request that failed every try yields its exception.

        Raises before any network traffic for what no retry can fix: an unknown voice, a text
        over 4096 bytes (the caller's splitter should have cut it), ffmpeg missing.
        """
        self._precheck(requests)
        if not requests:
            return []
        return _run(self._synthesize_all(requests, progress))

    def stream(self, requests: Sequence[SpeechRequest], progress: Progress | None = None) -> Stream:
        """Results in request order while later requests are still in flight: the whole
        edition keeps `concurrency` requests busy, and at most twice that many finished
        results wait for the caller, so memory stays bounded however long the edition."""
        self._precheck(requests)
        if not requests:
            return
        window = 2 * self.concurrency
        ready: dict[int, Speech | BaseException] = {}
        changed = threading.Condition()
        state: dict[str, Any] = {}
        started = threading.Event()

        async def main() -> None:
            gate = asyncio.Semaphore(self.concurrency)
            room = asyncio.Semaphore(window)
            state["loop"], state["room"] = asyncio.get_running_loop(), room
            state["task"] = asyncio.current_task()
            started.set()

            async def one(index: int, request: SpeechRequest) -> None:
                try:
                    result: Speech | BaseException = await self._with_retries(request, gate)
                except Exception as exc:  # reported with its article by the caller
                    result = exc
                if progress:
                    progress(1)
                with changed:
                    ready[index] = result
                    changed.notify_all()

            tasks = []
            for index, request in enumerate(requests):
                await room.acquire()  # released as the caller takes a result
                tasks.append(asyncio.create_task(one(index, request)))
            await asyncio.gather(*tasks)

        def run() -> None:
            with contextlib.suppress(asyncio.CancelledError):
                asyncio.run(main())
            started.set()

        worker = threading.Thread(target=run, name="edge-stream", daemon=True)
        worker.start()
        started.wait()
        try:
            for index in range(len(requests)):
                with changed:
                    while index not in ready:
                        changed.wait()
                    result = ready.pop(index)
                with contextlib.suppress(RuntimeError):  # the loop ends once all are started
                    state["loop"].call_soon_threadsafe(state["room"].release)
                yield result
        finally:
            if worker.is_alive():  # the caller stopped early: stop the requests still going
                with contextlib.suppress(RuntimeError):
                    state["loop"].call_soon_threadsafe(state["task"].cancel)
                worker.join(5)

    def _precheck(self, requests: Sequence[SpeechRequest]) -> None:
        for request in requests:
            size = len(request.text.encode("utf-8"))
            if size > MAX_BYTES:
                raise ValueError(f"text of {size} bytes is over edge's limit of {MAX_BYTES}: split it first")
        for name in sorted({r.voice.name for r in requests}):
            self.check_voice(name)
        ffmpeg.ffmpeg_exe()  # missing ffmpeg stops the run here rather than failing each item

    async def _synthesize_all(
        self, requests: Sequence[SpeechRequest], progress: Progress | None
    ) -> list[Speech | BaseException]:
        # Made here, inside the running loop, not in __init__: the engine outlives loops.
        gate = asyncio.Semaphore(self.concurrency)

        async def one(request: SpeechRequest) -> Speech | BaseException:
            try:
                return await self._with_retries(request, gate)
            except Exception as exc:  # reported with its article by the caller
                return exc
            finally:
                if progress:
                    progress(1)

        return list(await asyncio.gather(*(one(r) for r in requests)))

    async def _with_retries(self, request: SpeechRequest, gate: asyncio.Semaphore) -> Speech:
        if not request.text.strip():
            return Speech(pcm=b"", sample_rate=self.sample_rate)
        for attempt in range(1, self.tries + 1):
            try:
                # Hold a slot only while talking to the service, not while decoding or
                # backing off, so a failing request does not slow the others.
                async with gate:
                    self._stats.requests += 1
                    mp3, marks = await self._fetch(request)
                pcm = await asyncio.to_thread(ffmpeg.decode_to_pcm, mp3, self.sample_rate)
                return self._checked(request, pcm, marks)
            except Exception as exc:
                if _refusal(exc):
                    self._stats.refused += 1
                if attempt >= self.tries or not _transient(exc):
                    exc.add_note(f"edge: gave up after {attempt} of {self.tries} tries")
                    raise
                self._stats.retries += 1
                delay = self._delay(attempt)
                log.info("edge try %d/%d failed (%r); retrying in %.2fs", attempt, self.tries, exc, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")  # the loop returns or raises

    def _delay(self, attempt: int) -> float:
        return min(self.backoff_cap, self.backoff * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))

    async def _fetch(self, request: SpeechRequest) -> tuple[bytes, list[tuple[int, int, str]]]:
        """One conversation with the service: the whole MP3 and its sentence boundaries."""
        import edge_tts

        voice: Voice = request.voice
        seconds = max(1, math.ceil(self.timeout))
        # No connector passed: edge-tts closes its session, and with it a shared connector,
        # after every text, so each Communicate gets a fresh one.
        communicate = edge_tts.Communicate(
            request.text,
            voice.name,
            rate=_signed(voice.rate, "%"),
            pitch=_signed(voice.pitch, "Hz"),
            volume=_signed(voice.volume, "%"),
            boundary="SentenceBoundary",
            connect_timeout=seconds,
            receive_timeout=seconds,
        )
        audio = bytearray()
        marks: list[tuple[int, int, str]] = []
        loop = asyncio.get_running_loop()
        # An idle timeout, pushed back by every message: a long text streams for longer than
        # `timeout`, a stalled one goes quiet.
        async with (
            asyncio.timeout(self.timeout) as deadline,
            contextlib.aclosing(communicate.stream()) as stream,
        ):
            async for chunk in stream:
                deadline.reschedule(loop.time() + self.timeout)
                if chunk["type"] == "audio":
                    audio += chunk["data"]
                elif chunk["type"] == "SentenceBoundary":
                    marks.append((int(chunk["offset"]), int(chunk["duration"]), chunk["text"]))
        return bytes(audio), marks

    def _checked(self, request: SpeechRequest, pcm: bytes, marks: list[tuple[int, int, str]]) -> Speech:
        """The reply as Speech, or ImplausibleReply when it cannot be the whole text."""
        speech = Speech(pcm=pcm, sample_rate=self.sample_rate)
        duration = speech.duration_ms
        units = spoken_units(request.text)
        # Faster speech is legitimately shorter: scale the floor by the rate.
        pace = 100 / max(10, 100 + request.voice.rate)
        floor_ms = units * self.min_seconds_per_char * 1000 * pace
        if duration < floor_ms:
            raise ImplausibleReply(
                f"{duration} ms of audio for {units} characters (at least {floor_ms:.0f} ms"
                " expected): the reply was cut short"
            )
        if marks:
            last_end = max(offset + length for offset, length, _ in marks) // TICKS_PER_MS
            # Some slack: MP3 framing and the decoder's delay move the end by tens of ms.
            if last_end > duration + 300:
                raise ImplausibleReply(
                    f"audio ends at {duration} ms but its last sentence at {last_end} ms: the stream was cut"
                )
            covered = spoken_units("".join(text for _, _, text in marks))
            if self.min_coverage and units >= 8 and covered < self.min_coverage * units:
                raise ImplausibleReply(f"sentence boundaries cover {covered} of {units} characters: the stream was cut")
        sentences = []
        for offset, length, text in marks:
            start = min(offset // TICKS_PER_MS, duration)
            end = min(max((offset + length) // TICKS_PER_MS, start), duration)
            sentences.append(Sentence(start_ms=start, end_ms=end, text=text))
        return Speech(pcm=pcm, sample_rate=self.sample_rate, sentences=tuple(sentences))
