"""Encodings e-paper exports arrive in, detected without being told; inputs read as one edition."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audiopaper.edition import edition_to_json
from audiopaper.errors import InputError
from audiopaper.ingest import RawPage, read_edition, read_input
from tests.conftest import SAMPLE_TXT

TEXT = SAMPLE_TXT.read_text("utf-8")[:3000]


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.encode("utf-8"),
        lambda t: b"\xef\xbb\xbf" + t.encode("utf-8"),
        lambda t: t.encode("gb18030"),
        lambda t: t.encode("gbk"),
        lambda t: t.encode("utf-16"),
        lambda t: t.replace("\n", "\r\n").encode("gb18030"),
    ],
    ids=["utf-8", "utf-8-bom", "gb18030", "gbk", "utf-16", "gb18030-crlf"],
)
def test_encodings_decode_to_the_same_text(tmp_path: Path, encode):
    page = tmp_path / "page.txt"
    page.write_bytes(encode(TEXT))
    raw = read_input(page)
    assert isinstance(raw, RawPage)
    assert raw.text.replace("\r\n", "\n").lstrip("\ufeff") == TEXT


def test_gb18030_short_page_is_not_mistaken(tmp_path: Path):
    page = tmp_path / "page.txt"
    page.write_bytes("■记者 查放\n本报讯 平湖新增一家景区。".encode("gb18030"))
    assert read_input(page).text.startswith("■记者 查放")


def test_directory_is_rejected(tmp_path: Path):
    with pytest.raises(InputError, match="directory"):
        read_input(tmp_path)


def test_an_implausibly_large_input_is_refused_before_it_is_read_whole(tmp_path, monkeypatch):
    import pytest

    from audiopaper import ingest
    from audiopaper.errors import InputError

    monkeypatch.setattr(ingest, "MAX_INPUT_BYTES", 1000)
    page = tmp_path / "page.txt"
    page.write_text("平湖日报" * 400, encoding="utf-8")
    with pytest.raises(InputError, match="is over"):
        ingest.read_input(page)


def test_editions_read_together_keep_every_pages_name(tmp_path: Path):
    # Two days' worth of pages in two files: the first file's name for a page it shares wins.
    (tmp_path / "a.json").write_text(
        '{"articles": [{"title": "甲", "paragraphs": ["正文。"], "page": 1}], "pages": {"1": "要闻"}}', "utf-8"
    )
    (tmp_path / "b.json").write_text(
        '{"articles": [{"title": "乙", "paragraphs": ["正文。"], "page": 2}], "pages": {"2": "综合", "1": "头版"}}',
        "utf-8",
    )
    edition = read_edition([tmp_path / "a.json", tmp_path / "b.json"])
    assert [a.title for a in edition.articles] == ["甲", "乙"]
    assert sorted((p.number, p.name) for p in edition.pages) == [(1, "要闻"), (2, "综合")]
    assert json.loads(edition_to_json(edition))["pages"] == {"2": "综合", "1": "要闻"}
