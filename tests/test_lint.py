"""`audiopaper lint`: only what needs a human, checked on the sample and on the rules edition."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from audiopaper.cli import cli
from audiopaper.edition import edition_from_json
from audiopaper.script.lint import lint_edition

HERE = Path(__file__).parent
RULES = HERE / "data" / "rules.json"
runner = CliRunner()


def test_lint_of_the_sample_is_the_reviewed_list():
    """Every line printed for the bundled sample was reviewed as a real question (纪亚千,
    a normalizer's warning) or a real substitution; nothing else may appear."""
    result = runner.invoke(cli, ["lint", "--sample"])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == (HERE / "golden" / "lint" / "sample.txt").read_text("utf-8").splitlines()
    assert "王强" not in result.stdout  # a name with a common reading is no question


def findings() -> set[tuple[str, str, str]]:
    edition = edition_from_json(RULES.read_text("utf-8"))
    return {(f.kind, f.written, f.spoken) for f in lint_edition(edition)}


def test_lint_shows_every_kind_of_reading_to_confirm():
    found = findings()
    for expected in [
        ("number", "69:50", "六十九比五十"),
        ("number", "19:30", "十九点三十分"),
        ("number", "8.5∶57.1∶34.5", "八点五比五十七点一比三十四点五"),
        ("number", "元/斤", "元每斤"),
        ("number", "90后", "九零后"),
        ("number", "xnrb_news@163.com", "xnrb下划线news艾特一六三点com"),
        ("number", "12306", "幺二三零六"),
        ("name", "单书记", "善书记"),
        ("name", "单雪", "善雪"),
        ("name", "查明", "渣明"),  # a brief item's own credit
        ("lexicon", "网格长", "网格掌"),
        ("check", "纪亚千", ""),
        ("warning", "joined across a break that may have lost text: …夺得冠军|县委书记…", ""),
    ]:
        assert expected in found, expected


def test_lint_leaves_out_what_is_certain():
    printed = {written for _, written, _ in findings()}
    # plain quantities, dates and decimals; common names; a form of address
    for certain in ["6", "2", "320", "1.25", "1000", "王强", "刘阿姨", "刘", "叶青青", "田甜"]:
        assert certain not in printed


def test_lint_json_for_tools():
    result = runner.invoke(cli, ["lint", str(RULES), "--format", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["paper"] == "溪南日报" and doc["date"] == "2024-06-03"
    kinds = {f["kind"] for f in doc["findings"]}
    assert kinds == {"check", "name", "lexicon", "number", "warning"}
    score = next(f for f in doc["findings"] if f["written"] == "69:50")
    assert score == {
        "kind": "number",
        "article": 2,
        "title": "县篮球联赛昨晚收官城关队以69:50战胜溪口队夺得冠军",
        "written": "69:50",
        "spoken": "六十九比五十",
        "note": "",
        "count": 2,
    }


def test_lint_without_input_is_a_usage_error():
    result = runner.invoke(cli, ["lint"])
    assert result.exit_code != 0 and "--sample" in result.output and "Traceback" not in result.output
