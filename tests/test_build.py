"""The whole pipeline, end to end and offline, as a new user runs it."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlparse

from click.testing import CliRunner

from audiopaper.cli import cli
from audiopaper.publish.outdir import LOCK
from tests.conftest import SAMPLE_GOLD, SHORT, decoded_seconds

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"


def test_sample_builds_seven_clips_that_decode(sample_build):
    out, result = sample_build
    assert result.exit_code == 0, result.output
    clips = sorted((out / "2022-10-12" / "clips").glob("*.mp3"))
    assert [c.name[:3] for c in clips] == [f"{i:02d}-" for i in range(1, 8)]
    durations = [decoded_seconds(c) for c in clips]
    assert all(d > 10 for d in durations), durations
    edition = decoded_seconds(out / "2022-10-12" / "edition.mp3")
    assert edition >= sum(durations)


def test_summary_names_articles_minutes_engine_and_folder(sample_build):
    out, result = sample_build
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("7 articles, ") and "minutes of audio" in last and "espeak" in last
    assert str(out / "2022-10-12") in last


def test_manifest_lists_every_clip_in_reading_order(sample_build):
    out, _ = sample_build
    manifest = json.loads((out / "2022-10-12" / "manifest.json").read_text("utf-8"))
    gold = json.loads(SAMPLE_GOLD.read_text("utf-8"))
    assert manifest["paper"] == "平湖日报" and manifest["engine"] == "espeak" and manifest["complete"]
    assert [c["title"] for c in manifest["clips"]] == [a["title"] for a in gold["articles"]]
    for clip in manifest["clips"]:
        path = out / "2022-10-12" / clip["file"]
        assert path.stat().st_size == clip["bytes"]
        assert abs(decoded_seconds(path) * 1000 - clip["duration_ms"]) < 300


def test_feed_parses_and_points_at_the_edition(sample_build):
    out, _ = sample_build
    root = ET.parse(out / "feed.xml").getroot()
    channel = root.find("channel")
    assert root.tag == "rss" and channel is not None
    assert channel.findtext("language") == "zh-cn"
    assert channel.find(f"{ITUNES}author") is not None
    items = channel.findall("item")
    assert len(items) == 1
    enclosure = items[0].find("enclosure")
    url = urlparse(enclosure.get("url"))
    assert url.netloc == "radio.example" and url.path == "/p/2022-10-12/edition.mp3"
    assert int(enclosure.get("length")) == (out / "2022-10-12" / "edition.mp3").stat().st_size
    assert enclosure.get("type") == "audio/mpeg"


def test_index_page_links_every_clip(sample_build):
    out, _ = sample_build
    page = (out / "index.html").read_text("utf-8")
    assert '<html lang="zh-CN">' in page
    for clip in (out / "2022-10-12" / "clips").glob("*.mp3"):
        assert f'src="2022-10-12/clips/{clip.name}"' in page
        assert (out / "2022-10-12" / "clips" / clip.name).exists()


def test_rebuild_keeps_clip_names_and_other_editions(tmp_path: Path):
    runner = CliRunner()
    args = ["build", str(SHORT), "--engine", "espeak", "--out", str(tmp_path), "--quiet"]
    first = runner.invoke(cli, [*args, "--date", "2024-01-02", "--paper", "测试日报"])
    assert first.exit_code == 0, first.output
    names = sorted(p.name for p in (tmp_path / "2024-01-02" / "clips").iterdir())
    second = runner.invoke(cli, [*args, "--date", "2024-01-03", "--paper", "测试日报"])
    assert second.exit_code == 0, second.output
    again = runner.invoke(cli, [*args, "--date", "2024-01-02", "--paper", "测试日报"])
    assert again.exit_code == 0, again.output
    assert sorted(p.name for p in (tmp_path / "2024-01-02" / "clips").iterdir()) == names
    items = ET.parse(tmp_path / "feed.xml").getroot().findall("channel/item")
    titles = [i.findtext("title") for i in items]
    assert len(titles) == 2 and "2024年1月3日" in titles[0] and "2024年1月2日" in titles[1]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".") and p.name != LOCK]  # the lock stays


def test_progress_counts_every_engine_call(tmp_path: Path):
    from audiopaper.build import plan_build, render
    from audiopaper.settings import Settings

    plan = plan_build([SHORT], Settings(engine="espeak", out=tmp_path, quiet=True))
    ticks: list[int] = []
    render(plan, ticks.append)
    assert sum(ticks) == plan.total_calls == len(plan.script.calls())
