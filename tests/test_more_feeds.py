"""The feeds beside feed.xml: one per section and the low-bitrate one, as two real parsers
(feedparser, gPodder's podcastparser) read them and as XPath finds them; the low-bitrate
file itself, decoded and measured; podcast:alternateEnclosure in the main feed."""

from __future__ import annotations

import dataclasses
import functools
import io
import tempfile
from pathlib import Path

import feedparser
import podcastparser
import pytest
from lxml import etree, html
from mutagen.mp3 import MP3

from audiopaper.core import ffmpeg
from audiopaper.publish.catalog import editions
from audiopaper.publish.formats import write_edition_formats
from audiopaper.publish.layout import EDITION_LOW, LOW_FEED
from audiopaper.publish.manifest import load_manifest, section_name, write_manifest
from audiopaper.publish.more_feeds import section_feeds
from audiopaper.publish.site import rebuild
from audiopaper.settings import Settings
from tests.conftest import decoded_seconds
from tests.publish_fixtures import BASE_URL, TITLES, make_edition
from tests.test_feed import NS, local_file, one

DATES = ("2024-05-16", "2024-05-17")


@functools.cache
def _programme(seconds: float) -> bytes:
    """A tone encoded as a build encodes the programme: 64 kbit/s, 24 kHz, mono."""
    with tempfile.TemporaryDirectory(prefix="audiopaper-tone-") as tmp:
        path = Path(tmp) / "edition.mp3"
        tone = ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
        ffmpeg.run([*tone, "-ac", "1", "-ar", "24000", "-c:a", "libmp3lame", "-b:a", "64k", "-y", str(path)])
        return path.read_bytes()


SETTINGS = Settings(base_url=BASE_URL)
SECTIONS = ("第1版,要闻", "经济", "第1版,要闻")  # one section twice: a run, then another


