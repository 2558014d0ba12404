"""The speech cache: content-addressed, atomic, capped with least-recently-used eviction."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from audiopaper.cli import cli
from audiopaper.core import ffmpeg
from audiopaper.core.speech import Sentence, Speech, SpeechRequest, Voice
from audiopaper.tts import Engine
from audiopaper.tts.cache import CachedEngine, SpeechCache
from tests.conftest import SHORT


class Counting(Engine):
    NAME = "counting"

    def __init__(self) -> None:
        self.sent: list[str] = []

    @classmethod
    def availability(cls) -> str | None:
        return None

    def synthesize(self, request: SpeechRequest) -> Speech:
        self.sent.append(request.text)
        if "坏" in request.text:
            raise ConnectionError("dropped")
        return Speech(pcm=b"\x01\x00" * 2400, sample_rate=24000, sentences=(Sentence(0, 100, request.text),))


def request(text: str, rate: int = 0) -> SpeechRequest:
    return SpeechRequest(text, Voice("v", rate=rate))


def test_hits_send_nothing_and_keep_timings(tmp_path: Path):
    inner = Counting()
    engine = CachedEngine(inner, SpeechCache(tmp_path, 10**9))
    first = engine.synthesize_many([request("一。"), request("二。")])
    again = engine.synthesize_many([request("一。"), request("二。"), request("三。")])
    assert inner.sent == ["一。", "二。", "三。"]
    assert again[:2] == first
    assert again[0].sentences == (Sentence(0, 100, "一。"),)


def test_voice_and_prosody_are_part_of_the_key(tmp_path: Path):
    inner = Counting()
    engine = CachedEngine(inner, SpeechCache(tmp_path, 10**9))
    engine.synthesize_many([request("一。"), request("一。", rate=10)])
    assert inner.sent == ["一。", "一。"]


def test_failures_are_not_cached(tmp_path: Path):
    inner = Counting()
    engine = CachedEngine(inner, SpeechCache(tmp_path, 10**9))
    results = engine.synthesize_many([request("坏。"), request("好。")])
    assert isinstance(results[0], ConnectionError) and isinstance(results[1], Speech)
    engine.synthesize_many([request("坏。")])
    assert inner.sent.count("坏。") == 2


def test_least_recently_used_entries_go_first(tmp_path: Path):
    cache = SpeechCache(tmp_path, max_bytes=10**9)
    engine = CachedEngine(Counting(), cache)
    for i, text in enumerate(["甲。", "乙。", "丙。", "丁。"]):
        engine.synthesize_many([request(text)])
        path = cache._path(cache.key("counting", request(text)))
        os.utime(path, (1000 + i, 1000 + i))
    cache.max_bytes = 3 * path.stat().st_size  # room for three of the four
    cache.get(cache.key("counting", request("甲。")))  # a hit makes 甲 the most recent
    assert cache.evict() > 0
    left = {t for t in ["甲。", "乙。", "丙。", "丁。"] if cache.get(cache.key("counting", request(t)))}
    assert left == {"甲。", "丙。", "丁。"}


def test_a_torn_entry_is_a_miss(tmp_path: Path):
    cache = SpeechCache(tmp_path, 10**9)
    engine = CachedEngine(Counting(), cache)
    engine.synthesize_many([request("一。")])
    path = cache._path(cache.key("counting", request("一。")))
    path.write_bytes(path.read_bytes()[:-10])
    assert cache.get(cache.key("counting", request("一。"))) is None


def test_jiebas_dictionary_cache_goes_to_our_cache_folder(tmp_path: Path) -> None:
    import subprocess
    import sys

    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg"), "TMPDIR": str(tmp_path / "tmp")}
    (tmp_path / "tmp").mkdir()
    code = "from audiopaper.core.chinese import cut; print('|'.join(cut('平湖市召开推进会')))"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "平湖市|召开|推进|会" and done.stderr == ""
    assert (tmp_path / "xdg" / "audiopaper" / "jieba.cache").stat().st_size > 1_000_000
    assert list((tmp_path / "tmp").iterdir()) == []


def _entry(cache: SpeechCache, text: str) -> Path:
    return cache._path(cache.key("counting", request(text)))


def test_an_entry_overwritten_with_noise_of_its_length_is_synthesized_again(tmp_path: Path):
    inner = Counting()
    cache = SpeechCache(tmp_path, 10**9)
    engine = CachedEngine(inner, cache)
    engine.synthesize_many([request("一。")])
    path = _entry(cache, "一。")
    path.write_bytes(os.urandom(path.stat().st_size))
    again = engine.synthesize_many([request("一。")])
    assert inner.sent == ["一。", "一。"]
    assert again[0].pcm == b"\x01\x00" * 2400
    assert cache.damaged == [path]


def test_one_flipped_sample_fails_the_check(tmp_path: Path):
    cache = SpeechCache(tmp_path, 10**9)
    CachedEngine(Counting(), cache).synthesize_many([request("一。")])
    path = _entry(cache, "一。")
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x40
    path.write_bytes(bytes(data))
    assert cache.get(cache.key("counting", request("一。"))) is None
    assert cache.damaged == [path] and not path.exists()  # removed: the next put starts clean


class Saying(Counting):
    """Audio that says which text it is: a swapped entry would be heard as the other text."""

    def synthesize(self, request: SpeechRequest) -> Speech:
        self.sent.append(request.text)
        return Speech(pcm=request.text.encode() * 100, sample_rate=24000, sentences=(Sentence(0, 9, request.text),))


def test_two_swapped_entries_are_both_refused_while_streaming(tmp_path: Path):
    inner = Saying()
    cache = SpeechCache(tmp_path, 10**9)
    engine = CachedEngine(inner, cache)
    texts = ["甲。", "乙。", "丙。"]
    list(engine.stream([request(t) for t in texts]))
    a, b = _entry(cache, "甲。"), _entry(cache, "乙。")
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)
    inner.sent.clear()
    again = list(engine.stream([request(t) for t in texts]))
    assert [s.pcm for s in again] == [t.encode() * 100 for t in texts]
    assert [s.sentences[0].text for s in again] == texts
    assert sorted(inner.sent) == sorted(["甲。", "乙。"])
    assert sorted(cache.damaged) == sorted([a, b])


def _clips(out: Path) -> dict[str, np.ndarray]:
    return {
        p.name: np.frombuffer(ffmpeg.decode_file(p, 8000), dtype="<i2").astype(np.float64)
        for p in sorted(out.glob("*/clips/*.mp3"))
    }


def _envelopes(a: np.ndarray, b: np.ndarray, frame: int = 800) -> tuple[np.ndarray, np.ndarray]:
    """Loudness every 100 ms (at 8 kHz) of both, over their common length."""
    n = min(len(a), len(b)) // frame * frame
    return tuple(np.sqrt((x[:n].reshape(-1, frame) ** 2).mean(axis=1)) for x in (a, b))  # type: ignore[return-value]


def test_a_build_over_damaged_entries_publishes_the_right_speech(tmp_path: Path):
    """Real entries of a real build: one overwritten with noise of its length, two swapped.
    The rebuild says so and its clips sound as the first build's did."""
    config = tmp_path / "audiopaper.toml"
    config.write_text(f'[tts]\ncache_dir = "{(tmp_path / "cache").as_posix()}"\n', "utf-8")

    def build(out: Path) -> str:
        args = ["build", str(SHORT), "--engine", "espeak", "--out", str(out), "--config", str(config), "--quiet"]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        return result.output

    first = build(tmp_path / "first")
    assert "checksum" not in first
    entries = sorted((tmp_path / "cache").glob("*/*.speech"), key=lambda p: p.stat().st_size)
    assert len(entries) >= 3
    noisy, *_, a, b = entries  # the two largest, swapped: each would say the other's text
    noisy.write_bytes(os.urandom(noisy.stat().st_size))
    data_a, data_b = a.read_bytes(), b.read_bytes()
    a.write_bytes(data_b)
    b.write_bytes(data_a)
    second = build(tmp_path / "second")
    assert "3 speech cache entries failed their checksum and were synthesized again" in second
    expected, got = _clips(tmp_path / "first"), _clips(tmp_path / "second")
    assert expected.keys() == got.keys() and len(expected) == 2
    for name, samples in expected.items():
        # The same speech, give or take the few milliseconds espeak-ng varies from call to call.
        assert len(got[name]) == pytest.approx(len(samples), rel=0.005), name
        assert np.corrcoef(*_envelopes(samples, got[name]))[0, 1] > 0.95, name
    third = build(tmp_path / "third")  # the repaired entries are good again
    assert "checksum" not in third
