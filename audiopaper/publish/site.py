"""Everything OUT publishes besides the audio, rebuilt in one call from the edition folders."""

from __future__ import annotations

from pathlib import Path

from audiopaper.publish.feed import write_feed
from audiopaper.publish.page import write_pages
from audiopaper.publish.playlist import write_all_playlists
from audiopaper.settings import Settings


def rebuild(out: Path, settings: Settings) -> Path:
    """Rebuild the feeds, the default cover and every page of OUT from its manifests.

    What `audiopaper feed --out DIR` runs: after editions were copied in, deleted by hand,
    or the settings (title, base URL, keep) changed. Returns the path of feed.xml."""
    feed = write_feed(out, settings)
    write_pages(out, settings)
    write_all_playlists(out, settings)  # so a new base URL reaches every edition's playlist
    return feed
