"""The podcast feeds, regenerated from every edition's manifest in OUT.

OUT/feed.xml has one item per edition (the daily programme); OUT/articles.xml, unless
settings.feed.per_article_feed is false, one item per article. Each edition's item offers
its low-bitrate copy, where there is one, as podcast:alternateEnclosure; the section feeds
and the low-bitrate feed itself are more_feeds.py's. Both are rebuilt whole from
the edition folders on every build, so a lost or broken feed is never more than a
`audiopaper feed` away, and an edition once built is never dropped except by `keep`.

RSS 2.0 with the itunes: and Podcasting 2.0 podcast: namespaces, checked against Apple's
required tags and PSP-1 (the podcast RSS standard). Generated with feedgen; where feedgen 1.0
falls short see podcast_ext.py.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import quote, urljoin

from feedgen.feed import FeedGenerator

from audiopaper.core.chinese import chinese_date
from audiopaper.fsutil import atomic_write_bytes
from audiopaper.publish.artwork import publish_artwork
from audiopaper.publish.catalog import ArticleView, EditionView, editions, keep, paper_name
from audiopaper.publish.cover import write_cover
from audiopaper.publish.layout import FEED, INDEX, LOW_FEED
from audiopaper.publish.outdir import DEFAULT_BASE_URL
from audiopaper.publish.podcast_ext import PodcastEntryExtension, PodcastExtension, podcast_guid
from audiopaper.publish.sanitize import line
from audiopaper.settings import Settings, is_url

ARTICLES_FEED = "articles.xml"
BEIJING = dt.timezone(dt.timedelta(hours=8), "CST")
# Editions are dated, not timed; a morning paper is published at 06:00 Beijing time.
PUBLISH_TIME = dt.time(6, 0, tzinfo=BEIJING)
VTT = "text/vtt"


def base_url(settings: Settings) -> str:
    given = settings.base_url or DEFAULT_BASE_URL
    return given if given.endswith("/") else given + "/"


def url_for(settings: Settings, relative: str) -> str:
    """The public URL of a file given relative to OUT. Quoted, since clip names and a
    configured image may hold anything."""
    return urljoin(base_url(settings), quote(relative, safe="/#"))


def feed_title(settings: Settings, paper: str) -> str:
    return line(settings.feed.title) or f"{paper} 有声版"


def feed_description(settings: Settings, paper: str) -> str:
    return line(settings.feed.description) or f"{paper}每日有声版:每篇报道的朗读音频,附文字稿。"


def duration_text(ms: int) -> str:
    """H:MM:SS, which every podcast app reads (some misread bare seconds)."""
    seconds = round(ms / 1000)
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


def _publish_time(settings: Settings) -> dt.time:
    text = settings.feed.publish_time
    try:
        return dt.time.fromisoformat(text).replace(tzinfo=BEIJING) if text else PUBLISH_TIME
    except ValueError:
        return PUBLISH_TIME


def published_at(edition: EditionView, settings: Settings) -> dt.datetime:
    return dt.datetime.combine(edition.day, _publish_time(settings))


def image_url(out: Path, settings: Settings, paper: str) -> str | None:
    """The artwork's URL: the configured image (an http(s) URL, or a local file), else the
    default cover drawn into OUT; None only when there is neither (Pillow missing)."""
    configured = line(settings.feed.image)
    if configured:
        # A local file is copied into OUT: the feed never points outside it.
        return configured if is_url(configured) else url_for(settings, publish_artwork(out, Path(configured)))
    try:
        return url_for(settings, write_cover(out, paper).name)
    except ImportError:
        # Apple rejects a feed without artwork, but every other app plays it: the audio matters more.
        return None


def _channel(
    settings: Settings, paper: str, image: str | None, path: str, title: str, updated: dt.datetime
) -> FeedGenerator:
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.register_extension("podcastindex", PodcastExtension, PodcastEntryExtension)
    feed_url = url_for(settings, path)
    author = line(settings.feed.author) or paper
    fg.title(title)
    fg.description(feed_description(settings, paper))
    # feedgen takes the RSS <link> from the last link given: self first, the page last.
    fg.link(href=feed_url, rel="self")
    fg.link(href=url_for(settings, INDEX), rel="alternate")
    fg.language("zh-cn")
    fg.generator("audiopaper")
    if image:
        fg.image(url=image, title=title, link=url_for(settings, INDEX))
    # feedgen would stamp "now"; the newest build time keeps an unchanged feed byte-identical.
    fg.lastBuildDate(updated)
    fg.podcast.itunes_author(author)
    fg.podcast.itunes_owner(name=line(settings.feed.owner_name or "") or author, email=settings.feed.email)
    category, _, sub = (line(settings.feed.category) or "News").partition("/")
    fg.podcast.itunes_category({"cat": category.strip(), "sub": sub.strip()} if sub.strip() else {"cat": category})
    fg.podcast.itunes_type(settings.feed.itunes_type)
    ext = fg.podcastindex
    ext.explicit(settings.feed.explicit)
    if image:
        ext.image(image)
    ext.guid(settings.feed.guid or podcast_guid(feed_url))
    ext.locked(settings.feed.locked, owner=settings.feed.email)
    ext.medium("podcast")
    return fg


def _updated(kept: list[EditionView]) -> dt.datetime:
    stamps = [e.built_at for e in kept if e.built_at is not None]
    return max(stamps) if stamps else dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def _edition_description(edition: EditionView) -> str:
    headlines = "\n".join(f"{n}. {a.title}" for n, a in enumerate(edition.articles, 1))
    return f"{edition.paper} {chinese_date(edition.day)} 本期要目:\n{headlines}" if headlines else edition.paper


def render_feed(
    kept: list[EditionView], settings: Settings, paper: str, image: str | None, *, low: bool = False
) -> bytes:
    """feed.xml: one item per edition, newest first; with `low`, the low-bitrate feed
    (feed-low.xml) of the editions that have a low-bitrate file."""
    path, title = (LOW_FEED, f"{feed_title(settings, paper)} · {LOW_TITLE}") if low else (FEED, None)
    fg = _channel(settings, paper, image, path, title or feed_title(settings, paper), _updated(kept))
    for edition in kept:
        if low and not edition.low_audio:
            continue
        entry = fg.add_entry(order="append")
        # Stable across rebuilds and renames of the feed: the paper and the date say which
        # programme this is. (The same form the first feed used, so no episode reappears.)
        entry.guid(f"audiopaper:{edition.paper}:{edition.date}" + (":low" if low else ""), permalink=False)
        entry.title(f"{edition.paper} {chinese_date(edition.day)}")
        entry.description(_edition_description(edition))
        entry.link(href=url_for(settings, edition.page))
        if low and edition.low_audio:
            entry.enclosure(url_for(settings, edition.low_audio), str(edition.low_bytes), "audio/mpeg")
        else:
            entry.enclosure(url_for(settings, edition.audio), str(edition.bytes), "audio/mpeg")
        entry.pubDate(published_at(edition, settings))
        entry.podcast.itunes_duration(duration_text(edition.duration_ms))
        # A daily has no natural episode number; YYYYMMDD is unique, ordered and never
        # renumbers when an edition is added late or an old one pruned.
        entry.podcast.itunes_episode(int(edition.date.replace("-", "")))
        entry.podcast.itunes_episode_type("full")
        if edition.vtt:
            entry.podcastindex.transcript(url_for(settings, edition.vtt), VTT, "zh-cn", rel="captions")
        entry.podcastindex.transcript(url_for(settings, edition.page), "text/html", "zh-cn")
        if edition.chapters:
            entry.podcastindex.chapters(url_for(settings, edition.chapters))
        if edition.low_audio and not low:
            # The spec wants the <enclosure> itself listed too, marked default.
            entry.podcastindex.alternate_enclosure(
                url_for(settings, edition.audio),
                edition.bytes,
                "audio/mpeg",
                bitrate_of(edition.bytes, edition.duration_ms),
                "标准音质",
                default=True,
            )
            entry.podcastindex.alternate_enclosure(
                url_for(settings, edition.low_audio),
                edition.low_bytes,
                "audio/mpeg",
                bitrate_of(edition.low_bytes, edition.duration_ms),
                LOW_TITLE,
            )
    return fg.rss_str(pretty=True)


LOW_TITLE = "省流量版"


def bitrate_of(size: int, duration_ms: int) -> int:
    """Bits per second of a file `size` bytes long that plays `duration_ms`, to the kbit/s:
    the figure an app shows to let a listener choose."""
    return round(size * 8 / max(duration_ms / 1000, 1) / 1000) * 1000


def _article_description(article: ArticleView) -> str:
    parts = [article.subtitle] if article.subtitle else []
    if article.credits:
        parts.append(" ".join(f"{c.role} {c.name}".strip() for c in article.credits))
    parts.extend(article.transcript)
    return "\n\n".join(parts) or article.title


def render_article_feed(
    kept: list[EditionView],
    settings: Settings,
    paper: str,
    image: str | None,
    *,
    path: str = ARTICLES_FEED,
    title: str | None = None,
    section: str | None = None,
) -> bytes:
    """articles.xml: one item per article, for listeners who pick stories, and for radio;
    with `section`, only that section's articles (a section feed at `path`)."""
    title = title or f"{feed_title(settings, paper)} · 单篇报道"
    fg = _channel(settings, paper, image, path, title, _updated(kept))
    for edition in kept:
        start = published_at(edition, settings)
        for n, article in enumerate(edition.articles):
            if section is not None and article.section != section:
                continue
            entry = fg.add_entry(order="append")
            entry.guid(f"audiopaper:{edition.paper}:{article.audio}", permalink=False)
            entry.title(article.title)
            entry.description(_article_description(article))
            entry.link(href=url_for(settings, f"{edition.page}#a-{article.index}"))
            entry.enclosure(url_for(settings, article.audio), str(article.bytes), "audio/mpeg")
            # Apps sort by date, newest first; a minute less per article keeps the paper's
            # order (lead story on top) inside each day.
            entry.pubDate(start - dt.timedelta(minutes=n))
            entry.podcast.itunes_duration(duration_text(article.duration_ms))
            if article.vtt:
                entry.podcastindex.transcript(url_for(settings, article.vtt), VTT, "zh-cn", rel="captions")
    return fg.rss_str(pretty=True)


def write_feed(out: Path, settings: Settings, found: list[EditionView] | None = None) -> Path:
    """Rebuild OUT/feed.xml (and OUT/articles.xml, and the default OUT/cover.png) from every
    edition (`found`, see catalog.editions; read from OUT if not given). Each file is
    replaced atomically. Returns the path of feed.xml."""
    found = editions(out) if found is None else found
    kept = found[: keep(settings)]
    paper = paper_name(settings, found)
    image = image_url(out, settings, paper)
    path = out / FEED
    atomic_write_bytes(path, render_feed(kept, settings, paper, image))
    if settings.feed.per_article_feed:
        atomic_write_bytes(out / ARTICLES_FEED, render_article_feed(kept, settings, paper, image))
    return path