def _out(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    for date in DATES:
        manifest = make_edition(out, date, seconds=2.0)
        # The programme as a build encodes it (64 kbit/s, 24 kHz), as long as its clips.
        (out / date / "edition.mp3").write_bytes(_programme(6.0))
        clips = [dataclasses.replace(c, section=s) for c, s in zip(manifest.clips, SECTIONS, strict=True)]
        manifest = dataclasses.replace(manifest, clips=clips)
        write_manifest(manifest, out / date)
        write_edition_formats(out / date, manifest, SETTINGS.audio, daisy=SETTINGS.daisy)
    rebuild(out, SETTINGS)
    return out


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _out(tmp_path_factory.mktemp("more"))


def _podcastparser(path: Path, url: str) -> dict:
    return podcastparser.parse(url, io.BytesIO(path.read_bytes()))


def test_low_bitrate_file_is_the_edition_at_a_low_bitrate(out: Path) -> None:
    folder = out / DATES[0]
    low = folder / EDITION_LOW
    assert decoded_seconds(low) == pytest.approx(decoded_seconds(folder / "edition.mp3"), abs=0.1)
    info = MP3(low).info
    assert info.channels == 1
    assert info.bitrate <= 32_000
    assert low.stat().st_size * 8 / decoded_seconds(low) <= 40_000  # what a phone plan pays for


def test_main_feed_offers_the_low_bitrate_file_as_alternate_enclosure(out: Path) -> None:
    root = etree.fromstring((out / "feed.xml").read_bytes())
    for date in DATES:
        item = f"/rss/channel/item[guid='audiopaper:平湖日报:{date}']"
        alternates = root.xpath(f"{item}/podcast:alternateEnclosure", namespaces=NS)
        assert len(alternates) == 2
        default, low = alternates
        assert default.get("default") == "true"
        assert one(root, f"{item}/podcast:alternateEnclosure[@default='true']/podcast:source/@uri") == one(
            root, f"{item}/enclosure/@url"
        )
        assert low.get("type") == "audio/mpeg" and low.get("title")
        url = one(root, f"{item}/podcast:alternateEnclosure[not(@default)]/podcast:source/@uri")
        path = local_file(out, url)
        assert path == out / date / EDITION_LOW
        assert int(low.get("length")) == path.stat().st_size
        assert int(low.get("bitrate")) < int(default.get("bitrate"))


def test_low_bitrate_feed_parses_and_points_at_the_low_files(out: Path) -> None:
    path = out / LOW_FEED
    parsed = feedparser.parse(path.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert [e.enclosures[0].href for e in parsed.entries] == [
        f"{BASE_URL}{d}/{EDITION_LOW}" for d in sorted(DATES, reverse=True)
    ]
    podcast = _podcastparser(path, BASE_URL + LOW_FEED)
    assert len(podcast["episodes"]) == len(DATES)
    for episode in podcast["episodes"]:
        (enclosure,) = episode["enclosures"]
        assert enclosure["file_size"] == local_file(out, enclosure["url"]).stat().st_size
        assert enclosure["url"].endswith(EDITION_LOW)
    root = etree.fromstring(path.read_bytes())
    assert one(root, "/rss/channel/atom:link[@rel='self']/@href") == BASE_URL + LOW_FEED
    # Its own show to apps: its own podcast:guid, not the main feed's.
    main = etree.fromstring((out / "feed.xml").read_bytes())
    assert one(root, "/rss/channel/podcast:guid") != one(main, "/rss/channel/podcast:guid")
    guids = root.xpath("/rss/channel/item/guid/text()")
    assert len(set(guids)) == len(guids)


def test_one_feed_per_section_with_exactly_its_articles(out: Path) -> None:
    feeds = section_feeds(editions(out))
    assert [name for name, _ in feeds] == ["第1版,要闻", "经济"]
    seen = []
    for name, relative in feeds:
        path = out / relative
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert name in parsed.feed.title
        podcast = _podcastparser(path, BASE_URL + relative)
        expected = [t for t, s in zip(TITLES, SECTIONS, strict=True) if s == name] * len(DATES)
        assert sorted(e["title"] for e in podcast["episodes"]) == sorted(expected)
        for episode in podcast["episodes"]:
            (enclosure,) = episode["enclosures"]
            assert enclosure["file_size"] == local_file(out, enclosure["url"]).stat().st_size
            seen.append(episode["guid"])
        root = etree.fromstring(path.read_bytes())
        assert one(root, "/rss/channel/atom:link[@rel='self']/@href") == BASE_URL + relative
    assert len(seen) == len(set(seen)) == len(TITLES) * len(DATES)  # every article, in one section feed


def test_page_links_section_feeds_low_feed_and_daisy(out: Path) -> None:
    page = html.fromstring((out / "index.html").read_bytes())
    hrefs = page.xpath("//nav//a/@href")
    for _, relative in section_feeds(editions(out)):
        assert relative in hrefs
    assert LOW_FEED in hrefs
    for date in DATES:
        links = page.xpath("//a[@download]/@href")
        assert f"{date}/daisy.zip" in links and f"{date}/{EDITION_LOW}" in links
    edition_page = html.fromstring((out / DATES[0] / "index.html").read_bytes())
    assert f"../{DATES[0]}/daisy.zip" in edition_page.xpath("//a[@download]/@href")
    assert f"../{LOW_FEED}" in edition_page.xpath("//nav//a/@href")


def test_edition_without_other_forms_is_published_without_them(tmp_path: Path) -> None:
    """An edition built before there were DAISY books and low-bitrate files: no broken link."""
    out = tmp_path / "out"
    make_edition(out, "2024-05-16")
    rebuild(out, SETTINGS)
    assert not (out / LOW_FEED).exists()
    # Nor is a low-bitrate copy of a programme already at that bitrate made.
    manifest = load_manifest(out / "2024-05-16")
    write_edition_formats(out / "2024-05-16", manifest, SETTINGS.audio, daisy=SETTINGS.daisy)
    assert not (out / "2024-05-16" / EDITION_LOW).exists()
    page = html.fromstring((out / "index.html").read_bytes())
    assert not [h for h in page.xpath("//a/@href") if "daisy" in h or EDITION_LOW in h]
    root = etree.fromstring((out / "feed.xml").read_bytes())
    assert not root.xpath("//podcast:alternateEnclosure", namespaces=NS)
    # Sections from the page numbers of a manifest that names none.
    assert section_name(load_manifest(out / "2024-05-16").clips[0]) == "第1版"
    assert (out / "sections" / "di-1-ban.xml").is_file()


def test_build_encodes_the_low_bitrate_copy_with_the_programmes_tags(sample_build: tuple[Path, object]) -> None:
    from mutagen.id3 import ID3

    out, result = sample_build
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    folder = out / "2022-10-12"
    low, programme = folder / EDITION_LOW, folder / "edition.mp3"
    assert decoded_seconds(low) == pytest.approx(decoded_seconds(programme), abs=0.1)
    assert MP3(low).info.bitrate == 32_000 and MP3(low).info.channels == 1
    assert low.stat().st_size < programme.stat().st_size * 0.6
    tags, own = ID3(low), ID3(programme)
    assert str(tags["TIT2"]) == str(own["TIT2"])
    assert sorted(c.start_time for c in tags.getall("CHAP")) == sorted(c.start_time for c in own.getall("CHAP"))
    assert len(tags.getall("CHAP")) == len(load_manifest(folder).clips)
    # Offered in the feed and on the page.
    root = etree.fromstring((out / "feed.xml").read_bytes())
    assert root.xpath("//podcast:alternateEnclosure/podcast:source/@uri", namespaces=NS)[-1].endswith(EDITION_LOW)
    assert (out / LOW_FEED).is_file()
