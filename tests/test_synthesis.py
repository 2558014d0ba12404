"""Building with the online voices against a fake service on loopback: faults, fallback,
the speech cache, partial editions and killed builds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fake_edge import FakeEdgeService, serve

from audiopaper.cli import cli
from audiopaper.publish.outdir import LOCK
from tests.conftest import SHORT, decoded_seconds, snapshot

FAST = "[tts]\nretry_delay_ms = 10\ntimeout = 5\n"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEdgeService]:
    with serve(monkeypatch) as service:
        yield service


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "audiopaper.toml"
    path.write_text(FAST + f'cache_dir = "{(tmp_path / "cache").as_posix()}"\n', "utf-8")
    return path


def build(out: Path, config: Path, *args: str, source: Path = SHORT):
    return CliRunner().invoke(cli, ["build", str(source), "--out", str(out), "--config", str(config), "--quiet", *args])


def manifest(out: Path) -> dict:
    return json.loads((out / "2023-05-18" / "manifest.json").read_text("utf-8"))


def test_edge_build_renders_every_article(fake: FakeEdgeService, tmp_path: Path, config: Path):
    out = tmp_path / "out"
    result = build(out, config, "--engine", "edge")
    assert result.exit_code == 0, result.output
    data = manifest(out)
    assert data["engine"] == "edge" and data["complete"]
    assert len(data["clips"]) == 2
    for clip in data["clips"]:
        assert decoded_seconds(out / "2023-05-18" / clip["file"]) > 3
    voices = {r.voice for r in fake.requests}  # the service names voices in long form
    assert voices == {
        f"Microsoft Server Speech Text to Speech Voice (zh-CN, {v}Neural)" for v in ("Xiaoxiao", "Yunyang")
    }
    assert fake.max_active <= 3


def test_a_long_article_asked_for_first_still_reads_in_the_papers_order(
    fake: FakeEdgeService, tmp_path: Path, config: Path
):
    edition = {
        "paper": "临溪日报",
        "date": "2023-05-18",
        "articles": [
            {"page": 1, "title": "短讯一则", "paragraphs": ["今天上午,市图书馆新馆开放。"]},
            {"page": 1, "title": "长篇报道", "paragraphs": ["记者走访了全市十个乡镇的农家书屋。" * 39] * 3},
        ],
    }
    source = tmp_path / "edition.json"
    source.write_text(json.dumps(edition, ensure_ascii=False), "utf-8")
    out = tmp_path / "out"
    result = build(out, config, "--engine", "edge", source=source)
    assert result.exit_code == 0, result.output
    bodies = [r.text for r in fake.requests if "图书馆新馆" in r.text or "农家书屋" in r.text]
    assert "农家书屋" in bodies[0]  # the long article's speech was asked for first
    day = out / "2023-05-18"
    data = manifest(out)
    assert [c["title"] for c in data["clips"]] == ["短讯一则", "长篇报道"]
    chapters = json.loads((day / "chapters.json").read_text("utf-8"))["chapters"]
    assert [c["title"] for c in chapters] == ["短讯一则", "长篇报道"]
    assert chapters[0]["startTime"] < chapters[1]["startTime"] < decoded_seconds(day / "edition.mp3")
    short, long = (decoded_seconds(day / c["file"]) for c in data["clips"])
    assert short < long


def test_auto_uses_edge_when_the_service_answers(fake: FakeEdgeService, tmp_path: Path, config: Path):
    out = tmp_path / "out"
    result = build(out, config)
    assert result.exit_code == 0, result.output
    assert manifest(out)["engine"] == "edge" and fake.request_count > 0


def test_every_fourth_request_failing_still_renders_everything(fake: FakeEdgeService, tmp_path: Path, config: Path):
    # The short edition pools into fewer than four requests: every second one fails here.
    fake.add_fault("drop", every=2)
    out = tmp_path / "out"
    result = build(out, config, "--engine", "edge")
    assert result.exit_code == 0, result.output
    assert manifest(out)["complete"] and len(manifest(out)["clips"]) == 2
    assert any(r.fault for r in fake.requests)


def test_a_pooled_call_that_fails_costs_only_the_item_whose_text_fails(
    fake: FakeEdgeService, tmp_path: Path, config: Path
):
    # 晨练's title shares the anchor's pooled call with the opening and the other title;
    # the service never answers that title, on its own or pooled.
    fake.add_fault("no_audio", match="图片新闻。晨练。")
    out = tmp_path / "out"
    result = build(out, config, "--engine", "edge", "--allow-partial")
    assert result.exit_code == 1
    data = manifest(out)
    assert data["failed"] == ["晨练"] and [c["title"] for c in data["clips"]] == ["临溪启动老旧小区改造"]
    assert decoded_seconds(out / "2023-05-18" / data["clips"][0]["file"]) > 3
    texts = [r.text for r in fake.requests]
    assert any("图片新闻。晨练。" in t and "临溪启动" in t for t in texts)  # it was pooled first
    assert any("临溪启动老旧小区改造" in t and "晨练" not in t for t in texts)  # then asked alone


def test_identical_rebuild_sends_nothing_and_an_edit_resends_only_the_change(
    fake: FakeEdgeService, tmp_path: Path, config: Path
):
    out = tmp_path / "out"
    assert build(out, config, "--engine", "edge").exit_code == 0
    first = fake.request_count
    assert build(out, config, "--engine", "edge").exit_code == 0
    assert fake.request_count == first
    edition = json.loads(SHORT.read_text("utf-8"))
    edition["articles"][0]["paragraphs"][1] = "市住建局负责人介绍,改造内容包括屋面防水和加装电梯。"
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(edition, ensure_ascii=False), "utf-8")
    assert build(out, config, "--engine", "edge", source=edited).exit_code == 0
    sent = [r.text for r in fake.requests[first:]]
    assert len(sent) == 1 and "加装电梯" in sent[0]


def test_failed_article_is_named_and_a_complete_edition_is_kept(fake: FakeEdgeService, tmp_path: Path, config: Path):
    out = tmp_path / "out"
    assert build(out, config, "--engine", "edge").exit_code == 0
    complete = snapshot(out / "2023-05-18")
    fake.add_fault("no_audio", match="东湖公园")  # the photo's caption, every try
    edition = json.loads(SHORT.read_text("utf-8"))
    edition["articles"][1]["paragraphs"] = ["清晨,市民在东湖公园晨练。"]
    edited = tmp_path / "edited.json"
    edited.write_text(json.dumps(edition, ensure_ascii=False), "utf-8")
    result = build(out, config, "--engine", "edge", source=edited)
    assert result.exit_code == 1
    assert "晨练" in result.output and "failed" in result.output
    assert snapshot(out / "2023-05-18") == complete  # the partial edition did not replace it
    result = build(out, config, "--engine", "edge", "--allow-partial", source=edited)
    assert result.exit_code == 1
    data = manifest(out)
    assert not data["complete"] and data["failed"] == ["晨练"] and len(data["clips"]) == 1


def test_auto_falls_back_to_espeak_for_the_whole_edition(tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch):
    service = FakeEdgeService()
    with service:
        service.redirect(monkeypatch)
    # The service is stopped: nothing answers on its port now.
    out = tmp_path / "out"
    result = build(out, config)
    assert result.exit_code == 0, result.output
    data = manifest(out)
    assert data["engine"] == "espeak"
    assert any("espeak" in note for note in data["notes"])
    assert "warning:" in result.output


def test_edge_alone_fails_clearly_when_unreachable(tmp_path: Path, config: Path, monkeypatch: pytest.MonkeyPatch):
    service = FakeEdgeService()
    with service:
        service.redirect(monkeypatch)
    out = tmp_path / "out"
    out.mkdir()
    result = build(out, config, "--engine", "edge")
    assert result.exit_code == 1
    assert "cannot be reached" in result.output and "--engine espeak" in result.output
    assert list(out.iterdir()) == []


def test_a_killed_build_completes_on_rerun(tmp_path: Path, config: Path):
    out = tmp_path / "out"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    cmd = [sys.executable, "-m", "audiopaper", "build", str(SHORT), "--out", str(out), "--engine", "espeak"]
    cmd += ["--config", str(config), "--quiet"]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(out.glob(".staging-*/clips/*.mp3")):
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    result = subprocess.run(cmd, env=env, capture_output=True, check=False)
    assert result.returncode == 0, result.stderr
    leftovers = [p for p in out.rglob("*") if p.name.startswith(".") and p.name != LOCK]
    assert leftovers == []
    assert manifest(out)["complete"] and len(manifest(out)["clips"]) == 2


def test_an_unknown_voice_in_the_config_fails_before_any_request(fake: FakeEdgeService, tmp_path: Path, config: Path):
    config.write_text(config.read_text("utf-8") + '\n[voices.edge.reporter]\nname = "zh-CN-NoSuchNeural"\n', "utf-8")
    result = build(tmp_path / "out", config, "--engine", "edge")
    assert result.exit_code == 1
    assert "zh-CN-NoSuchNeural" in result.output and fake.request_count == 0


def test_voices_come_from_the_service_when_it_answers(fake: FakeEdgeService, monkeypatch: pytest.MonkeyPatch):
    from audiopaper.tts.edge import EdgeEngine

    monkeypatch.setattr(EdgeEngine, "_refreshed", None)
    fake.voices = [{**fake.voices[0], "ShortName": "zh-CN-BrandNewNeural", "Locale": "zh-CN"}]
    result = CliRunner().invoke(cli, ["voices", "--locale", "zh-CN"])
    assert result.exit_code == 0 and fake.voice_list_calls == 1
    assert result.stdout.splitlines()[0].startswith("zh-CN-BrandNewNeural\t")


@pytest.mark.parametrize("engine", ["edge", "auto"])
def test_a_cached_rebuild_needs_no_answer_from_the_service(
    fake: FakeEdgeService, tmp_path: Path, config: Path, engine: str
):
    out = tmp_path / "out"
    assert build(out, config, "--engine", "edge").exit_code == 0
    first = snapshot(out / "2023-05-18" / "clips")
    fake.reset()
    fake.add_fault("403")  # from now on every handshake is refused
    result = build(out, config, "--engine", engine)
    assert result.exit_code == 0, result.output
    assert fake.handshakes == 0  # not even probed: the cache answered every call
    data = manifest(out)
    assert data["engine"] == "edge" and data["complete"] and not data["notes"]
    assert snapshot(out / "2023-05-18" / "clips").keys() == first.keys()


def test_one_refused_handshake_is_tried_again_before_falling_back(fake: FakeEdgeService, tmp_path: Path, config: Path):
    fake.add_fault("403", times=1)
    out = tmp_path / "out"
    result = build(out, config)  # auto: probes the service first
    assert result.exit_code == 0, result.output
    data = manifest(out)
    assert data["engine"] == "edge" and not data["notes"]


def test_a_service_that_keeps_refusing_falls_back_to_espeak(fake: FakeEdgeService, tmp_path: Path, config: Path):
    fake.add_fault("403")
    out = tmp_path / "out"
    result = build(out, config)
    assert result.exit_code == 0, result.output
    data = manifest(out)
    assert data["engine"] == "espeak" and "403" in data["notes"][0]
    assert fake.handshakes == 2  # the probe and its one retry


def test_retries_and_refusals_are_in_the_summary_and_the_manifest(fake: FakeEdgeService, tmp_path: Path, config: Path):
    fake.add_fault("503", every=2, times=1)  # a refused handshake (the first is the probe's)
    fake.add_fault("drop", times=1)  # a connection cut halfway through the audio
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["build", str(SHORT), "--out", str(out), "--config", str(config), "--engine", "edge"]
    )
    assert result.exit_code == 0, result.output
    service = manifest(out)["service"]
    assert service["retries"] == 2 and service["refused"] == 1
    assert service["requests"] == len(fake.requests) + 1  # the refused one never reached the service
    summary = result.output.strip().splitlines()[-1]
    assert f"({service['requests']} requests, 2 retried, 1 refused)" in summary
