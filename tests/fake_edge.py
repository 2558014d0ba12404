"""A fake of Microsoft's read-aloud speech service, for the real edge-tts client.

It speaks the service's websocket protocol on 127.0.0.1 well enough for
`edge_tts.Communicate`: per SSML request it answers turn.start, one audio.metadata
SentenceBoundary per sentence, binary frames of real MP3 (a tone whose length follows the
text, ~4 Chinese characters a second) and turn.end. Faults are injected per test with
`add_fault`, and everything the engine did is counted so tests can check retries,
concurrency and (later) caching.

The server runs on its own event loop in a background thread, so synchronous engine code
under test (which runs its own asyncio loop) can talk to it.

    with serve(monkeypatch, latency=0.5, speed=50) as service:  # edge_tts redirected
        service.add_fault("drop", times=1)
        ...
"""

from __future__ import annotations

import asyncio
import functools
import json
import math
import re
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

from aiohttp import web

from audiopaper.core import ffmpeg

SAMPLE_RATE = 24000  # what the service sends: audio-24khz-48kbitrate-mono-mp3
BITRATE_BPS = 48_000
BITRATE = f"{BITRATE_BPS // 1000}k"
TICKS_PER_MS = 10_000  # the service counts offsets in 100 ns ticks

HANDSHAKE_FAULTS = frozenset({"403", "503"})
STREAM_FAULTS = frozenset({"drop", "close", "no_audio", "truncate", "slow"})

# Voices the fake's /voices/list answers with; FakeTestNeural exists only here, so a test
# can tell a refreshed list from the bundled one.
FAKE_VOICES: list[dict[str, Any]] = [
    {
        "Name": "Microsoft Server Speech Text to Speech Voice (zh-CN, XiaoxiaoNeural)",
        "ShortName": "zh-CN-XiaoxiaoNeural",
        "Gender": "Female",
        "Locale": "zh-CN",
    },
    {
        "Name": "Microsoft Server Speech Text to Speech Voice (zh-CN, YunyangNeural)",
        "ShortName": "zh-CN-YunyangNeural",
        "Gender": "Male",
        "Locale": "zh-CN",
    },
    {
        "Name": "Microsoft Server Speech Text to Speech Voice (zh-CN, FakeTestNeural)",
        "ShortName": "zh-CN-FakeTestNeural",
        "Gender": "Female",
        "Locale": "zh-CN",
    },
]

_SENTENCE = re.compile(r"[^。！？!?；;\n]*(?:[。！？!?；;\n]+[”’」』)）]*|$)")
_SPOKEN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]|[A-Za-z]+|\d")


def spoken_units(text: str) -> int:
    """Roughly syllables: each Han character, each digit, each Latin word."""
    return len(_SPOKEN.findall(text))


def split_sentences(text: str) -> list[str]:
    return [s for s in (m.group(0) for m in _SENTENCE.finditer(text)) if s.strip()]


FRAME_MS = 24  # one MPEG-2 Layer III frame: 576 samples at 24 kHz


