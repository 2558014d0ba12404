"""The listeners' pages: OUT/index.html (every kept edition) and OUT/DATE/index.html (one).

Written for people who read little or not at all, many of them old: large type, high
contrast, one heading per article so a screen reader can jump from story to story, native
<audio> controls (keyboard operable everywhere), and preload="none" so a page with dozens of
players costs nothing on a metered phone until one is played.
"""

from __future__ import annotations

import functools
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from audiopaper.core.chinese import chinese_date
from audiopaper.fsutil import atomic_write_text
from audiopaper.publish.catalog import EditionView, edition_view, editions, keep, paper_name
from audiopaper.publish.feed import ARTICLES_FEED, feed_title
from audiopaper.publish.layout import FEED, INDEX, LOW_FEED
from audiopaper.publish.manifest import Manifest
from audiopaper.publish.more_feeds import section_feeds
from audiopaper.settings import Settings


def _href(path: str, root: str = "") -> str:
    # Paths come from manifests; quoting keeps a stray "#", "?" or space from breaking a link.
    return root + quote(path, safe="/#")


def _minutes(ms: int) -> str:
    seconds = round(ms / 1000)
    if seconds < 60:
        return f"{seconds}秒"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes}分{rest:02d}秒" if rest else f"{minutes}分钟"


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{max(round(n / 1000), 1)} KB"


@functools.cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("audiopaper.publish", "templates"),
        # Autoescape everything, not just *.html: every string in a page came from a manifest.
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["href"] = _href
    env.filters["chinese_date"] = chinese_date
    env.filters["minutes"] = _minutes
    env.filters["size"] = _size
    return env


def render_page(
    shown: list[EditionView],
    settings: Settings,
    paper: str,
    *,
    edition_page: bool,
    articles_feed: bool = True,
    more_feeds: tuple[list[tuple[str, str]], bool] = ([], False),
) -> str:
    """One page. On an edition page links are relative to the edition folder (root "../"),
    transcripts are shown in full and article ids match the feed's links (#a-N).
    `more_feeds`: the section feeds (name, path in OUT) and whether the low-bitrate feed exists."""
    root = "../" if edition_page else ""
    sections, low = more_feeds
    return (
        _environment()
        .get_template("index.html")
        .render(
            title=feed_title(settings, paper),
            page_title=(
                f"{shown[0].paper} {chinese_date(shown[0].day)} - {feed_title(settings, paper)}"
                if edition_page and shown
                else feed_title(settings, paper)
            ),
            root=root,
            feed_href=root + FEED,
            articles_href=root + ARTICLES_FEED if articles_feed else None,
            low_href=root + LOW_FEED if low else None,
            section_feeds=[(name, _href(path, root)) for name, path in sections],
            home_href=root + INDEX if edition_page else None,
            editions=shown,
            edition_page=edition_page,
        )
    )


def write_pages(out: Path, settings: Settings, found: list[EditionView] | None = None) -> None:
    """Rebuild OUT/index.html and every edition's own page, so a template change reaches
    old editions too. `found`: the editions (catalog.editions), read from OUT if not given."""
    found = editions(out) if found is None else found
    paper = paper_name(settings, found)
    articles_feed = settings.feed.per_article_feed
    kept = found[: keep(settings)]
    more = (section_feeds(kept), any(e.low_audio for e in kept))
    atomic_write_text(
        out / INDEX,
        render_page(kept, settings, paper, edition_page=False, articles_feed=articles_feed, more_feeds=more),
    )
    for edition in found:
        atomic_write_text(
            out / edition.date / INDEX,
            render_page([edition], settings, paper, edition_page=True, articles_feed=articles_feed, more_feeds=more),
        )


def write_edition_page(folder: Path, manifest: Manifest, settings: Settings) -> None:
    """The page of one edition folder, which may still be a staging folder named otherwise."""
    view = edition_view(folder, manifest, date=manifest.date)
    shown = [view] if view is not None else []
    paper = paper_name(settings, shown)
    atomic_write_text(
        folder / INDEX,
        render_page(shown, settings, paper, edition_page=True, articles_feed=settings.feed.per_article_feed),
    )
