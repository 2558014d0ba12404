"""Pronunciation lexicon: golden cases (input, expected output) on voices/lexicon.tsv."""

from __future__ import annotations

import jieba
import pytest

from audiopaper.script.lexicon import (
    DEFAULT_PATH,
    Change,
    Lexicon,
    LexiconError,
    default_lexicon,
    polyphonic_in_names,
    speak_name,
)


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    # one lexicon for the module: building its jieba tokenizer costs ~1 s
    return default_lexicon()


def test_default_file_is_the_projects() -> None:
    assert DEFAULT_PATH.name == "lexicon.tsv"
    assert DEFAULT_PATH.parent.name == "voices"
    lx = Lexicon.load(DEFAULT_PATH)
    assert lx.words["林埭"] == "林代"
    assert lx.surnames["查"] == "渣"


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("带来林埭一起生活", "带来林代一起生活"),
        ("林埭镇两新党建", "林代镇两新党建"),
        ("当湖街道、钟埭街道、新埭镇", "当湖街道、钟代街道、新代镇"),
        # surnames are never replaced as words: 查 in 排查, 单 in 单位, 曾 in 曾经
        ("开展排查整治行动，单位曾经报告", "开展排查整治行动，单位曾经报告"),
        ("全市深化除险保安", "全市深化除险保安"),
    ],
)
def test_apply_words(lexicon: Lexicon, written: str, spoken: str) -> None:
    assert lexicon.apply(written)[0] == spoken


def test_apply_records_changes_at_input_positions(lexicon: Lexicon) -> None:
    text = "扎根林埭，钟埭社区"
    spoken, changes = lexicon.apply(text)
    assert spoken == "扎根林代，钟代社区"
    assert changes == [Change("林埭", "林代", 2), Change("钟埭", "钟代", 5)]
    for change in changes:
        assert text[change.position : change.position + len(change.written)] == change.written


def test_apply_only_at_word_boundaries() -> None:
    # an entry that is also part of longer words must not fire inside them
    lx = Lexicon.parse("平湖\t平胡\n")
    assert lx.apply("平湖市平湖人")[0] == "平湖市平胡人"


def test_lexicon_words_join_the_one_shared_dictionary(lexicon: Lexicon) -> None:
    lexicon.apply("林埭")
    assert lexicon._tokenizer is jieba.dt
    assert "林埭" in jieba.dt.FREQ


@pytest.mark.parametrize(
    ("name", "spoken"),
    [
        ("查放", "渣放"),
        ("华婷婷", "化婷婷"),
        ("单霁翔", "善霁翔"),
        ("曾志伟", "增志伟"),
        ("仇和", "求和"),
        ("区伟明", "欧伟明"),
        ("解振华", "谢振华"),
        ("朴槿惠", "瓢槿惠"),
        ("盖叫天", "舸叫天"),
        ("尉迟恭", "玉迟恭"),
        ("万俟卨", "莫其卨"),
        ("长孙无忌", "掌孙无忌"),
        ("王强", "王强"),
        (" 胡佳英 ", "胡佳英"),
        ("查", "查"),  # a bare surname is not a name we can speak for
    ],
)
def test_speak_name(name: str, spoken: str) -> None:
    assert speak_name(name) == spoken


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("通讯员单霁翔说", "通讯员善霁翔说"),
        ("解振华表示，曾庆红出席", "谢振华表示，增庆红出席"),
        # jieba tags 朴素 as a person name; a dictionary word is not believed
        ("朴素的作风，排查单位", "朴素的作风，排查单位"),
        ("带来林埭一起", "带来林代一起"),
    ],
)
def test_apply_names_in_body_text(lexicon: Lexicon, written: str, spoken: str) -> None:
    assert lexicon.apply(written, names=True)[0] == spoken


def test_polyphonic_in_names(lexicon: Lexicon) -> None:
    found = polyphonic_in_names("市委书记仲旭东出席。", known_names=["纪亚千", "查放", "胡佳英"])
    by_name = {p.name: p for p in found}
    # 纪 is jǐ or jì as a surname: the lexicon has not decided it
    assert "纪" in by_name["纪亚千"].readings
    assert by_name["纪亚千"].position == -1
    # 查 is decided by the lexicon, 放 has one modern reading
    assert "查放" not in by_name


