"""The feeds beside feed.xml: one per section (the paper's pages, or topics as configured),
OUT/sections/<pinyin>.xml, for listeners who follow one topic; and the editions at a low
bitrate, OUT/feed-low.xml, for listeners on a phone plan (the main feed offers the same
file as podcast:alternateEnclosure). Rebuilt whole with the main feed.
"""

from __future__ import annotations

from pathlib import Path

from audiopaper.fsutil import atomic_write_bytes
from audiopaper.publish.catalog import EditionView, editions, keep, paper_name
from audiopaper.publish.feed import feed_title, image_url, render_article_feed, render_feed
from audiopaper.publish.layout import LOW_FEED, SECTIONS, slug
from audiopaper.settings import Settings


def section_feeds(kept: list[EditionView]) -> list[tuple[str, str]]:
    """(section, its feed's path relative to OUT) for every section of the kept editions,
    in the newest edition's order. The file is named by the section's pinyin, so a section
    keeps its feed from day to day."""
    names = list(dict.fromkeys(a.section for e in kept for a in e.articles if a.section))
    found: list[tuple[str, str]] = []
    taken: set[str] = set()
    for name in names:
        stem = slug(name)
        candidate, n = stem, 1
        while candidate in taken:  # two names with one pinyin (or none: "article")
            n += 1
            candidate = f"{stem}-{n}"
        taken.add(candidate)
        found.append((name, f"{SECTIONS}/{candidate}.xml"))
    return found


def write_more_feeds(out: Path, settings: Settings, found: list[EditionView] | None = None) -> list[Path]:
    """Rebuild the section feeds and the low-bitrate feed from every edition (`found`, see
    catalog.editions; read from OUT if not given). Returns the paths written."""
    found = editions(out) if found is None else found
    kept = found[: keep(settings)]
    paper = paper_name(settings, found)
    image = image_url(out, settings, paper)
    written = []
    if any(e.low_audio for e in kept):
        atomic_write_bytes(out / LOW_FEED, render_feed(kept, settings, paper, image, low=True))
        written.append(out / LOW_FEED)
    for name, relative in section_feeds(kept):
        title = f"{feed_title(settings, paper)} · {name}"
        feed = render_article_feed(kept, settings, paper, image, path=relative, title=title, section=name)
        atomic_write_bytes(out / relative, feed)
        written.append(out / relative)
    return written
