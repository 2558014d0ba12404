"""Golden tests for spoken forms: one TSV per category in tests/golden/spoken/."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from audiopaper.script.spoken import read_int, to_spoken
from tests.conftest import golden_rows

GOLDEN = Path(__file__).parent / "golden" / "spoken"
PAGE = Path(__file__).parent / "data" / "000_cbe0a290ce09cb7e.gold.json"
# Full-width digits are listed explicitly: the guarantee covers them too.
DIGIT = re.compile(r"[0-9０-９]|\d")


def _cases() -> list[pytest.param]:
    return [
        pytest.param(written, spoken, id=f"{stem}:{n}:{written}") for stem, n, (written, spoken) in golden_rows(GOLDEN)
    ]


CASES = _cases()


def test_every_category_has_cases() -> None:
    # a category file that lost its lines would otherwise pass silently
    for tsv in GOLDEN.glob("*.tsv"):
        assert any(c.id.startswith(tsv.stem + ":") for c in CASES), tsv.name


@pytest.mark.parametrize(("written", "spoken"), CASES)
def test_golden(written: str, spoken: str) -> None:
    assert to_spoken(written) == spoken
    assert not DIGIT.search(to_spoken(written))


def _page_paragraphs() -> list[str]:
    data = json.loads(PAGE.read_text(encoding="utf-8"))
    return [p for a in data["articles"] for p in a["paragraphs"]]


def test_real_page_leaves_no_digit() -> None:
    for paragraph in _page_paragraphs():
        spoken = to_spoken(paragraph)
        assert not DIGIT.search(spoken), (paragraph, spoken)


def test_real_page_keeps_text_without_digits() -> None:
    # paragraphs without numbers must come out byte for byte: no library
    # may touch punctuation or words it has no business with
    for paragraph in _page_paragraphs():
        if not DIGIT.search(paragraph):
            assert to_spoken(paragraph) == paragraph


def test_fast_enough_for_a_page() -> None:
    page = "".join(_page_paragraphs())
    page = (page * (15000 // len(page) + 1))[:15000]
    to_spoken(page)  # warm up compiled patterns and wetext FSTs
    start = time.perf_counter()
    spoken = to_spoken(page)
    assert time.perf_counter() - start < 0.5
    assert not DIGIT.search(spoken)


@pytest.mark.parametrize(
    ("n", "spoken"),
    [
        (0, "零"),
        (10, "十"),
        (19, "十九"),
        (101, "一百零一"),
        (1010, "一千零一十"),
        (20000, "二万"),
        (1000000, "一百万"),
        (100000000, "一亿"),
        (1000100010, "十亿零一十万零一十"),
    ],
)
def test_read_int(n: int, spoken: str) -> None:
    assert read_int(str(n)) == spoken


def test_no_digit_for_any_number() -> None:
    for n in [*range(0, 2100), 10**8 + 7, 123456789012, 10**20]:
        for text in (f"{n}", f"{n}个", f"第{n}", f"{n}.5", f"{n}%", f"“{n}”", f"-{n}℃"):
            assert not DIGIT.search(to_spoken(text)), text
