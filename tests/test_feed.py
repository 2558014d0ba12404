"""The podcast feeds: Apple's and PSP-1's required tags, a real parser's view, and every URL
pointing at a file that OUT holds."""

from __future__ import annotations

import dataclasses
import email.utils
import io
import json
import uuid
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner
from lxml import etree
from PIL import Image

from audiopaper.cli import cli
from audiopaper.publish import cover
from audiopaper.publish.feed import ARTICLES_FEED, write_feed
from audiopaper.publish.manifest import read_manifest, write_manifest
from audiopaper.publish.podcast_ext import podcast_guid
from audiopaper.settings import FeedSettings, Settings
from tests.publish_fixtures import BASE_URL, HOSTILE_TITLE, PAPER, make_edition, make_out

NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "atom": "http://www.w3.org/2005/Atom",
}
DATES = ("2024-05-16", "2024-05-17", "2024-05-18")
SETTINGS = Settings(base_url=BASE_URL)


def parse(path: Path) -> etree._Element:
    return etree.fromstring(path.read_bytes())


def one(root: etree._Element, xpath: str) -> str:
    found = root.xpath(xpath, namespaces=NS)
    assert len(found) == 1, f"{xpath}: {found}"
    value = found[0]
    return value if isinstance(value, str) else (value.text or "")


def local_file(out: Path, url: str) -> Path:
    """The file in OUT a feed URL points at (base_url maps to OUT)."""
    assert url.startswith(BASE_URL), url
    from urllib.parse import unquote

    rel = unquote(url[len(BASE_URL) :].split("#", 1)[0])
    path = (out / rel).resolve()
    assert path.is_relative_to(out.resolve()), url
    return path


@pytest.fixture
def out(tmp_path: Path) -> Path:
    return make_out(tmp_path / "out", DATES)