@functools.cache
def _tone_frame() -> bytes:
    """One MP3 frame of a steady 500 Hz tone that can be repeated for any length.

    The tone's period (48 samples) divides the frame (576), so in the steady middle of the
    encode every frame is the same; with LAME's bit reservoir off no frame borrows bits from
    another. Repeating the frame gives real, decodable MP3 of any length without encoding
    per reply, so the fake spends none of the machine's CPU on synthesis (a real service
    synthesizes on its own machines)."""
    period = array("h", (int(8000 * math.sin(2 * math.pi * i / 48)) for i in range(48)))
    pcm = period.tobytes() * (SAMPLE_RATE // 48)  # one second
    args = ["-f", "s16le", "-ac", "1", "-ar", str(SAMPLE_RATE), "-i", "pipe:0"]
    # No Xing frame or ID3 tag: the real service streams bare CBR frames, and edge-tts
    # converts byte counts to time assuming exactly that.
    args += ["-c:a", "libmp3lame", "-b:a", BITRATE, "-reservoir", "0", "-write_xing", "0"]
    args += ["-id3v2_version", "0", "-f", "mp3", "pipe:1"]
    data = ffmpeg.run(args, stdin=pcm)
    size = 72 * BITRATE_BPS // SAMPLE_RATE  # bytes per MPEG-2 layer III frame, no padding
    middle = len(data) // size // 2 * size
    frame = data[middle : middle + size]
    assert frame[:2] == b"\xff\xf3" and data[middle + size : middle + 2 * size] == frame, "tone frames differ"
    return frame


def mp3_tone(duration_ms: int) -> bytes:
    """A 500 Hz tone of about `duration_ms` (rounded up to whole frames) as 48 kbps CBR MP3,
    the service's format."""
    return _tone_frame() * max(2, math.ceil(duration_ms / FRAME_MS))


@dataclass
class Fault:
    """One injected failure.

    kind: "403"/"503" refuse the websocket handshake; "drop" aborts the TCP connection
    halfway through the audio; "close" closes the websocket cleanly halfway (no turn.end);
    "no_audio" answers turn.start then turn.end; "truncate" sends a fifth of the audio the
    text needs, with full metadata and turn.end; "slow" waits `delay` seconds first.
    every: fire only on every Nth handshake (for 403/503) or SSML request (others), counting
    from 1; 0 means every one. match: fire only when the request text contains it (not for
    handshake faults: the text is sent after the handshake). times: fire at most this often,
    None for a permanent fault.
    """

    kind: str
    every: int = 0
    match: str = ""
    times: int | None = None
    delay: float = 5.0
    fired: int = 0

    def applies(self, number: int, text: str | None) -> bool:
        if self.times is not None and self.fired >= self.times:
            return False
        if self.every and number % self.every:
            return False
        return not (self.match and (text is None or self.match not in text))


@dataclass
class FakeRequest:
    """One SSML request as the service saw it."""

    number: int
    text: str
    voice: str
    rate: str
    pitch: str
    volume: str
    fault: str | None = None
    completed: bool = False


@dataclass
class FakeEdgeService:
    """The fake service; see the module docstring.

    latency: seconds to wait before answering each request. speed: stream audio at this
    multiple of real time (None: as fast as the socket takes it). chars_per_second: how
    long the generated speech is. chunk_bytes: MP3 bytes per binary frame.
    """

    latency: float = 0.0
    speed: float | None = None
    chars_per_second: float = 4.0
    chunk_bytes: int = 4096
    voices: list[dict[str, Any]] = field(default_factory=lambda: list(FAKE_VOICES))

    faults: list[Fault] = field(default_factory=list)
    requests: list[FakeRequest] = field(default_factory=list)
    handshakes: int = 0
    active: int = 0
    max_active: int = 0
    voice_list_calls: int = 0
    port: int = 0

    def __post_init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._lock = threading.Lock()

    # --- test-facing API ---------------------------------------------------------------

    @property
    def url(self) -> str:
        """What to put in edge_tts.communicate.WSS_URL (edge-tts appends `&ConnectionId=`)."""
        return f"ws://127.0.0.1:{self.port}/edge/v1?TrustedClientToken=fake"

    @property
    def voices_url(self) -> str:
        """What to put in edge_tts.voices.VOICE_LIST (edge-tts appends `&Sec-MS-GEC=`)."""
        return f"http://127.0.0.1:{self.port}/voices/list?trustedclienttoken=fake"

    def redirect(self, monkeypatch: Any) -> None:
        """Point the real edge-tts client at this server for the rest of the test."""
        import edge_tts.communicate
        import edge_tts.voices
        from edge_tts.drm import DRM

        # Both modules copied the URL constants at import (`from .constants import ...`),
        # so the constants module itself is the wrong place to patch.
        monkeypatch.setattr(edge_tts.communicate, "WSS_URL", self.url)
        monkeypatch.setattr(edge_tts.voices, "VOICE_LIST", self.voices_url)
        # A 403 makes edge-tts correct a process-wide clock skew from our Date header;
        # put it back afterwards so tests do not leak into each other.
        monkeypatch.setattr(DRM, "clock_skew_seconds", DRM.clock_skew_seconds)
        # aiohttp sessions are made with trust_env=True: a proxy in the environment would
        # otherwise swallow loopback traffic.
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "WS_PROXY", "WSS_PROXY"):
            monkeypatch.delenv(name, raising=False)
            monkeypatch.delenv(name.lower(), raising=False)

    def add_fault(self, kind: str, **options: Any) -> Fault:
        if kind not in HANDSHAKE_FAULTS | STREAM_FAULTS:
            raise ValueError(f"unknown fault {kind!r}")
        fault = Fault(kind, **options)
        with self._lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def reset(self) -> None:
        """Forget faults and counters, keep running."""
        with self._lock:
            self.faults.clear()
            self.requests.clear()
            self.handshakes = self.active = self.max_active = self.voice_list_calls = 0

    @property
    def request_count(self) -> int:
        """SSML requests received, failed ones included."""
        return len(self.requests)

    def count(self, text: str) -> int:
        """How often this exact text was requested."""
        return sum(1 for r in self.requests if r.text == text)

    def expected_ms(self, text: str, rate: int = 0) -> int:
        """How long the fake's speech for `text` lasts (before MP3 padding)."""
        return self._duration_ms(text, f"{rate:+d}%")

    # --- lifecycle ----------------------------------------------------------------------

    def start(self) -> FakeEdgeService:
        ready = threading.Event()
        errors: list[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self._start())
            except BaseException as exc:  # surfaced to the starting thread below
                errors.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._stop())
            loop.close()

        self._thread = threading.Thread(target=serve, name="fake-edge", daemon=True)
        self._thread.start()
        ready.wait(10)
        if errors:
            raise errors[0]
        return self

    def stop(self) -> None:
        if self._loop and self._thread:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._thread = None

    def __enter__(self) -> FakeEdgeService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/edge/v1", self._speak)
        app.router.add_get("/voices/list", self._voice_list)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    # --- the service ----------------------------------------------------------------------

    def _pick(self, kinds: frozenset[str], number: int, text: str | None) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.kind in kinds and fault.applies(number, text):
                    fault.fired += 1
                    return fault
        return None

    async def _voice_list(self, request: web.Request) -> web.StreamResponse:
        self.voice_list_calls += 1
        return web.json_response(self.voices)

    async def _speak(self, request: web.Request) -> web.StreamResponse:
        with self._lock:
            self.handshakes += 1
            number = self.handshakes
        fault = self._pick(HANDSHAKE_FAULTS, number, None)
        if fault:
            # aiohttp adds a Date header, which edge-tts needs to "fix" its clock on a 403.
            return web.Response(status=int(fault.kind), text="refused by fake")
        ws = web.WebSocketResponse(compress=True)
        await ws.prepare(request)
        with self._lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            async for msg in ws:
                if msg.type != web.WSMsgType.TEXT:
                    continue
                headers, body = _parse_text(msg.data)
                if headers.get("Path") == "ssml":
                    dropped = await self._answer(request, ws, headers, body)
                    if dropped:
                        break
        finally:
            with self._lock:
                self.active -= 1
        return ws

    async def _answer(
        self, request: web.Request, ws: web.WebSocketResponse, headers: dict[str, str], ssml: str
    ) -> bool:
        """Answer one SSML request; True when the connection was cut on purpose."""
        text, voice, prosody = _parse_ssml(ssml)
        with self._lock:
            entry = FakeRequest(
                number=len(self.requests) + 1,
                text=text,
                voice=voice,
                rate=prosody.get("rate", "+0%"),
                pitch=prosody.get("pitch", "+0Hz"),
                volume=prosody.get("volume", "+0%"),
            )
            self.requests.append(entry)
        fault = self._pick(STREAM_FAULTS, entry.number, text)
        entry.fault = fault.kind if fault else None
        rid = headers.get("X-RequestId", uuid.uuid4().hex)

        delay = self.latency + (fault.delay if fault and fault.kind == "slow" else 0.0)
        if delay:
            await asyncio.sleep(delay)
        total_ms = self._duration_ms(text, entry.rate)
        audio = mp3_tone(total_ms // 5 if fault and fault.kind == "truncate" else total_ms)
        await ws.send_str(_text_frame(rid, "turn.start", {"context": {"serviceTag": "fake"}}))
        if fault and fault.kind == "no_audio":
            await ws.send_str(_text_frame(rid, "turn.end", {}))
            return False

        sentences = split_sentences(text) or [text]
        weights = [max(1, spoken_units(s)) for s in sentences]
        cut_at = len(audio) // 2 if fault and fault.kind in ("drop", "close") else None

        started = time.monotonic()
        sent = 0
        start_ms = 0
        for i, sentence in enumerate(sentences):
            end_ms = total_ms * sum(weights[: i + 1]) // sum(weights)
            boundary = {
                "Type": "SentenceBoundary",
                "Data": {
                    "Offset": start_ms * TICKS_PER_MS,
                    "Duration": (end_ms - start_ms) * TICKS_PER_MS,
                    # edge-tts unescapes this, as the service echoes the escaped SSML text.
                    "text": {
                        "Text": escape(sentence.strip()),
                        "Length": len(sentence.strip()),
                        "BoundaryType": "SentenceBoundary",
                    },
                },
            }
            await ws.send_str(_text_frame(rid, "audio.metadata", {"Metadata": [boundary]}))
            # This sentence's share of the bytes (the truncated tone is shared out the same way).
            upto = len(audio) if i == len(sentences) - 1 else len(audio) * end_ms // total_ms
            while sent < upto:
                if cut_at is not None and sent >= cut_at:
                    return await self._cut(request, ws, fault)
                chunk = audio[sent : min(upto, sent + self.chunk_bytes)]
                await ws.send_bytes(_audio_frame(rid, chunk))
                sent += len(chunk)
                if self.speed:
                    # Pace the stream: bytes sent so far correspond to this much audio.
                    due = started + (total_ms / 1000) * (sent / len(audio)) / self.speed
                    pause = due - time.monotonic()
                    if pause > 0:
                        await asyncio.sleep(pause)
            start_ms = end_ms
        await ws.send_bytes(_audio_frame(rid, b"", content_type=None))
        await ws.send_str(_text_frame(rid, "turn.end", {}))
        entry.completed = True
        return False

    async def _cut(self, request: web.Request, ws: web.WebSocketResponse, fault: Fault | None) -> bool:
        if fault and fault.kind == "close":
            await ws.close()
        else:
            transport = request.transport
            if transport is not None:
                transport.abort()
        return True

    def _duration_ms(self, text: str, rate: str) -> int:
        speedup = 1 + int(rate.rstrip("%") or 0) / 100
        seconds = max(1, spoken_units(text)) / self.chars_per_second / max(speedup, 0.1)
        return max(200, int(seconds * 1000))


def _parse_text(data: str) -> tuple[dict[str, str], str]:
    head, _, body = data.partition("\r\n\r\n")
    headers = {}
    for line in head.split("\r\n"):
        key, sep, value = line.partition(":")
        if sep:
            headers[key] = value
    return headers, body


def _parse_ssml(ssml: str) -> tuple[str, str, dict[str, str]]:
    root = ET.fromstring(ssml)
    ns = "{http://www.w3.org/2001/10/synthesis}"
    voice = root.find(f"{ns}voice")
    prosody = root.find(f".//{ns}prosody")
    text = "".join(prosody.itertext()) if prosody is not None else "".join(root.itertext())
    name = voice.get("name", "") if voice is not None else ""
    return text, name, dict(prosody.attrib) if prosody is not None else {}


def _text_frame(rid: str, path: str, payload: dict[str, Any]) -> str:
    content = "application/json; charset=utf-8"
    return f"X-RequestId:{rid}\r\nContent-Type:{content}\r\nPath:{path}\r\n\r\n" + json.dumps(
        payload, ensure_ascii=False
    )


def _audio_frame(rid: str, data: bytes, content_type: str | None = "audio/mpeg") -> bytes:
    # Two big-endian bytes of header length, the headers (CRLF-terminated), then the MP3.
    head = f"X-RequestId:{rid}\r\n"
    if content_type:
        head += f"Content-Type:{content_type}\r\n"
    head += f"X-StreamId:{rid.upper()}\r\nPath:audio\r\n"
    encoded = head.encode()
    return len(encoded).to_bytes(2, "big") + encoded + data


@contextmanager
def serve(monkeypatch: Any, **options: Any) -> Iterator[FakeEdgeService]:
    """A running fake with edge_tts pointed at it; the body of a pytest fixture."""
    with FakeEdgeService(**options) as service:
        service.redirect(monkeypatch)
        yield service
