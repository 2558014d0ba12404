"""The review sheet: `normalize --review`, read as HTML and checked in Chromium with axe-core."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner
from lxml import html

from audiopaper.cli import cli
from audiopaper.normalize.layout import source_lines
from tests.test_page import _violations, axe_js, browser  # noqa: F401  (fixtures)

PAGES = Path(__file__).parent / "pages"
MISPLACED = PAGES / "liuhe_misplaced.txt"
JUMPS = PAGES / "qingyang_jumps.txt"


def _sheet(tmp_path: Path, *pages: Path) -> tuple[Path, Any]:
    out = tmp_path / "review.html"
    result = CliRunner().invoke(
        cli, ["normalize", *map(str, pages), "-o", str(tmp_path / "e.json"), "--review", str(out)]
    )
    assert result.exit_code == 0, result.output
    return out, html.fromstring(out.read_bytes())


def test_warnings_come_first_and_name_article_paragraph_and_lines(tmp_path: Path) -> None:
    _, doc = _sheet(tmp_path, MISPLACED)
    headings = [h.text_content() for h in doc.xpath("//h2")]
    assert headings[0].endswith("需要核对") and headings[1].endswith("原始版面")
    warning = doc.xpath("//li[@class='warn']")[0].text_content()
    # The moved section: which article, which paragraph, which input line, and the other way.
    assert "第1篇第4段" in warning and "义诊送到村口" in warning
    assert "另一种可能" in warning
    link = doc.xpath("//li[@class='warn']//a")[0]
    line = int(link.text_content())
    assert source_lines(MISPLACED.read_text(encoding="utf-8"))[line - 1].startswith("二、")
    assert doc.xpath(f"//tr[@id='{link.get('href')[1:]}']")


def test_every_raw_line_is_shown_with_where_its_text_went(tmp_path: Path) -> None:
    _, doc = _sheet(tmp_path, JUMPS)
    raw = [x for x in source_lines(JUMPS.read_text(encoding="utf-8")) if x.strip()]
    rows = doc.xpath("//tr")
    assert len(rows) == len(raw)
    for row, line in zip(rows, raw, strict=True):
        cell = row.xpath("./td")[0]
        shown = "".join(x.text_content() for x in cell.xpath("./span[@title] | ./del"))
        assert "".join(shown.split()) == "".join(line.split())
        assert cell.xpath("./span[@class='dest']")
    dropped = {d.text_content() for d in doc.xpath("//del")}
    assert "(下转第3版)" in dropped and "(上接第1版)" in dropped
    assert any("青阳日报" in d for d in dropped)


def test_review_sheet_passes_axe_in_chromium(tmp_path: Path, browser: Any, axe_js: str) -> None:  # noqa: F811
    out, _ = _sheet(tmp_path, MISPLACED, JUMPS)
    for scheme in ("light", "dark"):
        page = browser.new_page(color_scheme=scheme)
        try:
            page.goto(out.as_uri())
            assert _violations(page, axe_js) == []
        finally:
            page.close()