def test_channel_has_apple_and_psp1_required_tags(out: Path) -> None:
    root = parse(write_feed(out, SETTINGS))
    assert root.tag == "rss" and root.get("version") == "2.0"
    ch = "/rss/channel"
    assert one(root, f"{ch}/title") == f"{PAPER} 有声版"
    assert one(root, f"{ch}/description")
    assert one(root, f"{ch}/link") == BASE_URL + "index.html"
    assert one(root, f"{ch}/language") == "zh-cn"
    assert one(root, f"{ch}/itunes:author") == PAPER
    assert one(root, f"{ch}/itunes:owner/itunes:name") == PAPER
    assert one(root, f"{ch}/itunes:owner/itunes:email") == FeedSettings().email
    assert one(root, f"{ch}/itunes:image/@href") == BASE_URL + "cover.png"
    assert one(root, f"{ch}/itunes:category/@text") == "News"
    # Apple's current spec and PSP-1 want true/false, which feedgen alone can't write.
    assert one(root, f"{ch}/itunes:explicit") == "false"
    assert one(root, f"{ch}/itunes:type") == "episodic"
    assert one(root, f"{ch}/atom:link[@rel='self']/@href") == BASE_URL + "feed.xml"
    assert one(root, f"{ch}/podcast:locked") == "no"
    guid = one(root, f"{ch}/podcast:guid")
    assert guid == str(uuid.uuid5(uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6"), "radio.example/pinghu/feed.xml"))


def test_podcast_guid_matches_the_spec_example() -> None:
    # The example in the Podcasting 2.0 namespace document.
    assert podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml") == "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    assert podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml//") == podcast_guid(
        "http://mp3s.nashownotes.com/pc20rss.xml"
    )


def test_one_item_per_edition_newest_first_with_exact_enclosures(out: Path) -> None:
    root = parse(write_feed(out, SETTINGS))
    items = root.xpath("/rss/channel/item")
    assert [one(i, "guid") for i in items] == [f"audiopaper:{PAPER}:{d}" for d in reversed(DATES)]
    for item, date in zip(items, reversed(DATES), strict=True):
        assert date.replace("-", "") == one(item, "itunes:episode")
        assert one(item, "title").startswith(PAPER)
        assert "全市秋粮收购工作全面启动" in one(item, "description")
        enclosure = item.find("enclosure")
        assert enclosure.get("type") == "audio/mpeg"
        audio = local_file(out, enclosure.get("url"))
        assert audio == (out / date / "edition.mp3").resolve()
        assert int(enclosure.get("length")) == audio.stat().st_size
        assert one(item, "guid/@isPermaLink") == "false"
        when = email.utils.parsedate_to_datetime(one(item, "pubDate"))
        assert when.date().isoformat() == date and when.utcoffset().total_seconds() == 8 * 3600
        assert one(item, "itunes:duration") == "0:00:03"
        assert one(item, "podcast:transcript[@type='text/vtt']/@url").endswith(f"{date}/edition.vtt")
        assert one(item, "podcast:chapters/@type") == "application/json+chapters"
        chapters = json.loads(local_file(out, one(item, "podcast:chapters/@url")).read_text(encoding="utf-8"))
        assert chapters["version"].startswith("1.")


def test_feedparser_reads_it_cleanly(out: Path) -> None:
    parsed = feedparser.parse(write_feed(out, SETTINGS).read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "rss20"
    assert parsed.feed.title == f"{PAPER} 有声版"
    assert parsed.feed.language == "zh-cn"
    assert parsed.feed.image.href == BASE_URL + "cover.png"
    assert len(parsed.entries) == len(DATES)
    entry = parsed.entries[0]
    assert entry.id == f"audiopaper:{PAPER}:{DATES[-1]}"
    assert entry.enclosures[0].type == "audio/mpeg"
    assert int(entry.enclosures[0].length) == (out / DATES[-1] / "edition.mp3").stat().st_size
    assert entry.itunes_duration == "0:00:03"


def test_every_url_points_at_a_file_in_out(out: Path) -> None:
    write_feed(out, SETTINGS)
    from audiopaper.publish.page import write_pages

    write_pages(out, SETTINGS)  # the item links and HTML transcripts point at the pages
    for name in ("feed.xml", ARTICLES_FEED):
        root = parse(out / name)
        urls = [str(u) for u in root.xpath("//@href | //@url | //link/text() | //image/url/text()")]
        assert len(urls) > 10
        for url in urls:
            assert local_file(out, url).is_file(), f"{name}: {url}"


def test_keep_limits_the_feed_to_the_newest_editions(out: Path) -> None:
    settings = dataclasses.replace(SETTINGS, feed=FeedSettings(keep=2))
    root = parse(write_feed(out, settings))
    assert [one(i, "guid") for i in root.xpath("//item")] == [
        f"audiopaper:{PAPER}:{d}" for d in ("2024-05-18", "2024-05-17")
    ]
    settings = dataclasses.replace(SETTINGS, feed=FeedSettings(keep=0))  # 0: keep all
    assert len(parse(write_feed(out, settings)).xpath("//item")) == 3


def test_rebuild_keeps_guids_and_bytes_stable(out: Path) -> None:
    first = write_feed(out, SETTINGS).read_bytes()
    assert write_feed(out, SETTINGS).read_bytes() == first  # no "now" in it: unchanged input, unchanged feed
    make_edition(out, "2024-05-19")
    root = parse(write_feed(out, SETTINGS))
    guids = [one(i, "guid") for i in root.xpath("//item")]
    assert guids[0] == f"audiopaper:{PAPER}:2024-05-19"
    old = etree.fromstring(first)
    assert guids[1:] == [one(i, "guid") for i in old.xpath("//item")]


def test_feed_is_rebuilt_from_manifests_when_lost(out: Path) -> None:
    feed = write_feed(out, SETTINGS)
    before = feed.read_bytes()
    feed.unlink()
    (out / "cover.png").unlink()
    assert write_feed(out, SETTINGS).read_bytes() == before
    assert (out / "cover.png").is_file()


def test_missing_vtt_and_chapters_omit_their_tags(tmp_path: Path) -> None:
    out = tmp_path / "out"
    make_edition(out, "2024-05-18", extras=False)
    root = parse(write_feed(out, SETTINGS))
    item = root.xpath("//item")[0]
    assert not item.xpath("podcast:chapters", namespaces=NS)
    assert not item.xpath("podcast:transcript[@type='text/vtt']", namespaces=NS)
    # The edition page is a transcript too, and always there.
    assert one(item, "podcast:transcript[@type='text/html']/@url") == BASE_URL + "2024-05-18/index.html"
    articles = parse(out / ARTICLES_FEED)
    assert not articles.xpath("//podcast:transcript", namespaces=NS)


def test_manifest_paths_leading_outside_the_edition_are_not_linked(out: Path, tmp_path: Path) -> None:
    folder = out / "2024-05-18"
    secret = tmp_path / "secret.vtt"
    secret.write_text("WEBVTT\n", encoding="utf-8")
    (folder / "link.vtt").symlink_to(secret)
    manifest = read_manifest(folder)
    assert manifest is not None
    write_manifest(dataclasses.replace(manifest, edition_vtt="../../secret.vtt", chapters_file="link.vtt"), folder)
    root = parse(write_feed(out, SETTINGS))
    item = root.xpath("//item")[0]
    assert not item.xpath("podcast:chapters | podcast:transcript[@type='text/vtt']", namespaces=NS)
    assert b"secret" not in (out / "feed.xml").read_bytes()


def test_an_edition_that_cannot_be_published_is_named_and_the_feed_kept(out: Path) -> None:
    write_feed(out, SETTINGS)
    before = (out / "feed.xml").read_bytes()
    (out / "2024-05-17" / "edition.mp3").unlink()
    (out / "2024-05-16" / "manifest.json").write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(cli, ["feed", "--out", str(out), "--base-url", BASE_URL])
    assert result.exit_code == 1
    message = result.output.strip()
    assert "\n" not in message and "Traceback" not in message
    assert "2024-05-17 has no edition.mp3" in message and "2024-05-16/manifest.json is unreadable" in message
    assert (out / "feed.xml").read_bytes() == before  # every published episode still in it


DAMAGES = [
    # (what an edit did to the manifest, where the message says the damage is)
    (
        "a clip's duration as text",
        lambda m: m["clips"][1].update(duration_ms="3 s"),
        "clips[1].duration_ms: expected int",
    ),
    ("a clip without its file", lambda m: m["clips"][0].pop("file"), "clips[0].file: missing"),
    ("a clip that is a string", lambda m: m["clips"].insert(0, "01.mp3"), "clips[0]: expected object, got str"),
    ("a credit's name a number", lambda m: m["clips"][2]["credits"][0].update(name=7), "clips[2].credits[0].name"),
    ("the audio file a list", lambda m: m.update(edition_file=["edition.mp3"]), "edition_file: expected str"),
    ("complete as text", lambda m: m.update(complete="yes"), "complete: expected bool"),
    ("no clips", lambda m: m.pop("clips"), "clips: missing"),
    ("the clips an object", lambda m: m.update(clips={"1": {}}), "clips: expected array, got object"),
    ("no such day", lambda m: m.update(date="2024-02-30"), "date: '2024-02-30' is not a date YYYY-MM-DD"),
]


@pytest.mark.parametrize(("what", "damage", "named"), DAMAGES, ids=[d[0] for d in DAMAGES])
def test_a_damaged_manifest_is_named_with_its_field(out: Path, what: str, damage, named: str) -> None:
    write_feed(out, SETTINGS)
    before = (out / "feed.xml").read_bytes()
    path = out / "2024-05-16" / "manifest.json"
    data = json.loads(path.read_text("utf-8"))
    damage(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = CliRunner().invoke(cli, ["feed", "--out", str(out), "--base-url", BASE_URL])
    assert result.exit_code == 1
    message = result.output.strip()
    assert "\n" not in message and "Traceback" not in message
    assert f"2024-05-16/manifest.json is unreadable ({named}" in message, message
    assert (out / "feed.xml").read_bytes() == before


def test_a_manifest_read_back_is_written_byte_for_byte(out: Path) -> None:
    # Fields left at their defaults included: a manifest that went through a reader loses nothing.
    path = out / "2024-05-18" / "manifest.json"
    before = path.read_bytes()
    manifest = read_manifest(path.parent)
    assert manifest is not None and manifest.version == 1 and manifest.failed == []
    write_manifest(manifest, path.parent)
    assert path.read_bytes() == before


def test_empty_out_gives_a_valid_feed(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    parsed = feedparser.parse(write_feed(out, SETTINGS).read_bytes())
    assert not parsed.bozo and parsed.entries == []


def test_hostile_text_stays_text_and_makes_no_file_outside_out(tmp_path: Path) -> None:
    out = tmp_path / "out"
    make_edition(out, "2024-05-18", paper="晚报<&\"'>\x0b", titles=(HOSTILE_TITLE, "第二篇"))
    settings = dataclasses.replace(
        SETTINGS, feed=FeedSettings(title="标题 <b>&\"'\x01", author="../作者\x1f", description="说明\x00")
    )
    before = {p for p in tmp_path.rglob("*") if not p.is_relative_to(out)}
    feed = write_feed(out, settings)
    from audiopaper.publish.page import write_pages

    write_pages(out, settings)
    assert {p for p in tmp_path.rglob("*") if not p.is_relative_to(out)} == before
    parsed = feedparser.parse(feed.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "标题 <b>&\"'"
    assert parsed.feed.author == "../作者"
    raw = feed.read_text(encoding="utf-8")
    assert "<script>" not in raw and "<b>" not in raw
    articles = feedparser.parse((out / ARTICLES_FEED).read_bytes())
    expected = HOSTILE_TITLE.replace("\x00", "").replace("\x07", "").replace("\x1b", "")
    assert articles.entries[0].title == expected
    assert parsed.entries[0].id == "audiopaper:晚报<&\"'>:2024-05-18"


def test_article_feed_has_one_item_per_article_in_paper_order(out: Path) -> None:
    write_feed(out, SETTINGS)
    root = parse(out / ARTICLES_FEED)
    assert one(root, "/rss/channel/atom:link[@rel='self']/@href") == BASE_URL + ARTICLES_FEED
    assert one(root, "/rss/channel/podcast:guid") == podcast_guid(BASE_URL + ARTICLES_FEED)
    items = root.xpath("//item")
    assert len(items) == 9
    assert [one(i, "title") for i in items[:3]] == [
        "全市秋粮收购工作全面启动",
        "新埭镇:“共富工坊”开进村",
        "当湖街道举办重阳敬老活动",
    ]
    dates = [email.utils.parsedate_to_datetime(one(i, "pubDate")) for i in items]
    assert dates == sorted(dates, reverse=True)
    assert len({one(i, "guid") for i in items}) == 9
    assert "记者 张三" in one(items[0], "description")


def test_article_feed_can_be_turned_off(tmp_path: Path) -> None:
    out = make_out(tmp_path / "out", DATES[:1])

    @dataclasses.dataclass(frozen=True)
    class Feed(FeedSettings):
        per_article_feed: bool = False

    write_feed(out, dataclasses.replace(SETTINGS, feed=Feed()))
    assert not (out / ARTICLES_FEED).exists()


def test_settings_not_yet_declared_are_honoured(out: Path) -> None:
    @dataclasses.dataclass(frozen=True)
    class Feed(FeedSettings):
        owner_name: str = "平湖传媒"
        locked: bool = True
        explicit: bool = True

    root = parse(write_feed(out, dataclasses.replace(SETTINGS, feed=Feed(email="owner@radio.example"))))
    assert one(root, "//itunes:owner/itunes:name") == "平湖传媒"
    assert one(root, "//podcast:locked") == "yes"
    assert one(root, "//podcast:locked/@owner") == "owner@radio.example"
    assert one(root, "//itunes:explicit") == "true"


def test_configured_image_replaces_the_cover(out: Path) -> None:
    settings = dataclasses.replace(SETTINGS, feed=FeedSettings(image="https://cdn.example/art.jpg?v=2"))
    root = parse(write_feed(out, settings))
    assert one(root, "//itunes:image/@href") == "https://cdn.example/art.jpg?v=2"
    assert not (out / "cover.png").exists()


def _check_cover(data: bytes) -> None:
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.mode == "RGB"
    assert image.width == image.height and 1400 <= image.width <= 3000


def test_default_cover_without_any_cjk_font(tmp_path: Path) -> None:
    path = cover.write_cover(tmp_path, "平湖日报<&>", find_font=False)
    _check_cover(path.read_bytes())
    mtime = path.stat().st_mtime_ns
    assert cover.write_cover(tmp_path, "平湖日报<&>", find_font=False).stat().st_mtime_ns == mtime  # unchanged
    assert [p.name for p in tmp_path.iterdir()] == ["cover.png"]  # no temporary file left


def test_default_cover_with_a_cjk_font_when_installed(tmp_path: Path) -> None:
    font = cover.font_for("平湖日报" + cover.TAGLINE)
    if font is None:
        pytest.skip("no installed font covers 平湖日报有声版 (apt-get install fonts-wqy-microhei)")
    data = cover.render_cover("平湖日报", font)
    _check_cover(data)
    assert data != cover.render_cover("平湖日报", None)


def test_without_pillow_the_feed_still_goes_out(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from audiopaper.publish import feed as feed_module

    def no_pillow(*args: object, **kwargs: object) -> Path:
        raise ImportError("No module named 'PIL'")

    monkeypatch.setattr(feed_module, "write_cover", no_pillow)
    root = parse(write_feed(out, SETTINGS))
    assert not root.xpath("//itunes:image | /rss/channel/image", namespaces=NS)
    assert len(root.xpath("//item")) == 3


def test_rebuild_writes_feeds_and_pages(tmp_path: Path) -> None:
    from audiopaper.publish.site import rebuild

    out = make_out(tmp_path / "out", DATES[:2])
    assert rebuild(out, SETTINGS) == out / "feed.xml"
    for name in ("feed.xml", ARTICLES_FEED, "cover.png", "index.html", f"{DATES[0]}/index.html"):
        assert (out / name).is_file(), name


@pytest.mark.parametrize(
    ("url", "public"),
    [
        ("https://radio.pinghu.cn/audio/", True),
        ("http://203.0.113.7/", False),  # TEST-NET-3: documentation only
        ("http://8.8.8.8/p/", True),
        ("http://localhost:8000/", False),
        ("http://127.0.0.1:8000/", False),
        ("http://[::1]:8000/", False),
        ("http://192.168.1.20:8000/", False),
        ("http://10.0.0.5/", False),
        ("http://newsroom/", False),  # an intranet's single-label name
        ("http://studio.local/", False),
        ("https://radio.example/p/", False),
        ("https://radio.example.org/paper/", False),
        ("https://audio.example.com.cn/", True),
        ("not a url", False),
    ],
)
def test_public_url(url: str, public: bool) -> None:
    from audiopaper.publish.addresses import is_public_url

    assert is_public_url(url) is public


def test_feed_warns_when_published_with_the_placeholder_email(out: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from audiopaper.cli import cli

    public = "https://radio.pinghu.cn/audio/"
    result = CliRunner().invoke(cli, ["feed", "--out", str(out), "--base-url", public])
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "audio@example.invalid" in warnings[0] and public in warnings[0]
    # The owner's own address, or a preview on this machine or the LAN: nothing to say.
    config = tmp_path / "audiopaper.toml"
    config.write_text('[feed]\nemail = "audio@pinghu.cn"\n', encoding="utf-8")
    for n, args in enumerate(
        (
            ["--base-url", public, "--config", str(config)],
            ["--base-url", "http://192.168.1.20:8000/"],
            [],
        )
    ):
        fresh = make_out(tmp_path / f"out{n}", DATES)  # OUT keeps the address it was first published at
        quiet = CliRunner().invoke(cli, ["feed", "--out", str(fresh), *args])
        assert quiet.exit_code == 0 and "warning:" not in quiet.stderr, (args, quiet.stderr)
    # Published at the public address, a later `feed` without one still warns.
    again = CliRunner().invoke(cli, ["feed", "--out", str(out)])
    assert again.exit_code == 0 and public in again.stderr


def test_a_local_image_is_copied_into_out_and_the_feed_points_there(out: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    art = elsewhere / "art.png"
    Image.new("RGB", (1400, 1400), "navy").save(art)
    settings = dataclasses.replace(SETTINGS, feed=FeedSettings(image=str(art))).validate()
    root = parse(write_feed(out, settings))
    href = one(root, "//itunes:image/@href")
    assert href == BASE_URL + "artwork.png"
    assert local_file(out, href).read_bytes() == art.read_bytes()
    assert one(root, "/rss/channel/image/url") == href
    # A JPEG, whatever its name says, replaces it as artwork.jpg; the PNG goes.
    art.unlink()
    jpeg = elsewhere / "art.png"
    Image.new("RGB", (1400, 1400), "navy").save(jpeg, format="JPEG")
    root = parse(write_feed(out, settings))
    assert one(root, "//itunes:image/@href") == BASE_URL + "artwork.jpg"
    assert (out / "artwork.jpg").read_bytes() == jpeg.read_bytes() and not (out / "artwork.png").exists()
