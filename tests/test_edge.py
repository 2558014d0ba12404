"""The edge engine against a fake speech service on loopback (tests/fake_edge.py)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
from fake_edge import FakeEdgeService, serve

from audiopaper.core.speech import Speech, SpeechRequest, Voice
from audiopaper.errors import AudiopaperError
from audiopaper.tts import REGISTRY
from audiopaper.tts.edge import EdgeEngine, ImplausibleReply

VOICE = Voice("zh-CN-XiaoxiaoNeural")
TEXT = "今天天气很好，阳光明媚。我们一起去公园散步吧！你觉得怎么样？"
# Slack for MP3 framing and the encoder/decoder delay between fake and engine.
TOLERANCE_MS = 150


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEdgeService]:
    with serve(monkeypatch) as service:
        yield service


@pytest.fixture(autouse=True)
def _no_refreshed_voices(monkeypatch: pytest.MonkeyPatch) -> None:
    # A refreshed voice list is process-wide; keep each test's to itself.
    monkeypatch.setattr(EdgeEngine, "_refreshed", None)


def engine(**options: float) -> EdgeEngine:
    # Tiny backoff so that four tries cost milliseconds, not seconds.
    settings: dict[str, float] = {"timeout": 3.0, "backoff": 0.01, "backoff_cap": 0.05}
    settings.update(options)
    return EdgeEngine(**settings)  # type: ignore[arg-type]


def requests(n: int, voice: Voice = VOICE) -> list[SpeechRequest]:
    return [SpeechRequest(f"第{i}条新闻。{TEXT}", voice) for i in range(n)]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_registered_and_available() -> None:
    assert REGISTRY["edge"] is EdgeEngine
    assert EdgeEngine.availability() is None


def test_one_request_gives_its_audio_and_sentences(fake: FakeEdgeService) -> None:
    speech = engine().synthesize(SpeechRequest(TEXT, VOICE))

    assert speech.sample_rate == 24000
    assert abs(speech.duration_ms - fake.expected_ms(TEXT)) < TOLERANCE_MS
    assert [s.text for s in speech.sentences] == [
        "今天天气很好，阳光明媚。",
        "我们一起去公园散步吧！",
        "你觉得怎么样？",
    ]
    starts = [s.start_ms for s in speech.sentences]
    assert starts == sorted(starts) and starts[0] == 0
    for s in speech.sentences:
        assert 0 <= s.start_ms < s.end_ms <= speech.duration_ms
    seen = fake.requests[0]
    assert seen.text == TEXT
    assert seen.voice == "Microsoft Server Speech Text to Speech Voice (zh-CN, XiaoxiaoNeural)"
    assert (seen.rate, seen.pitch, seen.volume) == ("+0%", "+0Hz", "+0%")


def test_prosody_maps_to_edge_strings(fake: FakeEdgeService) -> None:
    voice = Voice("zh-CN-YunyangNeural", rate=25, pitch=-5, volume=10)
    speech = engine().synthesize(SpeechRequest(TEXT, voice))

    seen = fake.requests[0]
    assert (seen.rate, seen.pitch, seen.volume) == ("+25%", "-5Hz", "+10%")
    assert abs(speech.duration_ms - fake.expected_ms(TEXT, rate=25)) < TOLERANCE_MS


def test_concurrency_is_bounded(fake: FakeEdgeService) -> None:
    fake.latency = 0.2
    results = engine(concurrency=3).synthesize_many(requests(8))

    assert all(isinstance(r, Speech) for r in results)
    assert fake.max_active == 3  # bounded, and actually parallel


def test_every_fourth_request_failing_still_completes_a_batch(fake: FakeEdgeService) -> None:
    fake.add_fault("drop", every=4)
    ticks: list[int] = []
    batch = requests(12)
    results = engine().synthesize_many(batch, progress=ticks.append)

    assert all(isinstance(r, Speech) for r in results), results
    assert ticks == [1] * 12
    assert fake.request_count > 12  # the failed ones were asked again
    for request, result in zip(batch, results, strict=True):
        assert isinstance(result, Speech)
        assert result.sentences[0].text.startswith(request.text[:3])
        assert abs(result.duration_ms - fake.expected_ms(request.text)) < TOLERANCE_MS


@pytest.mark.parametrize(
    ("kind", "times", "connections"),
    [
        ("drop", 1, 2),  # TCP cut halfway: edge-tts ends the stream quietly, audio short
        ("close", 1, 2),  # clean websocket close halfway, no turn.end: also quiet
        ("no_audio", 1, 2),  # turn.end only: NoAudioReceived
        ("truncate", 1, 2),  # a fifth of the audio the text needs, then turn.end
        ("403", 2, 3),  # edge-tts retries a 403 once by itself, so two are needed
        ("503", 1, 2),
    ],
)
def test_transient_faults_are_retried(fake: FakeEdgeService, kind: str, times: int, connections: int) -> None:
    fake.add_fault(kind, times=times)
    speech = engine().synthesize(SpeechRequest(TEXT, VOICE))

    assert abs(speech.duration_ms - fake.expected_ms(TEXT)) < TOLERANCE_MS
    assert len(speech.sentences) == 3
    assert fake.handshakes == connections
    assert fake.requests[-1].completed


def test_a_stalled_reply_times_out_and_is_retried(fake: FakeEdgeService) -> None:
    fake.add_fault("slow", times=1, delay=1.5)
    started = time.monotonic()
    speech = engine(timeout=0.3).synthesize(SpeechRequest(TEXT, VOICE))

    assert time.monotonic() - started < 1.5
    assert abs(speech.duration_ms - fake.expected_ms(TEXT)) < TOLERANCE_MS
    assert fake.request_count == 2


def test_permanent_faults_fail_only_their_requests(fake: FakeEdgeService) -> None:
    fake.add_fault("no_audio", match="停电")
    fake.add_fault("truncate", match="断线")
    batch = [
        SpeechRequest(TEXT, VOICE),
        SpeechRequest("今晚全市停电，请做好准备。", VOICE),
        SpeechRequest("电话断线了，我们稍后再联系。", VOICE),
        SpeechRequest(TEXT + "再见。", VOICE),
    ]
    ticks: list[int] = []
    results = engine(tries=3).synthesize_many(batch, progress=ticks.append)

    import edge_tts.exceptions

    assert isinstance(results[0], Speech) and isinstance(results[3], Speech)
    assert isinstance(results[1], edge_tts.exceptions.NoAudioReceived)
    assert isinstance(results[2], ImplausibleReply)
    assert "3 of 3 tries" in "".join(getattr(results[2], "__notes__", []))
    assert fake.count(batch[1].text) == 3 and fake.count(batch[2].text) == 3
    assert fake.count(batch[0].text) == 1
    assert ticks == [1] * 4


def test_a_refusing_service_fails_after_all_tries(fake: FakeEdgeService) -> None:
    import aiohttp

    fake.add_fault("403")
    result = engine(tries=2).synthesize_many([SpeechRequest(TEXT, VOICE)])[0]

    assert isinstance(result, aiohttp.WSServerHandshakeError) and result.status == 403
    assert fake.handshakes == 4  # two tries, each with edge-tts's own second attempt


def test_latency_and_streaming_speed(monkeypatch: pytest.MonkeyPatch) -> None:
    # 20 characters are 5 s of speech: 0.25 s to stream at 20x, after 0.2 s of latency.
    text = "今天天气很好阳光明媚我们一起去公园散步吧"
    with serve(monkeypatch, latency=0.2, speed=20) as fake:
        started = time.monotonic()
        speech = engine().synthesize(SpeechRequest(text, VOICE))
        elapsed = time.monotonic() - started
    assert 0.45 <= elapsed < 2.0
    assert abs(speech.duration_ms - fake.expected_ms(text)) < TOLERANCE_MS


def test_a_reply_cut_between_sentences_is_caught() -> None:
    # Enough audio for its length, but the boundaries stop before the last sentence: what
    # a connection cut exactly between two sentences looks like.
    request = SpeechRequest(TEXT, VOICE)
    pcm = bytes(2 * 24000 * 5)
    marks = [
        (0, 15_000_000, "今天天气很好，阳光明媚。"),
        (15_000_000, 20_000_000, "我们一起去公园散步吧！"),
    ]
    with pytest.raises(ImplausibleReply, match="cover"):
        engine()._checked(request, pcm, marks)
    whole = engine()._checked(request, pcm, [*marks, (35_000_000, 10_000_000, "你觉得怎么样？")])
    assert [s.end_ms for s in whole.sentences] == [1500, 3500, 4500]


def test_faster_speech_may_be_shorter() -> None:
    text = "字" * 100  # 100 characters: at least 8 s at normal rate, 4 s at +100%
    pcm = bytes(2 * 24000 * 5)
    with pytest.raises(ImplausibleReply, match="cut short"):
        engine()._checked(SpeechRequest(text, VOICE), pcm, [])
    fast = Voice(VOICE.name, rate=100)
    assert engine()._checked(SpeechRequest(text, fast), pcm, []).duration_ms == 5000


def test_a_text_over_the_byte_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="4096"):
        engine().synthesize_many([SpeechRequest("字" * 1400, VOICE)])


def test_blank_text_needs_no_request(fake: FakeEdgeService) -> None:
    speech = engine().synthesize(SpeechRequest(" \n", VOICE))
    assert speech.pcm == b"" and fake.handshakes == 0


def test_unknown_voice_is_named() -> None:
    with pytest.raises(AudiopaperError, match="zh-CN-NobodyNeural"):
        engine().synthesize(SpeechRequest(TEXT, Voice("zh-CN-NobodyNeural")))


def test_bundled_voices() -> None:
    names = EdgeEngine.voice_names()
    assert {"zh-CN-XiaoxiaoNeural", "zh-CN-YunyangNeural", "en-US-AriaNeural"} <= set(names)
    taiwan = EdgeEngine.list_voices("zh-TW")
    assert taiwan and all(v.locale == "zh-TW" for v in taiwan)
    chinese = {v.locale for v in EdgeEngine.list_voices("zh-CN")}
    assert {"zh-CN", "zh-CN-liaoning", "zh-CN-shaanxi"} <= chinese


def test_voices_refresh_from_the_service(fake: FakeEdgeService) -> None:
    voices = EdgeEngine.list_voices("zh", refresh=True)

    assert "zh-CN-FakeTestNeural" in {v.name for v in voices}
    assert fake.voice_list_calls == 1
    assert "zh-CN-FakeTestNeural" in EdgeEngine.voice_names()


def test_voices_refresh_falls_back_when_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    import edge_tts.voices

    monkeypatch.setattr(edge_tts.voices, "VOICE_LIST", f"http://127.0.0.1:{closed_port()}/voices/list?x=1")
    voices = EdgeEngine.list_voices("zh-CN", refresh=True, timeout=2.0)
    assert "zh-CN-XiaoxiaoNeural" in {v.name for v in voices}
    assert "zh-CN-FakeTestNeural" not in EdgeEngine.voice_names()


def test_reachable(fake: FakeEdgeService) -> None:
    assert EdgeEngine.reachable(timeout=2.0) is True
    fake.add_fault("403")
    refused = EdgeEngine.reachable(timeout=2.0)
    assert isinstance(refused, str) and "403" in refused


def test_unreachable_is_false_quickly(monkeypatch: pytest.MonkeyPatch) -> None:
    import edge_tts.communicate

    url = f"ws://127.0.0.1:{closed_port()}/edge/v1?TrustedClientToken=x"
    monkeypatch.setattr(edge_tts.communicate, "WSS_URL", url)
    started = time.monotonic()
    assert EdgeEngine.reachable(timeout=1.0) is False
    assert time.monotonic() - started < 1.5


def test_unreachable_service_fails_each_request(monkeypatch: pytest.MonkeyPatch) -> None:
    import edge_tts.communicate

    url = f"ws://127.0.0.1:{closed_port()}/edge/v1?TrustedClientToken=x"
    monkeypatch.setattr(edge_tts.communicate, "WSS_URL", url)
    results = engine(tries=2).synthesize_many(requests(2))
    assert all(isinstance(r, OSError) for r in results), results


def test_stream_gives_results_in_order_with_bounded_concurrency(fake: FakeEdgeService) -> None:
    fake.add_fault("drop", every=4)
    batch = requests(9)
    results = list(engine(concurrency=3).stream(batch))
    assert all(isinstance(r, Speech) for r in results)
    heard = [r.sentences[0].text for r in results]  # type: ignore[union-attr]
    assert heard == [f"第{i}条新闻。" for i in range(9)]
    assert fake.max_active <= 3
