"""The podcast feed, regenerated from every edition's manifest in OUT."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import quote, urljoin

from feedgen.feed import FeedGenerator

from audiopaper.fsutil import atomic_write_bytes
from audiopaper.publish.layout import FEED, INDEX
from audiopaper.publish.manifest import Manifest, all_manifests
from audiopaper.settings import Settings

# Editions are dated, not timed; a morning paper is published at 06:00 Beijing time.
PUBLISH_TIME = dt.time(6, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def url_for(settings: Settings, relative: str) -> str:
    base = settings.base_url if settings.base_url.endswith("/") else settings.base_url + "/"
    return urljoin(base, quote(relative))


def feed_title(settings: Settings, paper: str) -> str:
    return settings.feed.title or f"{paper} 有声版"


def _duration(ms: int) -> str:
    seconds = round(ms / 1000)
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def render_feed(manifests: list[Manifest], settings: Settings) -> bytes:
    paper = settings.paper or (manifests[0].paper if manifests else "audiopaper")
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.title(feed_title(settings, paper))
    fg.description(settings.feed.description or f"{paper}每日有声版:每篇报道的朗读音频。")
    fg.link(href=url_for(settings, INDEX), rel="alternate")
    fg.link(href=url_for(settings, FEED), rel="self")
    fg.language("zh-cn")
    fg.generator("audiopaper")
    fg.podcast.itunes_author(settings.feed.author or paper)
    fg.podcast.itunes_owner(name=settings.feed.author or paper, email=settings.feed.email)
    fg.podcast.itunes_category(settings.feed.category)
    fg.podcast.itunes_explicit("no")
    for manifest in manifests[: settings.feed.keep]:
        entry = fg.add_entry(order="append")
        audio = f"{manifest.date}/{manifest.edition_file}"
        entry.guid(f"audiopaper:{paper}:{manifest.date}", permalink=False)
        entry.title(f"{manifest.paper} {manifest.date}")
        entry.description(";".join(c.title for c in manifest.clips))
        entry.enclosure(url_for(settings, audio), str(manifest.edition_bytes), "audio/mpeg")
        entry.pubDate(dt.datetime.combine(dt.date.fromisoformat(manifest.date), PUBLISH_TIME))
        entry.podcast.itunes_duration(_duration(manifest.edition_duration_ms))
    return fg.rss_str(pretty=True)


def write_feed(out: Path, settings: Settings) -> Path:
    path = out / FEED
    atomic_write_bytes(path, render_feed(all_manifests(out), settings))
    return path
