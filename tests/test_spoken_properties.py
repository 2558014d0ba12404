"""Properties of spoken forms: no digit, unit letter or number symbol reaches an engine unread."""

from __future__ import annotations

import os
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from audiopaper.script.spoken import _UNITS, to_spoken

# Same examples on every CI run, as Hypothesis's own CI profile does; more draws locally.
PROPERTY = settings(
    max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=bool(os.environ.get("CI")),
)

DIGIT = re.compile(r"[0-9０-９]")
# What must never be left for an engine to guess at: ratio and colon signs between numbers,
# slashes, plus signs, at signs.
SYMBOL = re.compile(r"[∶/+@＋／]")
# Units spelled with letters that are words (km, kg, m²…); GB, MB, TB are said as letters.
LETTER_UNITS = sorted((u for u in _UNITS if re.search("[A-Za-z]", u) and u not in ("GB", "MB", "TB")), key=len)
HAN = "队赛比分以战胜获胜元斤米年月日时人后价格浓度热线拨打网站电话“”，。：、（）的了在共有为"

numbers = st.one_of(
    st.integers(0, 99999).map(str),
    st.tuples(st.integers(0, 999), st.integers(0, 99)).map(lambda t: f"{t[0]}.{t[1]}"),
)
glue = st.sampled_from(["", " ", "：", ":", "∶", "/", "+", "-", "—", "～", "%", "@"])
words = st.text(alphabet=HAN, max_size=4)
units = st.sampled_from(LETTER_UNITS)
# Words that do not make the number a code (电话0L is a phone number and a letter)
plain_words = st.text(alphabet="价格浓度共有为的了在面积长宽高重", max_size=4)


@PROPERTY
@given(st.lists(st.tuples(words, numbers, glue), min_size=1, max_size=6), words)
def test_no_digit_or_symbol_reaches_the_engine(parts: list[tuple[str, str, str]], tail: str) -> None:
    text = "".join(w + n + g for w, n, g in parts) + tail
    spoken = to_spoken(text)
    assert not DIGIT.search(spoken), (text, spoken)
    assert not SYMBOL.search(spoken), (text, spoken)
    # a colon between two numbers was read (as 比 or as a time), never left as a sign;
    # other colons are the text's own punctuation and stay
    between = len(re.findall(r"(?<=\d)\s*[:：]\s*(?=\d)", text))
    assert len(re.findall("[:：]", spoken)) <= len(re.findall("[:：]", text)) - between, (text, spoken)


@PROPERTY
@given(plain_words, numbers, units, st.booleans(), plain_words)
def test_no_unit_letter_reaches_the_engine(before: str, number: str, unit: str, per: bool, after: str) -> None:
    text = f"{before}{number}{unit}{ ({'km': '/h', 'm': '/s'}.get(unit, '') if per else '') }{after}"
    spoken = to_spoken(text)
    assert not re.search("[A-Za-zμ²³㎡㎥℃]", spoken), (text, spoken)
    assert not DIGIT.search(spoken), (text, spoken)


@PROPERTY
@given(numbers, numbers, st.sampled_from(["：", ":", "∶"]))
def test_a_colon_between_numbers_is_always_read(a: str, b: str, colon: str) -> None:
    spoken = to_spoken(f"比分{a}{colon}{b}")
    assert not re.search("[:：∶]", spoken) and not DIGIT.search(spoken), (a, b, spoken)


@PROPERTY
@given(st.text(alphabet=HAN, min_size=1, max_size=6), st.text(alphabet=HAN, min_size=1, max_size=6))
def test_plus_and_slash_between_words(left: str, right: str) -> None:
    assert "加" in to_spoken(f"“{left}+{right}”")
    assert "/" not in to_spoken(f"{left}/{right}")


@settings(
    max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "150")) // 4,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=bool(os.environ.get("CI")),
)
@given(
    st.lists(st.tuples(words, numbers, glue), min_size=1, max_size=5),
    st.lists(st.tuples(words, numbers, glue), max_size=3),
)
def test_nothing_unread_reaches_the_engine_through_the_script(body: list, head: list) -> None:
    """The same through the whole script builder: headlines, credits and bodies, as the
    engine calls get them."""
    from audiopaper.edition import Article, Credit, Edition
    from audiopaper.script import build_script

    title = "".join(w + n + g for w, n, g in head) or "标题"
    article = Article(
        title=title,
        paragraphs=("".join(w + n + g for w, n, g in body),),
        credits=(Credit("记者", "单雪"),),
        dateline="本报讯",
    )
    script = build_script(Edition(articles=(article,), date="2024-06-03"), "溪南日报")
    for _, call in script.calls():
        assert not DIGIT.search(call.spoken) and not SYMBOL.search(call.spoken), call.spoken
