"""The normalizer against hand-checked editions, and on bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from audiopaper.edition import Edition, comparable, edition_from_json
from audiopaper.errors import InputError
from audiopaper.normalize import edition_from_markdown, edition_to_markdown, normalize, normalize_with_ledger
from audiopaper.normalize.layout import source_lines
from audiopaper.normalize.ledger import audit, body_like

HERE = Path(__file__).parent
SAMPLE = HERE / "data" / "000_cbe0a290ce09cb7e.txt"
PAGES = sorted((HERE / "pages").glob("*.txt"))


def _gold(txt: Path) -> Edition:
    return edition_from_json(txt.with_suffix(".gold.json").read_text(encoding="utf-8"))


def _diff(got: Edition, gold: Edition) -> str:
    a, b = comparable(got), comparable(gold)
    lines = [f"{len(a)} articles, gold has {len(b)}"]
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        for key in y:
            if x.get(key) != y.get(key):
                lines.append(f"article {i} {key}: {x.get(key)!r:.200} != {y.get(key)!r:.200}")
    return "\n".join(lines)


def test_sample_matches_gold() -> None:
    got = normalize(SAMPLE.read_text(encoding="utf-8"), source=SAMPLE.name)
    gold = _gold(SAMPLE)
    assert comparable(got) == comparable(gold), _diff(got, gold)
    assert got.source == SAMPLE.name


def test_sample_warns_where_text_may_be_lost() -> None:
    got = normalize(SAMPLE.read_text(encoding="utf-8"))
    where = {(w.article, w.paragraph) for w in got.warnings}
    # 不仅要|师傅们: the column break lost words; an editor must look at it.
    assert (5, 2) in where
    assert all(w.article is not None and w.article < len(got.articles) for w in got.warnings)


@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_pages_match_gold(page: Path) -> None:
    got = normalize(page.read_text(encoding="utf-8"), source=page.name)
    gold = _gold(page)
    assert comparable(got) == comparable(gold), _diff(got, gold)
    assert (got.paper, got.date) == (gold.paper, gold.date)
    assert got.pages == gold.pages


@pytest.mark.parametrize("page", [SAMPLE, *PAGES], ids=[p.stem for p in [SAMPLE, *PAGES]])
def test_every_printed_character_has_one_destination(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    got, ledger = normalize_with_ledger(text)
    assert audit(source_lines(text), got, ledger) == []
    # What the edition keeps of the ledger: each paragraph's lines, and what was dropped, why.
    lines = source_lines(text)
    for a in got.articles:
        assert len(a.lines) == len(a.paragraphs)
        for par, numbers in zip(a.paragraphs, a.lines, strict=True):
            printed = "".join("".join(lines[n - 1].split()) for n in numbers)
            assert "".join(par.split())[:6] in printed
    assert all(d.text in lines[d.line - 1] and not body_like(d.text) for d in got.dropped)
    assert {d.reason for d in got.dropped} <= {
        "page header",
        "editor line",
        "jump marker",
        "bullet",
        "repeated headline of a continued article",
    }


def test_a_ledger_that_loses_or_doubles_text_is_caught() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    got, ledger = normalize_with_ledger(text)
    lines = source_lines(text)
    assert any("no destination" in p for p in audit(lines, got, ledger[1:]))
    assert any("two destinations" in p for p in audit(lines, got, [*ledger, ledger[5]]))


def test_enough_pages_of_our_own() -> None:
    assert len(PAGES) >= 3
    for page in PAGES:
        assert page.with_suffix(".gold.json").exists()


def test_crlf_bom_and_fullwidth_spaces_change_nothing() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    variant = "\ufeff" + text.replace("\n", "\r\n").replace("本报讯 ", "本报讯\u3000")
    assert comparable(normalize(variant)) == comparable(normalize(text))


def test_dense_layout_of_the_sample() -> None:
    """One paragraph per line without blank lines; pages apart by a form feed."""
    text = SAMPLE.read_text(encoding="utf-8")
    head, _, tail = text.strip("\n").partition("\n\n\n\n")
    dense = "\n".join(x for x in head.split("\n") if x) + "\n\f\n" + "\n".join(x for x in tail.split("\n") if x)
    got = normalize(dense)
    gold = _gold(SAMPLE)
    assert comparable(got) == comparable(gold), _diff(got, gold)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n\n\n",
        "\ufeff",
        "全面深化除险保安\n\n以实际行动迎接胜利召开\n",
        "临溪日报 2023年5月18日 星期四 第2版:综合 责任编辑:沈建明\n校对:王五 美编:赵六\n",
        "\f\f\f",
        "■记者 王磊\n",
        "(下转第2版)\n",
    ],
)
def test_bad_input_gives_empty_edition_with_warning(text: str) -> None:
    got = normalize(text)
    assert got.articles == ()
    assert got.warnings


def test_furniture_only_still_names_paper_and_date() -> None:
    got = normalize("临溪日报 2023年5月18日 星期四 第2版:综合 责任编辑:沈建明\n")
    assert (got.paper, got.date) == ("临溪日报", "2023-05-18")


def test_non_text_is_an_input_error() -> None:
    with pytest.raises(InputError):
        normalize(b"bytes")  # type: ignore[arg-type]


def test_explicit_jump_markers_are_stitched_and_removed() -> None:
    text = (
        "甲县举行春季植树活动\n\n■记者 张明\n\n"
        "本报讯 3月12日,甲县在城北山区举行义务植树活动,共栽种各类苗木\n\n"
        "(下转第2版)\n\n\n\n乙县新建公园开放\n\n本报讯 昨天,乙县新建的滨河公园正式开放。\n\n"
        "甲县举行春季植树活动\n\n(上接第1版)\n\n"
        "3000余株。活动现场,干部群众挥锹铲土、扶苗培土,干劲十足。\n"
    )
    got = normalize(text)
    assert [a.title for a in got.articles] == ["甲县举行春季植树活动", "乙县新建公园开放"]
    first = got.articles[0]
    assert first.paragraphs == (
        "3月12日,甲县在城北山区举行义务植树活动,共栽种各类苗木3000余株。活动现场,干部群众挥锹铲土、扶苗培土,干劲十足。",
    )
    assert not any("转" in p or "接第" in p for a in got.articles for p in a.paragraphs)


def test_markdown_round_trip() -> None:
    for path in [SAMPLE, *PAGES]:
        edition = normalize(path.read_text(encoding="utf-8"), source=path.name)
        md = edition_to_markdown(edition)
        back = edition_from_markdown(md)
        assert back == edition
        assert back.extra == edition.extra
        assert md.count("\n# ") == len(edition.articles)


def test_markdown_escapes_paragraphs_that_look_like_syntax() -> None:
    edition = normalize("标题一\n\n本报讯 正文。\n")
    tricky = edition.articles[0].__class__(title="标题", paragraphs=("# 不是标题。", "- 不是元数据", "\\反斜杠"))
    e = Edition(articles=(tricky,))
    assert edition_from_markdown(edition_to_markdown(e)).articles == e.articles


def test_jieba_stays_quiet_on_stderr() -> None:
    code = f"from audiopaper.normalize import normalize;normalize(open({str(SAMPLE)!r}, encoding='utf-8').read())"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=HERE.parent)
    assert proc.stderr == ""


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("本报记者 王强 通讯员 李明 摄", [("摄影", "王强"), ("摄影", "李明")]),
        ("本报记者 王磊 文 李四 摄", [("记者", "王磊"), ("摄影", "李四")]),
        ("■文/本报记者 王磊 图/通讯员 李四", [("记者", "王磊"), ("摄影", "李四")]),
        ("王磊、李明 摄", [("摄影", "王磊"), ("摄影", "李明")]),
        ("记者 王磊 摄影 李四", [("记者", "王磊"), ("摄影", "李四")]),
        # A hard wrap ate the space between a name and the next role.
        ("(记者 赵立军实习生 何雨桐)", [("记者", "赵立军"), ("实习生", "何雨桐")]),
        ("见习记者孙七", [("见习记者", "孙七")]),
        # A media-convergence reporter is a reporter, whatever the outlet calls the desk.
        ("(融媒体记者 叶子涵)", [("记者", "叶子涵")]),
        ("全媒体记者 魏思远 通讯员 柯岚", [("记者", "魏思远"), ("通讯员", "柯岚")]),
        ("融媒记者 吕方", [("记者", "吕方")]),
        ("(云溪县融媒体中心记者 邬桐)", [("记者", "邬桐")]),
        ("(石桥日报融媒体记者 骆冰)", [("记者", "骆冰")]),
    ],
)
def test_credit_lines_as_an_editor_reads_them(line: str, expected: list[tuple[str, str]]) -> None:
    from audiopaper.normalize.credits import parse_credits

    assert [(c.role, c.name) for c in parse_credits(line) or []] == expected


def test_a_media_convergence_reporter_in_a_dateline_is_a_credit() -> None:
    page = "禾田镇稻谷开镰\n\n本报讯(融媒体记者 叶子涵)9月10日,禾田镇三千亩早稻开镰收割,预计亩产超过千斤。\n"
    (article,) = normalize(page).articles
    assert article.dateline == "本报讯"
    assert [(c.role, c.name) for c in article.credits] == [("记者", "叶子涵")]
    assert article.paragraphs == ("9月10日,禾田镇三千亩早稻开镰收割,预计亩产超过千斤。",)


@pytest.mark.parametrize("byline", ["(通讯员 蓝月)", "(记者 陈松年)", "(记者 何晓月 通讯员 朱鹤年)"])
def test_a_closing_bracketed_byline_after_an_open_dateline_is_a_credit(byline: str) -> None:
    """Names ending in 月 or 年 are names after a role: not the 今年, 上月 of a sentence."""
    page = (
        "社区合唱团周末开唱\n\n本报讯 由街道文化站主办的社区合唱比赛,将于周六晚在广场举行。"
        + byline
        + "\n\n新桥通车\n\n本报讯(记者 王强)今天上午,城南新桥正式通车。\n"
    )
    first, second = normalize(page).articles
    assert first.paragraphs == ("由街道文化站主办的社区合唱比赛,将于周六晚在广场举行。",)
    names = [t for t in byline.strip("()").split() if t not in ("记者", "通讯员")]
    assert [c.name for c in first.credits] == names
    assert [(c.role, c.name) for c in second.credits] == [("记者", "王强")]


@pytest.mark.parametrize("tail", ["(记者 今年)", "(通讯员 上月)", "(记者 岁月)"])
def test_a_time_word_in_a_closing_bracket_is_no_name(tail: str) -> None:
    from audiopaper.normalize.credits import split_trailing_credits

    assert split_trailing_credits("活动将于周六举行。" + tail)[1] == []


def test_a_title_ending_in_notice_is_a_notice_only_with_a_notice_body_or_signature() -> None:
    page = "\n\n".join(
        [
            "停气通知",
            "因燃气管道改线,4月12日9:00至16:00,城西片区和平路、建设路一带暂停供气,请用户关好阀门。",
            "石岭县燃气有限公司",
            "2025年4月9日",
            "县教育局发布秋季开学通知",
            "本报讯(记者 杜若)县教育局昨日发布通知,全县中小学将于9月1日开学,各校须在开学前完成校舍安全检查。",
            "通知要求,各校要做好新生入学的各项准备。",
            "关于开展消防演练的通知",
            "各住户:定于5月8日上午在小区中心广场开展消防演练,请各位业主准时参加。特此通知。",
        ]
    )
    notice, news, drill = normalize(page).articles
    assert (notice.title, notice.kind) == ("停气通知", "notice")
    assert notice.paragraphs[-2:] == ("石岭县燃气有限公司", "2025年4月9日")
    assert (news.title, news.kind) == ("县教育局发布秋季开学通知", "news")
    assert [(c.role, c.name) for c in news.credits] == [("记者", "杜若")]
    assert (drill.title, drill.kind) == ("关于开展消防演练的通知", "notice")


@pytest.mark.parametrize(
    "header",
    [
        "溪口日报\n2025年6月3日 星期二\n第2版 民生",
        "第2版 民生\n溪口日报\n2025年6月3日",
        "溪口日报\n\n2025年6月3日 星期二 农历五月初八\n\n第2版 民生",
    ],
)
def test_a_page_header_printed_over_several_lines_is_one_header(header: str) -> None:
    page = (
        header + "\n\n老街改造\n溪口镇老街完成风貌提升\n——青石板路重现旧时模样\n\n"
        "本报讯(记者 顾帆)6月2日,溪口镇老街风貌提升工程完工,两百多米长的青石板路重新铺就。\n\n"
        "溪口日报\n\n"
        "2025年6月1日\n\n"
        "镇里说,下一步将在老街引入非遗工坊。\n"
    )
    edition, ledger = normalize_with_ledger(page)
    assert (edition.paper, edition.date) == ("溪口日报", "2025-06-03")
    assert [(p.number, p.name) for p in edition.pages] == [(2, "民生")]
    article = edition.articles[0]
    assert (article.kicker, article.title, article.subtitle) == (
        "老街改造",
        "溪口镇老街完成风貌提升",
        "青石板路重现旧时模样",
    )
    headers = [e.text for e in ledger if e.dest.field == "page header"]
    assert sorted(headers) == sorted(t for t in header.split("\n") if t)
    # A lone paper-name or date line further down is not a page header.
    assert not any(e.text in ("溪口日报", "2025年6月1日") and e.line > 4 for e in ledger if e.dest.dropped)


def test_closing_byline_after_the_text_belongs_to_that_article() -> None:
    text = (
        "老旧电梯换新\n\n“现在换了新电梯,又快又稳。”陈大妈说。\n\n■见习记者 董佳慧\n\n"
        "分类广告\n\n房屋出租:三室两厅,月租2500元。联系电话:13805711234\n\n"
        "招聘:某物流公司招聘货车司机5名。联系电话:0570-7123456\n"
    )
    got = normalize(text)
    assert [a.title for a in got.articles] == ["老旧电梯换新", "分类广告"]
    assert [(c.role, c.name) for c in got.articles[0].credits] == [("见习记者", "董佳慧")]
    # An ad's item ends on its telephone number; the next item is not glued to it.
    assert len(got.articles[1].paragraphs) == 2


def test_a_body_line_before_a_headline_stays_with_its_article_and_a_kicker_stays_a_kicker() -> None:
    text = (
        "城东菜市场改造后重新开张\n\n"
        "本报讯 3月7日,城东菜市场改造完成后重新开张,200多个摊位全部换上了统一的不锈钢台面。\n\n"
        "市场管理方介绍,改造后的菜市场增加了农残快速检测室,每天抽检蔬菜不少于30批次。\n\n"
        "本次改造由区商务局和城东街道共同出资完成总投资约四百万元\n\n"
        "第十二届松岭茶文化节\n\n春茶飘香迎客来\n\n"
        "本报讯 3月6日,第十二届松岭茶文化节在茶园镇开幕,来自各地的茶商和游客在茶山间品新茶、看采茶。\n"
    )
    got = normalize(text)
    market, tea = got.articles
    # Unpunctuated and long, it could still be a kicker: it stays with the text it echoes,
    # and the editor is told which line and what else it could have been.
    assert market.paragraphs[-1] == "本次改造由区商务局和城东街道共同出资完成总投资约四百万元"
    assert (tea.kicker, tea.title) == ("第十二届松岭茶文化节", "春茶飘香迎客来")
    [warning] = got.warnings
    assert (warning.article, warning.paragraph, warning.lines) == (0, 2, (7,))
    assert "kicker" in (warning.alternative or "")


def test_a_block_after_a_one_paragraph_wire_story_goes_back_whole() -> None:
    page = HERE / "pages" / "muyang_moved.txt"
    text = page.read_text(encoding="utf-8")
    wire = _gold(page).articles[1]
    for p in wire.paragraphs[1:]:
        text = text.replace(p + "\n\n", "")
    got = normalize(text)
    gold = _gold(page)
    assert comparable(got)[0] == comparable(gold)[0]
    assert got.articles[1].paragraphs == wire.paragraphs[:1]
    assert [(w.article, w.paragraph) for w in got.warnings] == [(0, 3)]


@pytest.mark.parametrize(
    ("line", "number", "name", "paper", "date"),
    [
        ("第3版 要闻 青阳日报 2024年3月8日", 3, "要闻", "青阳日报", "2024-03-08"),
        ("第3版:民生 青阳日报 2024年3月8日 星期五", 3, "民生", "青阳日报", "2024-03-08"),
        ("青阳日报 2024.03.08 星期五 A05 要闻", 5, "要闻", "青阳日报", "2024-03-08"),
        ("A05 要闻 2024.03.08 青阳日报 责任编辑:王五", 5, "要闻", "青阳日报", "2024-03-08"),
        ("第A05版:要闻 2024.03.08", 5, "要闻", None, "2024-03-08"),
        ("A05 2024.03.08 青阳日报", 5, None, "青阳日报", "2024-03-08"),
        ("2024年3月8日 星期五 青阳日报 A3 要闻", 3, "要闻", "青阳日报", "2024-03-08"),
        ("要闻 第3版 青阳日报 2024年3月8日", 3, "要闻", "青阳日报", "2024-03-08"),
        ("第3版 要闻 编辑:王五 青阳日报 2024年3月8日", 3, "要闻", "青阳日报", "2024-03-08"),
        ("星期五 第3版 2024年3月8日", 3, None, None, "2024-03-08"),
    ],
)
def test_page_headers_in_other_orders(line: str, number: int, name: str | None, paper: str | None, date: str) -> None:
    from audiopaper.normalize.furniture import PageHeader, parse_page_header

    assert parse_page_header(line) == PageHeader(number=number, name=name, paper=paper, date=date)


@pytest.mark.parametrize("name", ["songling_endings", "taoxi_wrapped", "muyang_moved"])
@pytest.mark.parametrize("style", ["blank", "dense", "wrap"])
def test_endings_and_question_headlines_in_every_export_style(name: str, style: str) -> None:
    """Unpunctuated last lines, ?/! headlines, epigraphs, subheads, wrapped bylines and a
    misplaced block, laid out again the ways exports lay pages out."""
    from audiopaper.normalize.render import edition_to_text

    gold = _gold(HERE / "pages" / f"{name}.txt")
    for width in (18, 30):
        got = normalize(edition_to_text(gold, style=style, width=width))
        assert comparable(got) == comparable(gold), _diff(got, gold)


def test_an_epigraph_signed_on_a_line_of_its_own_is_one_paragraph() -> None:
    text = (
        "种粮大户的新账本\n\n“手中有粮,心中不慌。”\n\n——题记\n\n"
        "清晨六点,茶园镇下溪村的种粮大户陈永刚已经站在田埂上。\n\n"
        "一、守住田,也守住人\n\n十年前,村里的年轻人大多外出打工,不少田块撂了荒。\n\n记者 杨帆\n"
    )
    [article] = normalize(text).articles
    assert article.paragraphs == (
        "“手中有粮,心中不慌。”——题记",
        "清晨六点,茶园镇下溪村的种粮大户陈永刚已经站在田埂上。",
        "一、守住田,也守住人",
        "十年前,村里的年轻人大多外出打工,不少田块撂了荒。",
    )
    assert [(c.role, c.name) for c in article.credits] == [("记者", "杨帆")]


@pytest.mark.parametrize("sep", ["\n\n", "\n"])
def test_question_and_exclamation_headlines_without_datelines(sep: str) -> None:
    paragraphs = {
        "古镇老街完成风貌改造": [
            "3月6日,历时8个月的古镇老街风貌改造工程完工,石板街重新迎客。",
            "下一步将引进非遗工坊。",
        ],
        "公交站台搬了家,乘客为啥不满意?": [
            "3月4日起,城南大道上的公交站台向东移了约200米。不少乘客反映,新站台离学校远了。",
            "对此,市交通运输局解释,原站台紧挨路口,公交车进出站常常造成拥堵。",
        ],
        "“这堂普法课,来得真及时!”": [
            "“听了这堂课才知道,签合同、借钱都有讲究。”村民吴阿姨边记笔记边说。",
            "当天,市司法局的普法志愿者把“板凳课堂”搬进了村里。",
        ],
    }
    text = sep.join(sep.join([title, *paras]) for title, paras in paragraphs.items()) + "\n"
    got = normalize(text)
    assert [(a.title, a.paragraphs) for a in got.articles] == [(t, tuple(p)) for t, p in paragraphs.items()]


@pytest.mark.parametrize("byline", ["■记者 韩雪 通讯员 蒋立平", "(记者 韩雪 通讯员 蒋立平)"])
def test_a_closing_byline_after_a_misplaced_block_goes_back_with_it(byline: str) -> None:
    page = HERE / "pages" / "muyang_moved.txt"
    gold = _gold(page)
    last = gold.articles[0].paragraphs[-1]
    text = page.read_text(encoding="utf-8").replace("本报讯(记者 韩雪 通讯员 蒋立平)", "本报讯 ")
    text = text.replace(last + "\n", f"{last}\n\n{byline}\n")
    got, ledger = normalize_with_ledger(text)
    assert comparable(got) == comparable(gold), _diff(got, gold)
    assert audit(source_lines(text), got, ledger) == []


@pytest.mark.parametrize(
    "last", ["(据新华社)", "(来源:市应急管理局)", "咨询热线 0571-88881234", "报名地点:牧阳区人力资源市场二楼", "(完)"]
)
def test_an_unpunctuated_last_line_is_never_the_next_kicker(last: str) -> None:
    text = (
        "全国春播粮食面积已过三成\n\n新华社北京4月11日电 记者11日从农业农村部获悉,全国已春播粮食面积超过3亿亩。\n\n"
        f"农业农村部已派出多个工作组,帮助农民抢抓农时、播足播好。\n\n{last}\n\n"
        "牧阳图书馆推出夜间阅读服务\n\n本报讯 从4月15日起,牧阳图书馆自习区将延长开放至晚上10点。\n"
    )
    first, second = normalize(text).articles
    assert first.paragraphs[-1] == last
    assert (second.kicker, second.title) == (None, "牧阳图书馆推出夜间阅读服务")


def test_a_signed_notice_keeps_its_signature_and_the_next_headline_stays_a_headline() -> None:
    """An issuer's line over its date closes the notice it signs: never the kicker and title
    of the article after it (that lost the notice's last lines to the next headline)."""
    page = "\n\n".join(
        [
            "【停水通知】北街片区6月3日停水",
            "因管网改造,6月3日8:00—20:00,北街片区将停水,请用户提前储水。",
            "青河县自来水公司",
            "二〇二五年五月三十日",
            "老街坊的新书屋开张了",
            "本报讯(记者 林 青)5月30日,北街社区书屋开张,首批图书三千余册,居民可免费借阅。",
            "社区主任说,书屋每天开放到晚上九点。",
        ]
    )
    edition = normalize(page)
    notice, news = edition.articles
    assert notice.kind == "notice"
    assert notice.paragraphs[-2:] == ("青河县自来水公司", "二〇二五年五月三十日")
    assert (news.kicker, news.title, news.kind) == (None, "老街坊的新书屋开张了", "news")
