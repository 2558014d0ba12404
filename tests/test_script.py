"""The script builder: what a newsreader would say, checked against golden scripts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from audiopaper.edition import Article, Credit, Edition, edition_from_json
from audiopaper.normalize.words import cut
from audiopaper.script import build_script, credits_line, default_wording, edition_calls, script_lines
from audiopaper.script.segments import split_for_engine
from tests.conftest import SAMPLE_GOLD, SHORT

GOLDEN = Path(__file__).parent / "golden" / "script"


def article(**fields) -> Article:
    return Article(**{"title": "标题", "paragraphs": ("正文。",), **fields})


@pytest.mark.parametrize(
    ("fields", "spoken"),
    [
        (
            {"credits": (Credit("记者", "胡佳英"), Credit("通讯员", "查放"), Credit("通讯员", "陈明远"))},
            "本报记者胡佳英、通讯员查放、陈明远报道。",
        ),
        (
            {"kind": "photo", "credits": (Credit("摄影", "王强"), Credit("摄影", "徐冰艳"))},
            "王强、徐冰艳摄。",
        ),
        ({"kind": "photo", "credits": (Credit("记者", "王磊"),)}, "本报记者王磊摄。"),
        (
            {"kind": "brief", "credits": (Credit("通讯员", "李晨"), Credit("实习生", "田甜"))},
            "以上简讯由通讯员李晨、实习生田甜采写。",
        ),
        ({"dateline": "据新华社电"}, "据新华社报道。"),
        ({"dateline": "新华社北京5月17日电", "credits": (Credit("记者", "李明"),)}, "新华社记者李明报道。"),
        ({"credits": (Credit("记者", "王磊"), Credit("实习生", "张三"))}, "本报记者王磊、实习生张三报道。"),
        ({}, None),
    ],
)
def test_credits_as_broadcast_says_them(fields: dict, spoken: str | None):
    assert credits_line(article(**fields), default_wording()) == spoken


def test_golden_script_of_the_short_edition():
    """The whole script of a small edition, compared line by line with a golden file."""
    expected = (GOLDEN / "short.txt").read_text("utf-8").splitlines()
    edition = edition_from_json(SHORT.read_text("utf-8"))
    assert list(script_lines(build_script(edition, "临溪日报"))) == expected


def test_opening_greets_and_has_paper_date_weekday_news_count_and_rundown():
    edition = edition_from_json(SHORT.read_text("utf-8"))
    opening = build_script(edition, "临溪日报").opening[0]
    assert opening.written.startswith(
        "各位听众早上好，欢迎收听临溪日报有声版。今天是2023年5月18日，星期四。今天共有1条新闻。"
    )
    assert "二零二三年五月十八日，星期四" in opening.spoken and "一条新闻" in opening.spoken
    # the photo 晨练 is no news headline
    assert opening.written.endswith("主要内容有：临溪启动老旧小区改造。")


def test_notices_never_reach_the_script():
    edition = edition_from_json(SHORT.read_text("utf-8"))
    text = "\n".join(script_lines(build_script(edition, "临溪日报")))
    assert "遗失" not in text and "身份证" not in text


def test_sections_follow_the_papers_pages_with_their_names():
    edition = edition_from_json(SHORT.read_text("utf-8"))
    edition = Edition(articles=edition.articles, paper="临溪日报", date=None, extra={"pages": {"1": "要闻"}})
    script = build_script(edition, "临溪日报")
    assert [s.title for s in script.sections] == ["第1版，要闻", "第2版"]
    assert [seg.spoken for s in script.sections for seg in s.intro] == ["下面请听第一版，要闻。", "接下来请听第二版。"]


def test_articles_stand_alone():
    """A clip is played by itself on the radio: no section intro, no 'next' inside it."""
    edition = edition_from_json(SAMPLE_GOLD.read_text("utf-8"))
    for item in build_script(edition, "平湖日报").articles:
        parts = [s.part for s in item.segments]
        assert parts[0] in ("title", "cue") and set(parts) <= {"cue", "title", "credits", "body"}
        assert not any("请听" in s.written for s in item.segments)


def test_topic_sections_by_keyword_rules():
    edition = edition_from_json(SAMPLE_GOLD.read_text("utf-8"))
    script = build_script(edition, "平湖日报", sections="topics", topics={"党建": "党建,党员", "经济": "景区,产业"})
    titles = {s.title: [a.article.title for a in s.articles] for s in script.sections}
    assert "两新党建有活力 林埭发展添动力" in titles["党建"]
    assert "平湖新增一 国家3A级旅游景区" in titles["经济"]
    assert titles["图片新闻"] == ["智慧化改造"]
    assert list(titles)[-1] == "图片新闻"


def test_wording_comes_from_config():
    edition = edition_from_json(SHORT.read_text("utf-8"))
    script = build_script(edition, "临溪日报", wording={"closing": "{paper}播报完毕。"})
    assert script.closing[0].written == "临溪日报播报完毕。"


def test_no_digit_reaches_the_engine_and_names_are_read_right():
    edition = edition_from_json(SAMPLE_GOLD.read_text("utf-8"))
    lines = script_lines(build_script(edition, "平湖日报"))
    assert not any(re.search(r"[0-9０-９]", line) for line in lines)
    spoken = "\n".join(lines)
    assert "通讯员渣放" in spoken  # 查 as a surname is zhā
    assert "林代" in spoken and "林埭" not in spoken


def test_segments_fit_the_limit_and_never_cut_a_word():
    text = "".join(json.loads(SAMPLE_GOLD.read_text("utf-8"))["articles"][0]["paragraphs"])
    pieces = split_for_engine(text, max_bytes=300)
    assert "".join(pieces) == text
    assert all(len(p.encode()) <= 300 for p in pieces)
    boundaries = set()
    position = 0
    for word in cut(text):
        position += len(word)
        boundaries.add(position)
    position = 0
    for piece in pieces[:-1]:
        position += len(piece)
        assert position in boundaries


def test_pooled_calls_carry_every_items_segments_in_order_and_fit_the_limit():
    script = build_script(edition_from_json(SAMPLE_GOLD.read_text("utf-8")), "平湖日报", default_wording())
    items = [segments for _, _, segments in script.items()]
    alone, alone_shares = edition_calls(items)
    pooled, shares = edition_calls(items, pool=True, max_bytes=2000)
    assert len(pooled) < len(alone)
    assert all(len(s.segments) == len(c.segments) for shares_ in alone_shares for s in shares_ for c in [alone[s.call]])
    # The opening, the section intros and every title and credit line: one anchor call.
    anchor = [c for c in pooled if c.role == "anchor"]
    assert len(anchor) == 1 and all(len(c.spoken.encode()) <= 2000 for c in pooled)
    # Each item reads back exactly its own segments, in order, from the pooled calls.
    for segments, mine in zip(items, shares, strict=True):
        read = [pooled[s.call].segments[i] for s in mine for i in s.segments]
        assert read == list(segments)
    # Every segment of every call is read by exactly one item.
    used = sorted((s.call, i) for mine in shares for s in mine for i in s.segments)
    assert used == sorted((n, i) for n, c in enumerate(pooled) for i in range(len(c.segments)))


def test_calls_are_asked_for_longest_item_first_within_each_window():
    from audiopaper.build import issue_order
    from audiopaper.script import Segment

    def body(n: int) -> tuple[Segment, ...]:
        return (Segment("字" * n + "。", "字" * n + "。", "reporter", "body"),)

    items = [body(10), body(300), body(50), body(400), body(20)]
    calls, shares = edition_calls(items, max_bytes=600)
    assert issue_order(calls, shares, window=1) == list(range(len(calls)))
    order = issue_order(calls, shares, window=3)
    assert sorted(order) == list(range(len(calls)))
    assert order == [1, 2, 0, 3, 4]  # 300 before 50 before 10; then 400 before 20
