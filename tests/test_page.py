"""The listeners' pages: structure and escaping from the HTML itself, then a real headless
Chromium that runs axe-core on them (zero violations), walks them by keyboard and takes a
screenshot."""

from __future__ import annotations

import dataclasses
import os
import shutil
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from lxml import html

from audiopaper.publish.feed import write_feed
from audiopaper.publish.formats import write_edition_formats
from audiopaper.publish.manifest import load_manifest
from audiopaper.publish.more_feeds import write_more_feeds
from audiopaper.publish.page import write_edition_page, write_pages
from audiopaper.publish.serve import running
from audiopaper.settings import FeedSettings, Settings
from tests.publish_fixtures import BASE_URL, HOSTILE_TITLE, PAPER, TITLES, make_edition, make_out

DATES = ("2024-05-16", "2024-05-17", "2024-05-18")
SETTINGS = Settings(base_url=BASE_URL)
CHROMIUM = os.environ.get("AUDIOPAPER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _site(out: Path) -> Path:
    make_out(out, DATES)
    make_edition(out, "2024-05-19", titles=(HOSTILE_TITLE, "第二篇"))
    # One edition with its DAISY book, so that the pages link one (and section feeds).
    write_edition_formats(out / "2024-05-18", load_manifest(out / "2024-05-18"), SETTINGS)
    write_more_feeds(out, SETTINGS)
    write_feed(out, SETTINGS)
    write_pages(out, SETTINGS)
    return out


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return _site(tmp_path / "out")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built OUT shared by the tests that only read it (the browser ones are slow enough)."""
    return _site(tmp_path_factory.mktemp("site") / "out")


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    with running(site) as srv:
        yield srv.url


def doc(path: Path) -> Any:
    return html.fromstring(path.read_bytes())


def test_index_lists_editions_newest_first_with_every_article(site: Path) -> None:
    page = doc(site / "index.html")
    assert page.get("lang") == "zh-CN"
    assert [h.text_content() for h in page.xpath("//h2")] == [
        f"{PAPER} 2024年5月19日 星期日",
        f"{PAPER} 2024年5月18日 星期六",
        f"{PAPER} 2024年5月17日 星期五",
        f"{PAPER} 2024年5月16日 星期四",
    ]
    section = page.xpath("//section")[1]
    assert [h.text_content() for h in section.xpath(".//article/h3")] == list(TITLES)
    article = section.xpath(".//article")[0]
    assert "记者 张三、通讯员 李四" in article.xpath(".//p[@class='credits']")[0].text_content()
    audio = article.xpath(".//audio")[0]
    assert audio.get("preload") == "none" and audio.get("controls") is not None
    assert audio.get("src") == "2024-05-18/clips/01-quan-shi-qiu-liang-shou-gou-gong-zuo-quan-mian.mp3"
    assert (site / audio.get("src")).is_file()
    assert "全市秋粮收购工作全面启动的第一段。" in article.xpath(".//details")[0].text_content()
    assert all(a.get("preload") == "none" for a in page.xpath("//audio"))
    assert page.xpath("//link[@rel='alternate']/@href") == ["feed.xml"]


def test_edition_page_links_relative_to_its_folder_and_shows_transcripts(site: Path) -> None:
    page = doc(site / "2024-05-18" / "index.html")
    assert page.get("lang") == "zh-CN"
    assert len(page.xpath("//section")) == 1
    for src in page.xpath("//audio/@src | //track/@src | //a[@download]/@href"):
        assert (site / "2024-05-18" / src).resolve().is_file(), src
    assert page.xpath("//link[@rel='alternate']/@href") == ["../feed.xml"]
    # The article anchors the per-article feed links to.
    assert page.xpath("//article/@id") == ["a-1", "a-2", "a-3"]
    assert not page.xpath("//details")  # transcripts shown in full on an edition's own page
    assert "第二段:本报记者报道。" in page.xpath("//article")[0].text_content()


def test_every_local_link_resolves(site: Path) -> None:
    for page_path in [site / "index.html", *site.glob("*/index.html")]:
        page = doc(page_path)
        ids = set(page.xpath("//@id"))
        for href in page.xpath("//a/@href | //audio/@src | //track/@src | //link/@href"):
            if href.startswith("#"):
                assert href[1:] in ids, f"{page_path}: {href}"
            else:
                from urllib.parse import unquote

                assert (page_path.parent / unquote(href)).resolve().is_file(), f"{page_path}: {href}"


def test_hostile_text_is_escaped(site: Path) -> None:
    raw = (site / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in raw
    # The one script is the play button's own, and it holds no text from a manifest.
    (script,) = doc(site / "index.html").xpath("//script")
    assert "alert" not in script.text and "play-today" in script.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &#34;引号&#34;" in raw
    assert not any(c in raw for c in "\x00\x07\x1b")
    page = doc(site / "2024-05-19" / "index.html")
    heading = page.xpath("//article/h3")[0].text_content()
    assert heading == HOSTILE_TITLE.replace("\x00", "").replace("\x07", "").replace("\x1b", "")
    assert "alert" not in "".join(s.text or "" for s in page.xpath("//script"))


def test_empty_out_says_so(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    write_pages(out, SETTINGS)
    assert "还没有节目" in (out / "index.html").read_text(encoding="utf-8")


def test_edition_page_written_while_staging(tmp_path: Path) -> None:
    """build.py writes the page into a staging folder not yet named after its date."""
    out = tmp_path / "out"
    manifest = make_edition(out, "2024-05-18")
    staging = out / ".staging-2024-05-18-1"
    (out / "2024-05-18").rename(staging)
    write_edition_page(staging, manifest, SETTINGS)
    page = doc(staging / "index.html")
    assert [h.text_content() for h in page.xpath("//article/h3")] == list(TITLES)
    assert page.xpath("//audio/@src")[0] == "../2024-05-18/edition.mp3"


def test_keep_limits_the_index_but_every_edition_keeps_its_page(out: Path) -> None:
    write_pages(out, dataclasses.replace(SETTINGS, feed=FeedSettings(keep=2)))
    assert len(doc(out / "index.html").xpath("//section")) == 2
    assert (out / "2024-05-16" / "index.html").is_file()


# -- in a real browser -----------------------------------------------------------------


def _axe_source() -> str | None:
    """axe-core's axe.min.js: from $AXE_JS, the axe-playwright-python wheel, or npm's axe-core."""
    candidates = [os.environ.get("AXE_JS", "")]
    try:
        candidates.append(str(resources.files("axe_playwright_python") / "axe.min.js"))
    except ModuleNotFoundError:
        pass
    root = Path(__file__).resolve().parent.parent
    candidates += [str(root / "node_modules/axe-core/axe.min.js"), "/usr/lib/node_modules/axe-core/axe.min.js"]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate).read_text(encoding="utf-8")
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright for Python is not installed (pip install playwright)")
    if not (shutil.which(CHROMIUM) or Path(CHROMIUM).is_file()):
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium, or set AUDIOPAPER_CHROMIUM)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def axe_js() -> str:
    source = _axe_source()
    if source is None:
        pytest.skip("axe-core not found (pip install axe-playwright-python, or npm install axe-core)")
    return source


def _violations(page: Any, axe_js: str) -> list[dict[str, Any]]:
    page.add_script_tag(content=axe_js)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["html"][:120] for n in v["nodes"][:3]]}
        for v in result["violations"]
    ]


@pytest.mark.parametrize(
    ("which", "scheme"),
    [("", "light"), ("", "dark"), ("2024-05-18/", "light"), ("2024-05-19/", "dark")],
)
def test_axe_finds_no_violation(server: str, browser: Any, axe_js: str, which: str, scheme: str) -> None:
    page = browser.new_page(color_scheme=scheme)
    try:
        page.goto(server + which)
        assert page.evaluate("document.documentElement.lang") == "zh-CN"
        assert _violations(page, axe_js) == []
    finally:
        page.close()


def test_keyboard_reaches_skip_link_players_and_transcripts(server: str, browser: Any, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 800, "height": 1000})
    try:
        page.goto(server)
        shot = tmp_path / "index.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 10_000  # a blank or failed render is a few KB
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "跳到正文"
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "main"
        seen = []
        for _ in range(40):
            page.keyboard.press("Tab")
            seen.append(page.evaluate("document.activeElement.tagName"))
        assert "AUDIO" in seen and "SUMMARY" in seen
        # A transcript opens from the keyboard.
        page.focus("summary")
        page.keyboard.press("Enter")
        assert page.evaluate("document.querySelector('details').open")
        # Nothing was fetched before a listener pressed play.
        assert page.evaluate("[...document.querySelectorAll('audio')].every(a => a.networkState !== 2)")
        keep = os.environ.get("AUDIOPAPER_SCREENSHOTS")
        if keep:  # for a person to look at: AUDIOPAPER_SCREENSHOTS=/tmp/shots pytest tests/test_page.py
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(shot, Path(keep) / "index.png")
            page.goto(server + "2024-05-18/")
            page.screenshot(path=str(Path(keep) / "edition.png"), full_page=True)
    finally:
        page.close()


def test_big_play_button_plays_and_pauses_todays_edition(server: str, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 400, "height": 800})  # a phone
    try:
        page.goto(server)
        button = page.get_by_role("button", name="收听今天的节目")
        assert button.count() == 1
        box = button.bounding_box()
        assert box["height"] >= 64 and box["width"] >= 300  # easy to hit, for a shaky hand too
        player = button.get_attribute("data-player")
        audio = f"document.getElementById('{player}')"
        # The newest edition, whose own small player (for seeking) stays.
        assert page.evaluate(f"{audio}.getAttribute('src')") == "2024-05-19/edition.mp3"
        assert page.evaluate(f"{audio}.controls")
        button.click()
        page.wait_for_function(f"!{audio}.paused", timeout=10_000)
        pause = page.get_by_role("button", name="暂停")
        pause.wait_for(timeout=10_000)  # the label follows the player's own events
        pause.click()
        page.wait_for_function(f"{audio}.paused", timeout=10_000)
        page.get_by_role("button", name="收听今天的节目").wait_for(timeout=10_000)
    finally:
        page.close()


def test_page_links_the_daisy_book_and_section_feeds(site: Path) -> None:
    page = doc(site / "index.html")
    assert "2024-05-18/daisy.zip" in page.xpath("//a[@download]/@href")
    assert "sections/di-1-ban.xml" in page.xpath("//nav//a/@href")
    for href in page.xpath("//nav//a/@href"):
        assert (site / href).is_file(), href


def test_credits_a_hand_edited_manifest_garbles_are_left_out_and_the_rest_shown(tmp_path: Path) -> None:
    import json

    out = tmp_path / "out"
    make_out(out, DATES[:1])
    path = out / DATES[0] / "manifest.json"
    data = json.loads(path.read_text("utf-8"))
    data["clips"][0]["credits"] = [
        "王磊",
        {"role": 5, "name": "赵六"},
        {"role": "记者"},
        {"role": "记者", "name": "张三"},
    ]
    data["clips"][1]["credits"] = "记者 李四"
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    write_pages(out, SETTINGS)
    articles = doc(out / "index.html").xpath("//article")
    assert [p.text_content() for p in articles[0].xpath(".//p[@class='credits']")] == ["赵六、记者 张三"]
    assert articles[1].xpath(".//p[@class='credits']") == []