def test_polyphonic_in_names_skips_decided_full_names() -> None:
    lx = Lexicon.parse("纪亚千\t纪亚千\n")
    assert lx.polyphonic_in_names("", known_names=["纪亚千"]) == []


def test_parse_ignores_comments_and_blank_lines() -> None:
    lx = Lexicon.parse("# comment\n\n林埭\t林代\n查\t渣\tsurname\n")
    assert lx.words == {"林埭": "林代"}
    assert lx.surnames == {"查": "渣"}


@pytest.mark.parametrize(
    "line", ["林埭", "林埭\t", "查\t渣\tplace", "a\tb\tc\td", "a\tb\t\tc\te", "种粮\t众粮\t\tzhong4"]
)
def test_parse_rejects_malformed_lines(line: str) -> None:
    with pytest.raises(LexiconError, match=":1:"):
        Lexicon.parse(line + "\n")


def test_known_names_from_credits_titles_and_roles(lexicon: Lexicon) -> None:
    texts = [
        "市委书记单雪出席会议。单书记强调，要抓好落实。",
        "记者曾力报道，曾局长表示，他曾任市长，曾多次获得表彰。解先生和查处主任都在。",
        "简单书记不是名字，排查单位也不是。刘阿姨说，王强说。",
        "区委员会召开会议。他曾代表公司发言。为解老人之忧，单位想办法。",
    ]
    known = lexicon.known_names(texts, credited=["任国强", "王强"])
    assert known == {
        "任国强": "人国强",  # a credit
        "单雪": "善雪",  # before a title, kept whole by the tagger
        "单书记": "善书记",  # a surname with a title
        "曾力": "增力",  # after a role
        "曾局长": "增局长",
        "解先生": "谢先生",
    }


def test_a_known_name_is_read_the_same_everywhere(lexicon: Lexicon) -> None:
    known = lexicon.known_names([], credited=["曾力"])
    # jieba alone would not take 曾力 for a name in either sentence
    text = "曾力说，曾经的单位；曾力到村里，单书记也来了。"
    spoken, changes = lexicon.apply(text, known=known | {"单书记": "善书记"})
    assert spoken == "增力说，曾经的单位；增力到村里，善书记也来了。"
    assert [c.written for c in changes] == ["曾力", "曾力", "单书记"]


ENTRIES = [
    pytest.param(kind, written, spoken, id=f"{kind or 'word'}:{written}")
    for kind, table in (("", default_lexicon().words), ("surname", default_lexicon().surnames))
    for written, spoken in table.items()
]


@pytest.mark.parametrize(("kind", "written", "spoken"), ENTRIES)
def test_every_entry_reads_as_reviewed(kind: str, written: str, spoken: str) -> None:
    """pypinyin reads the substitute exactly as the entry's reviewed reading says, and each
    character put in has a single modern reading, so no voice can read it otherwise."""
    from pypinyin import Style, lazy_pinyin

    from audiopaper.script.lexicon import _heteronyms

    reading = default_lexicon().readings.get((kind, written))
    assert reading, "every entry carries its reviewed reading"
    assert len(spoken) == len(written), "a substitute keeps the word's length"
    assert lazy_pinyin(spoken, style=Style.TONE3, neutral_tone_with_five=True) == reading.split()
    for put, was in zip(spoken, written, strict=True):
        if put != was:
            assert len(_heteronyms(put)) == 1, f"{put} has several readings: {_heteronyms(put)}"


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("全镇网格长和村民小组长参加培训", "全镇网格掌和村民小组掌参加培训"),
        ("种粮大户今年种植水稻三百亩", "众粮大户今年众植水稻三百亩"),
        ("驾乘人员要系好安全带", "驾乘人员要记好安全带"),
        ("少先队员和少工委委员", "绍先队员和绍工委委员"),
        ("农商行支行行长到村调研", "农商航支航航掌到村掉研"),
        ("重新办理还款手续", "虫新办理环款手续"),
        # the same characters elsewhere keep their readings: 种类, 关系, 多少, 银行, 长度
        ("种类繁多，关系密切，多少银行，长度不够", "种类繁多，关系密切，多少银行，长度不够"),
    ],
)
def test_news_polyphones_in_sentences(lexicon: Lexicon, written: str, spoken: str) -> None:
    assert lexicon.apply(written)[0] == spoken
