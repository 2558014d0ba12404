"""The speech cache: content-addressed, atomic, capped with least-recently-used eviction."""

from __future__ import annotations

import os
from pathlib import Path

from audiopaper.tts import Engine, Sentence, Speech, SpeechRequest, Voice
from audiopaper.tts.cache import CachedEngine, SpeechCache


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
    cache = SpeechCache(tmp_path, max_bytes=3 * 4900)
    engine = CachedEngine(Counting(), cache)
    for i, text in enumerate(["甲。", "乙。", "丙。", "丁。"]):
        engine.synthesize_many([request(text)])
        path = cache._path(cache.key("counting", request(text)))
        os.utime(path, (1000 + i, 1000 + i))
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
    code = "from audiopaper.normalize.words import cut; print('|'.join(cut('平湖市召开推进会')))"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "平湖市|召开|推进|会" and done.stderr == ""
    assert (tmp_path / "xdg" / "audiopaper" / "jieba.cache").stat().st_size > 1_000_000
    assert list((tmp_path / "tmp").iterdir()) == []
