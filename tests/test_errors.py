"""Bad input: one line naming the problem, a non-zero exit, no traceback, OUT untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from audiopaper.cli import cli
from tests.conftest import SAMPLE_GOLD, snapshot


@pytest.fixture
def out(tmp_path: Path) -> Path:
    """An OUT that already holds a published edition, which no failed build may touch."""
    folder = tmp_path / "out"
    (folder / "2020-01-01" / "clips").mkdir(parents=True)
    (folder / "2020-01-01" / "clips" / "01-old.mp3").write_bytes(b"ID3 old clip")
    (folder / "feed.xml").write_text("<rss/>", "utf-8")
    return folder


def run_build(out: Path, *args: str) -> tuple[int, str]:
    before = snapshot(out)
    result = CliRunner().invoke(cli, ["build", "--engine", "espeak", "--out", str(out), "--quiet", *args])
    assert snapshot(out) == before, "a failed build changed OUT"
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    return result.exit_code, result.output.strip()


def one_line(message: str) -> str:
    lines = message.splitlines()
    assert len(lines) == 1, message
    return lines[0]


def test_missing_file(out: Path, tmp_path: Path):
    code, message = run_build(out, str(tmp_path / "nope.txt"))
    assert code == 1
    assert "no such file" in one_line(message) and "nope.txt" in message


def test_binary_file(out: Path, tmp_path: Path):
    page = tmp_path / "page.txt"
    page.write_bytes(bytes(range(256)) * 20)
    code, message = run_build(out, str(page))
    assert code == 1
    assert "binary" in one_line(message) or "encoding" in message


def test_empty_file(out: Path, tmp_path: Path):
    page = tmp_path / "page.txt"
    page.write_bytes(b"\xef\xbb\xbf  \n\n")
    code, message = run_build(out, str(page))
    assert code == 1
    assert "empty" in one_line(message)


def test_malformed_edition_names_the_field(out: Path, tmp_path: Path):
    edition = tmp_path / "edition.json"
    edition.write_text('{"articles": [{"title": "标题", "paragraphs": "not a list"}]}', "utf-8")
    code, message = run_build(out, str(edition))
    assert code == 1
    assert "articles[0].paragraphs" in one_line(message)


def test_edition_that_is_not_json(out: Path, tmp_path: Path):
    edition = tmp_path / "edition.json"
    edition.write_text('{"articles": [', "utf-8")
    code, message = run_build(out, str(edition))
    assert code == 1
    assert "not valid JSON" in one_line(message)


def test_invalid_date(out: Path):
    code, message = run_build(out, str(SAMPLE_GOLD), "--date", "2022-13-45")
    assert code == 1
    assert "2022-13-45" in one_line(message)


def test_unknown_engine(out: Path):
    code, message = run_build(out, str(SAMPLE_GOLD), "--engine", "festival")
    assert code == 1
    assert "unknown engine 'festival'" in one_line(message)


def test_unknown_engine_in_config(out: Path, tmp_path: Path):
    config = tmp_path / "audiopaper.toml"
    config.write_text('engine = "festival"\n', "utf-8")
    result = CliRunner().invoke(cli, ["build", str(SAMPLE_GOLD), "--out", str(out), "--config", str(config)])
    assert result.exit_code == 1
    assert "unknown engine 'festival'" in one_line(result.output.strip())


def test_no_input(out: Path):
    code, message = run_build(out)
    assert code == 1
    assert "no input" in one_line(message)
