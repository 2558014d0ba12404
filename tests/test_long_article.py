"""An article of any length: read up to a plausible length with a warning, and its audio
streamed in parts, never held whole."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
from click.testing import CliRunner
from fake_edge import FakeEdgeService, serve

from audiopaper.audio import speech
from audiopaper.cli import cli
from audiopaper.core import ffmpeg

SENTENCE = "记者走访了全市十个乡镇的农家书屋，了解群众的阅读需求。"  # 27 characters


def _edition(tmp_path: Path, body: str) -> Path:
    edition = {
        "paper": "临溪日报",
        "date": "2023-05-18",
        "articles": [
            {"page": 1, "title": "短讯一则", "paragraphs": ["今天上午,市图书馆新馆开放。"]},
            {"page": 1, "title": "农家书屋调查", "paragraphs": [body]},
            {"page": 1, "title": "天气", "paragraphs": ["明天多云。"]},
        ],
    }
    path = tmp_path / "edition.json"
    path.write_text(json.dumps(edition, ensure_ascii=False), "utf-8")
    return path


def test_a_run_on_article_is_read_to_a_plausible_length_with_a_warning(tmp_path: Path) -> None:
    source = _edition(tmp_path, SENTENCE * 40_000)  # a million characters on one line
    result = CliRunner().invoke(cli, ["script", str(source), "--format", "json"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    warning = [line for line in lines if line.startswith("warning:")]
    assert len(warning) == 1 and "农家书屋调查" in warning[0] and "1,080,000" in warning[0]
    calls = json.loads("\n".join(line for line in lines if not line.startswith("warning:")))["calls"]
    body = "".join(c["written"] for c in calls if c["article"] == "农家书屋调查" and c["part"] == "body")
    assert 30_000 - len(SENTENCE) < len(body) <= 30_000
    assert body.endswith("。")  # cut at a sentence end
    assert any(c["article"] == "天气" for c in calls)  # the articles after it are read


def test_the_cap_is_a_setting_and_the_manifest_names_the_article(tmp_path: Path) -> None:
    config = tmp_path / "audiopaper.toml"
    config.write_text(f'max_article_chars = 300\n[tts]\ncache_dir = "{(tmp_path / "cache").as_posix()}"\n', "utf-8")
    out = tmp_path / "out"
    source = _edition(tmp_path, SENTENCE * 20)
    args = ["build", str(source), "--engine", "espeak", "--out", str(out), "--config", str(config), "--quiet"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "2023-05-18" / "manifest.json").read_text("utf-8"))
    assert any("农家书屋调查" in note and "300" in note for note in manifest["notes"])
    clip = next(c for c in manifest["clips"] if c["title"] == "农家书屋调查")
    assert "".join(clip["transcript"]) == SENTENCE * 11  # 297 characters, whole sentences


# -- streaming -------------------------------------------------------------------------------


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEdgeService]:
    # Ten characters a second: a 2,700-character article is 4.5 minutes of speech.
    with serve(monkeypatch, chars_per_second=10.0) as service:
        yield service


def _build(out: Path, cache: Path, source: Path):
    config = out.parent / f"{out.name}.toml"
    config.write_text(f'[tts]\nretry_delay_ms = 10\ncache_dir = "{cache.as_posix()}"\n', "utf-8")
    args = ["build", str(source), "--engine", "edge", "--out", str(out), "--config", str(config), "--quiet"]
    return CliRunner().invoke(cli, args)


def _cues(vtt: Path) -> list[tuple[float, str]]:
    blocks = vtt.read_text("utf-8").split("\n\n")[1:]
    cues = []
    for block in blocks:
        lines = [line for line in block.strip().splitlines() if not line.isdigit()]
        if len(lines) >= 2 and "-->" in lines[0]:
            h, m, s = lines[0].split(" --> ")[0].split(":")
            cues.append((int(h) * 3600 + int(m) * 60 + float(s), lines[1]))
    return cues


def _decoded(path: Path, rate: int = 48000) -> np.ndarray:
    return np.frombuffer(ffmpeg.decode_file(path, rate), "<i2").astype(np.float64) / 32768


def test_a_long_article_is_streamed_in_parts_and_sounds_as_if_whole(
    fake: FakeEdgeService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _edition(tmp_path, (SENTENCE * 10 + "\n") * 10)
    cache = tmp_path / "cache"
    whole = tmp_path / "whole"
    assert _build(whole, cache, source).exit_code == 0

    biggest: list[int] = []
    real_assemble = speech.assemble

    def watched(pieces, rate):  # type: ignore[no-untyped-def]
        sound, cues = real_assemble(pieces, rate)
        biggest.append(len(sound.raw_data))
        return sound, cues

    monkeypatch.setattr(speech, "assemble", watched)
    monkeypatch.setattr(speech, "PART_BYTES", 1_000_000)  # about 20 s of speech
    parted = tmp_path / "parted"
    result = _build(parted, cache, source)  # the same speech, from the cache
    assert result.exit_code == 0, result.output
    # Never more audio in one piece than a part and the engine call that filled it (a call
    # is at most ~670 characters: 67 s of the fake's speech).
    assert len(biggest) > 5
    assert max(biggest) < 1_000_000 + 70 * 24000 * 2

    def clip(out: Path) -> Path:
        day = out / "2023-05-18"
        data = json.loads((day / "manifest.json").read_text("utf-8"))
        return day / next(c["file"] for c in data["clips"] if c["title"] == "农家书屋调查")

    a, b = _decoded(clip(whole)), _decoded(clip(parted))
    assert len(b) / 48000 > 200  # minutes of speech
    assert abs(len(a) - len(b)) / 48000 < 0.1
    assert abs(pyloudnorm.Meter(48000).integrated_loudness(b) - -23.0) < 0.5
    cues_a, cues_b = _cues(clip(whole).with_suffix(".vtt")), _cues(clip(parted).with_suffix(".vtt"))
    assert len(cues_a) > 100 and [t for _, t in cues_b] == [t for _, t in cues_a]
    assert max(abs(x - y) for (x, _), (y, _) in zip(cues_a, cues_b, strict=True)) < 0.1
    # The edition holds the same programme, chapters in the same places.
    chapters = [json.loads((out / "2023-05-18" / "chapters.json").read_text("utf-8")) for out in (whole, parted)]
    starts = [[c["startTime"] for c in found["chapters"]] for found in chapters]
    assert len(starts[0]) == len(starts[1]) == 3
    assert max(abs(x - y) for x, y in zip(*starts, strict=True)) < 0.1


def test_a_long_article_failing_midway_is_reported_and_leaves_no_clip(
    fake: FakeEdgeService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paragraphs = [SENTENCE * 10] * 9 + ["第十段：" + SENTENCE * 9]
    source = _edition(tmp_path, "\n".join(paragraphs))
    data = json.loads(source.read_text("utf-8"))
    data["articles"][1]["paragraphs"] = paragraphs
    source.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    fake.add_fault("no_audio", match="第十段")  # the article's last call never gets audio
    monkeypatch.setattr(speech, "PART_BYTES", 1_000_000)
    out = tmp_path / "out"
    config = tmp_path / "c.toml"
    config.write_text(f'[tts]\nretry_delay_ms = 10\ntries = 2\ncache_dir = "{(tmp_path / "cache").as_posix()}"\n')
    args = ["build", str(source), "--engine", "edge", "--out", str(out), "--config", str(config), "--quiet"]
    result = CliRunner().invoke(cli, [*args, "--allow-partial"])
    assert result.exit_code == 1 and "农家书屋调查" in result.output
    day = out / "2023-05-18"
    manifest = json.loads((day / "manifest.json").read_text("utf-8"))
    assert manifest["failed"] == ["农家书屋调查"]
    assert [c["title"] for c in manifest["clips"]] == ["短讯一则", "天气"]
    assert sorted(p.name for p in (day / "clips").glob("*.mp3")) == sorted(
        Path(c["file"]).name for c in manifest["clips"]
    )
    assert abs(len(_decoded(day / "edition.mp3", 8000)) / 8000 - manifest["edition_duration_ms"] / 1000) < 1
