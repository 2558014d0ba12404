"""The edition format: the contract between normalizer, editors and script builder."""

from __future__ import annotations

import json

import pytest

from audiopaper.edition import comparable, edition_from_json, edition_to_json
from audiopaper.errors import InputError
from tests.conftest import SAMPLE_GOLD

GOLD = SAMPLE_GOLD.read_text("utf-8")


def test_gold_round_trips():
    edition = edition_from_json(GOLD)
    assert len(edition.articles) == 7
    assert edition.articles[4].kind == "photo"
    assert [c.name for c in edition.articles[6].credits] == ["胡佳英", "查放", "陈明远"]
    again = edition_from_json(edition_to_json(edition))
    assert comparable(again) == comparable(edition)
    assert json.loads(edition_to_json(edition))["source"] == "000_cbe0a290ce09cb7e.txt"


def test_comparison_ignores_width_and_whitespace():
    a = edition_from_json('{"articles": [{"title": "A,B", "paragraphs": ["一 二"]}]}')
    b = edition_from_json('{"articles": [{"title": "A，B", "paragraphs": ["一二"]}]}')
    assert comparable(a) == comparable(b)


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("[]", "edition"),
        ('{"paper": "x"}', "articles"),
        ('{"articles": {}}', "articles"),
        ('{"articles": [{"paragraphs": []}]}', "articles[0].title"),
        ('{"articles": [{"title": "t", "paragraphs": [1]}]}', "articles[0].paragraphs[0]"),
        ('{"articles": [{"title": "t", "paragraphs": [], "kind": "ad"}]}', "articles[0].kind"),
        ('{"articles": [{"title": "t", "paragraphs": [], "page": 0}]}', "articles[0].page"),
        ('{"articles": [{"title": "t", "paragraphs": [], "credits": [{"role": "记者"}]}]}', "credits[0].name"),
        ('{"date": "2022/10/12", "articles": []}', "date"),
        ('{"paper": 5, "articles": []}', "edition.paper"),
    ],
)
def test_malformed_editions_name_the_field(text: str, field: str):
    with pytest.raises(InputError, match=field.replace("[", r"\[").replace("]", r"\]")):
        edition_from_json(text)


def test_unknown_fields_are_kept_for_other_readers():
    edition = edition_from_json('{"articles": [], "layout": {"columns": 5}}')
    assert json.loads(edition_to_json(edition))["layout"] == {"columns": 5}
