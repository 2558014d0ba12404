"""Sentences as cues show them: golden cases in tests/golden/sentences/, and a built clip's
transcript, where a printed "……" or "？！" once became cues of their own."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiopaper.cli import cli
from audiopaper.core.chinese import split_sentences
from audiopaper.script.segments import split_for_engine
from tests.conftest import golden_rows

GOLDEN = Path(__file__).parent / "golden" / "sentences"


def _cases() -> list[pytest.param]:
    return [pytest.param(text, sentences, id=f"{stem}:{n}") for stem, n, (text, *sentences) in golden_rows(GOLDEN)]


CASES = _cases()


def test_there_are_golden_cases() -> None:
    assert len(CASES) >= 10


@pytest.mark.parametrize(("text", "sentences"), CASES)
def test_golden(text: str, sentences: list[str]) -> None:
    assert split_sentences(text) == sentences
    assert "".join(split_sentences(text)) == text  # nothing dropped, nothing added
    assert "".join(split_for_engine(text, max_bytes=12)) == text


WORD = re.compile(r"\w")
CUE = re.compile(r"(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})\n(.+)")


def _seconds(h: str, m: str, s: str, ms: str) -> float:
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def test_built_transcript_keeps_punctuation_with_its_sentence(tmp_path: Path) -> None:
    edition = {
        "paper": "临溪日报",
        "date": "2023-05-18",
        "articles": [
            {
                "page": 1,
                "kind": "news",
                "title": "老人的心愿",
                "paragraphs": ["他说……我们走吧。老人望着远方，久久不语……“真的吗？！”孙女问。"],
            }
        ],
    }
    source = tmp_path / "edition.json"
    source.write_text(json.dumps(edition, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(source), "--engine", "espeak", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    (vtt,) = (out / "2023-05-18" / "clips").glob("*.vtt")
    cues = [(_seconds(*m[0:4]), _seconds(*m[4:8]), m[8]) for m in CUE.findall(vtt.read_text("utf-8"))]
    texts = [text for _, _, text in cues]
    assert all(WORD.search(text) for text in texts), texts  # no cue of punctuation alone
    assert texts[1:] == ["他说……", "我们走吧。", "老人望着远方，久久不语……", "“真的吗？！”", "孙女问。"]
    assert all(end - start >= 0.3 for start, end, _ in cues), cues
