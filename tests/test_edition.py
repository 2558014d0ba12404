"""The edition format: the contract between normalizer, editors and script builder."""

from __future__ import annotations

import json
import re

import pytest

from audiopaper.edition import PageName, comparable, edition_from_json, edition_to_json
from audiopaper.errors import InputError
from audiopaper.normalize import edition_from_markdown
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
        ('{"paper": 5, "articles": []}', "malformed edition: paper: expected a string"),
    ],
)
def test_malformed_editions_name_the_field(text: str, field: str):
    with pytest.raises(InputError, match=field.replace("[", r"\[").replace("]", r"\]")):
        edition_from_json(text)


def test_unknown_fields_are_kept_for_other_readers():
    edition = edition_from_json('{"articles": [], "layout": {"columns": 5}}')
    assert json.loads(edition_to_json(edition))["layout"] == {"columns": 5}


# One defect, written both ways an editor may hand an edition in: the same rule refuses both.
DEFECTS = [
    # (what is wrong, the JSON article/edition fields, the Markdown, the field the message names)
    ("empty title", {"title": " "}, "# \n", "title"),
    ("page not a number", {"page": "一"}, "# 标题\n- 版面: 一\n", "page"),
    ("page zero", {"page": 0}, "# 标题\n- 版面: 0\n", "page"),
    ("page beyond any paper", {"page": 100000}, "# 标题\n- 版面: 100000\n", "page"),
    ("unknown kind", {"kind": "广告"}, "# 标题\n- 类型: 广告\n", "kind"),
    ("credit without a name", {"credits": [{"role": "记者", "name": ""}]}, "# 标题\n- 署名: 记者\n", "name"),
    ("a control character", {"title": "标\x07题"}, "# 标\x07题\n", "U+0007"),
]


@pytest.mark.parametrize(("what", "fields", "md", "named"), DEFECTS, ids=[d[0] for d in DEFECTS])
def test_json_and_markdown_are_refused_by_the_same_rule(what: str, fields: dict, md: str, named: str):
    article = {"title": "标题", "paragraphs": ["正文。"], **fields}
    with pytest.raises(InputError, match=re.escape(named)) as from_json:
        edition_from_json(json.dumps({"articles": [article]}))
    with pytest.raises(InputError, match=re.escape(named)) as from_md:
        edition_from_markdown(md + "\n正文。\n")
    # The same words after the field's place: "articles[0].page: ..." / "article 1 (line 1).page: ..."
    assert str(from_json.value).split(named, 1)[1] == str(from_md.value).split(named, 1)[1]


@pytest.mark.parametrize("date", ["2023-02-30", "../../x", "2023-13-01", "tomorrow"])
def test_a_front_matter_date_is_checked_as_the_json_date_is(date: str):
    with pytest.raises(InputError, match="is not an ISO date") as from_json:
        edition_from_json(json.dumps({"date": date, "articles": []}))
    with pytest.raises(InputError, match="is not an ISO date") as from_md:
        edition_from_markdown(f"---\ndate: {date}\n---\n\n# 标题\n\n正文。\n")
    assert str(from_json.value).split("date: ")[-1] == str(from_md.value).split("date: ")[-1]


def test_markdown_front_matter_keeps_what_it_does_not_know_as_json_does():
    edition = edition_from_markdown("---\npaper: 临溪日报\nlayout: 5\n---\n\n# 标题\n\n正文。\n")
    assert edition.extra == {"layout": "5"} and edition.paper == "临溪日报"


def test_pages_are_read_and_written_in_their_json_shape():
    text = '{"articles": [], "pages": {"2": "经济", "1": "要闻"}}'
    edition = edition_from_json(text)
    assert edition.pages == (PageName(2, "经济"), PageName(1, "要闻"))
    assert (edition.page_name(1), edition.page_name(2), edition.page_name(3)) == ("要闻", "经济", None)
    written = edition_to_json(edition)
    assert written.endswith('\n "pages": {\n  "2": "经济",\n  "1": "要闻"\n }\n}\n')
    assert edition_from_json(written) == edition


@pytest.mark.parametrize(
    ("pages", "named"),
    [
        ('{"1": "要闻", "01": "经济"}', "pages: page 1 is named twice"),
        ('{"0": "要闻"}', "pages: '0' is not a page number from 1 to 999"),
        ('{"1": "要闻", "2": 2}', "pages.2: expected a string"),
        ('{"1": "要闻", "一": "经济"}', "pages: '一' is not a page number from 1 to 999"),
    ],
)
def test_bad_page_names_are_named(pages: str, named: str):
    with pytest.raises(InputError, match=re.escape(named)):
        edition_from_json('{"articles": [], "pages": ' + pages + "}")
