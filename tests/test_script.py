"""The script builder: what a newsreader would say, checked against golden scripts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from audiopaper.core.chinese import cut
from audiopaper.edition import Article, Credit, Edition, PageName, edition_from_json
from audiopaper.script import (
    build_script,
    credits_line,
    default_wording,
    edition_calls,
    headline_pauses,
    script_lines,
)
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
    edition = Edition(articles=edition.articles, paper="临溪日报", date=None, pages=(PageName(1, "要闻"),))
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
    items = [item.segments for item in script.items()]
    alone_plan, pooled_plan = edition_calls(items), edition_calls(items, pool=True, max_bytes=2000)
    alone, alone_shares = alone_plan.calls, alone_plan.shares
    pooled, shares = pooled_plan.calls, pooled_plan.shares
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
    from audiopaper.script import Segment
    from audiopaper.tts.plan import issue_order

    def body(n: int) -> tuple[Segment, ...]:
        return (Segment("字" * n + "。", "字" * n + "。", "reporter", "body"),)

    items = [body(10), body(300), body(50), body(400), body(20)]
    plan = edition_calls(items, max_bytes=600)
    assert issue_order(plan, window=1) == list(range(len(plan.calls)))
    order = issue_order(plan, window=3)
    assert sorted(order) == list(range(len(plan.calls)))
    assert order == [1, 2, 0, 3, 4]  # 300 before 50 before 10; then 400 before 20


RULES = Path(__file__).parent / "data" / "rules.json"  # an edition showing every reading rule


def rules_script():
    return build_script(edition_from_json(RULES.read_text("utf-8")), "溪南日报")


def test_golden_script_of_the_rules_edition():
    """Scores, ratios, units, +, 90后, PM10, addresses, service numbers, names with their
    surname's reading in every article, the polyphone lexicon, photos, briefs, headline
    pauses: the whole script, line by line."""
    expected = (GOLDEN / "rules.txt").read_text("utf-8").splitlines()
    assert list(script_lines(rules_script())) == expected


def test_transcripts_keep_the_printed_text():
    segments = [s for _, s in rules_script().segments()]
    written = "".join(s.written for s in segments)
    spoken = "".join(s.spoken for s in segments)
    for printed, said in [("网格长", "网格掌"), ("单书记", "善书记"), ("69:50", "六十九比五十"), ("元/斤", "元每斤")]:
        assert printed in written and printed not in spoken and said in spoken


def test_a_name_is_read_the_same_in_every_article():
    script = rules_script()
    first, second = (a for a in script.articles[:2])
    for item in (first, second):
        body = "".join(s.spoken for s in item.segments if s.part == "body")
        assert "善雪" in body and "善书记" in body and "单雪" not in body and "单书记" not in body


def test_photo_cue_title_caption_then_credit():
    photo = next(a for a in rules_script().articles if a.article.kind == "photo")
    assert [s.part for s in photo.segments] == ["cue", "title", "body", "credits"]
    assert photo.segments[0].spoken == "图片新闻。"
    assert photo.segments[-1].spoken == "本报记者王磊摄。"


def test_brief_items_each_with_its_own_credit_after_it():
    brief = next(a for a in rules_script().articles if a.article.title == "溪南简讯")
    said = [(s.part, s.spoken) for s in brief.segments]
    assert said[0] == ("cue", "下面是简讯。")
    assert (
        said[2][0] == "body"
        and said[2][1].startswith("县图书馆新增分馆")
        and said[3] == ("credits", "通讯员叶青青报道。")
    )
    assert said[4][1].startswith("农商航推出助农贷款") and said[5][1].startswith("溪南至杭州班车加密")
    assert said[6] == ("credits", "本报记者渣明、实习生田甜报道。")
    # the item credits are read as credits, not left in the item's text
    assert not any("（" in s for _, s in said)


def test_brief_credits_given_for_the_whole_column_come_after_its_last_item():
    brief = next(a for a in rules_script().articles if a.article.title == "经济快讯")
    parts = [s.part for s in brief.segments]
    assert parts == ["cue", "title", "body", "body", "credits"]
    assert brief.segments[-1].spoken == "以上简讯由通讯员陈思远、本报记者欧伟明采写。"


def test_rundown_names_news_headlines_only_and_counts_news():
    opening = rules_script().opening[0]
    assert "今天共有两条新闻" in opening.spoken
    assert "全县小麦机收进度过半" in opening.written
    assert "稻田插秧忙" not in opening.written and "简讯" not in opening.written


@pytest.mark.parametrize(
    ("printed", "paused"),
    [
        ("麦浪翻滚 夏收在即", "麦浪翻滚，夏收在即"),
        ("市人大常委会召开座谈会 助推经济稳进提质", "市人大常委会召开座谈会，助推经济稳进提质"),
        ("县篮球联赛昨晚收官城关队以69:50战胜溪口队夺得冠军", "县篮球联赛昨晚收官城关队，以69:50战胜溪口队夺得冠军"),
        (
            "全面深化除险保安聚焦聚力平安建设以实际行动迎接党的二十大胜利召开",
            "全面深化除险保安聚焦聚力平安建设，以实际行动迎接党的二十大胜利召开",
        ),
        ("二十四个字的标题不要停顿也能一口气读完的长度呀", "二十四个字的标题不要停顿也能一口气读完的长度呀"),
        # each run between punctuation counts by itself
        ("县里开会，已有标点的长标题不再另加停顿哪怕它很长", "县里开会，已有标点的长标题不再另加停顿哪怕它很长"),
    ],
)
def test_headline_pauses(printed: str, paused: str):
    assert headline_pauses(printed) == paused


def test_a_column_titled_only_jianxun_is_not_announced_twice():
    brief = Article(title="简讯", kind="brief", paragraphs=("县图书馆开放。（通讯员 李晨）",))
    said = [s.spoken for s in build_script(Edition(articles=(brief,)), "临溪日报").articles[0].segments]
    assert said == ["下面是简讯。", "县图书馆开放。", "通讯员李晨报道。"]


def test_a_papers_older_photo_wording_still_works():
    photo = article(kind="photo", credits=(Credit("摄影", "王强"),))
    assert credits_line(photo, {**default_wording(), "photo_credits": "摄影:{names}。"}) == "摄影:王强。"
