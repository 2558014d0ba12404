"""The commands besides build, as a user runs them (CliRunner, exact exit codes)."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from click.testing import CliRunner

from audiopaper.cli import cli
from audiopaper.edition import comparable, edition_from_json
from tests.conftest import SAMPLE_GOLD, SAMPLE_TXT, SHORT

runner = CliRunner()


def test_normalize_prints_the_gold_edition():
    result = runner.invoke(cli, ["normalize", str(SAMPLE_TXT)])
    assert result.exit_code == 0, result.output
    assert comparable(edition_from_json(result.stdout)) == comparable(edition_from_json(SAMPLE_GOLD.read_text("utf-8")))
    assert "不仅要" in result.stderr  # the uncertain join is flagged for an editor


def test_normalize_to_markdown_file_round_trips_through_build_inputs(tmp_path: Path):
    md = tmp_path / "edition.md"
    result = runner.invoke(cli, ["normalize", str(SAMPLE_TXT), "--format", "markdown", "-o", str(md)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "\n# 全面深化除险保安" in md.read_text("utf-8")
    again = runner.invoke(cli, ["normalize", str(md)])
    assert again.exit_code == 0, again.output
    assert comparable(edition_from_json(again.stdout)) == comparable(edition_from_json(SAMPLE_GOLD.read_text("utf-8")))


def test_normalize_missing_file():
    result = runner.invoke(cli, ["normalize", "nope.txt"])
    assert result.exit_code == 1 and "no such file: nope.txt" in result.output


def test_script_text_is_one_engine_call_per_line():
    result = runner.invoke(cli, ["script", str(SHORT)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.rstrip("\n").split("\n")
    assert all(line == "" or line.startswith(("[anchor] ", "[reporter] ")) for line in lines)
    assert lines[0].startswith("[anchor] 各位听众早上好，欢迎收听临溪日报有声版")
    assert lines[-1].startswith("[anchor] 以上就是")
    assert "[reporter] 清晨六点三十分,市民在东湖公园晨练。当天最低气温零下二摄氏度。" in lines


def test_script_json_has_roles_and_written_text():
    result = runner.invoke(cli, ["script", str(SHORT), "--format", "json"])
    assert result.exit_code == 0, result.output
    calls = json.loads(result.stdout)["calls"]
    photo = next(c for c in calls if c["article"] == "晨练" and c["part"] == "body")
    assert photo["written"] == "清晨6:30,市民在东湖公园晨练。当天最低气温-2℃。"
    assert photo["role"] == "reporter"


def test_lint_lists_substitutions_and_names_to_check():
    result = runner.invoke(cli, ["lint", str(SAMPLE_GOLD)])
    assert result.exit_code == 0, result.output
    assert "name    查放 -> 渣放" in result.stdout
    assert "lexicon 林埭 -> 林代" in result.stdout
    assert "check   纪亚千" in result.stdout
    assert "1 question(s)" in result.stderr


def test_voices_lists_bundled_and_espeak_voices():
    edge = runner.invoke(cli, ["voices"])
    assert edge.exit_code == 0 and "zh-CN-XiaoxiaoNeural\tFemale\tzh-CN" in edge.stdout
    espeak = runner.invoke(cli, ["voices", "--engine", "espeak", "--locale", "zh-CN"])
    assert espeak.exit_code == 0 and espeak.stdout.startswith("cmn\t")


def test_feed_rebuilds_from_what_is_in_out(tmp_path: Path):
    out = tmp_path / "out"
    assert runner.invoke(cli, ["build", str(SHORT), "--engine", "espeak", "--out", str(out), "-q"]).exit_code == 0
    (out / "feed.xml").unlink()
    result = runner.invoke(cli, ["feed", "--out", str(out), "--base-url", "https://radio.example/"])
    assert result.exit_code == 0, result.output
    assert "https://radio.example/2023-05-18/edition.mp3" in (out / "feed.xml").read_text("utf-8")


def test_feed_and_serve_refuse_a_missing_folder(tmp_path: Path):
    for command in ("feed", "serve"):
        result = runner.invoke(cli, [command, "--out", str(tmp_path / "none")])
        assert result.exit_code == 1 and "no such folder" in result.output


def test_serve_answers_ranges_inside_out(tmp_path: Path):
    from audiopaper.publish import serve

    (tmp_path / "a.mp3").write_bytes(b"0123456789")
    with serve.running(tmp_path) as server:
        request = urllib.request.Request(f"{server.url}a.mp3", headers={"Range": "bytes=2-5"})
        with urllib.request.urlopen(request) as reply:
            assert reply.status == 206 and reply.read() == b"2345"


def test_help_loads_no_audio_or_language_library() -> None:
    """`audiopaper --help` answers at once: numpy, pydub, jieba and the speech client load
    only when a command needs them."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from audiopaper.cli import cli\n"
        "assert CliRunner().invoke(cli, ['--help']).exit_code == 0\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    loaded = set(
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    )
    assert not loaded & {"numpy", "pydub", "jieba", "edge_tts", "aiohttp", "PIL", "mutagen"}
