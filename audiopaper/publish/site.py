"""Everything OUT publishes besides the audio, rebuilt in one call from the edition folders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from audiopaper.publish.catalog import editions
from audiopaper.publish.feed import write_feed
from audiopaper.publish.more_feeds import write_more_feeds
from audiopaper.publish.outdir import Identity, locked, publishing, settle, write_identity
from audiopaper.publish.page import write_pages
from audiopaper.publish.playlist import write_all_playlists
from audiopaper.settings import Settings


def rebuild(out: Path, settings: Settings, staged: Mapping[str, Path] | None = None) -> Path:
    """Rebuild the feeds, the default cover and every page of OUT from its manifests (and
    `staged`, the folders a build is about to swap in: see catalog.editions).

    What `audiopaper feed --out DIR` runs: after editions were copied in, deleted by hand,
    or the settings (title, keep) changed. Returns the path of feed.xml."""
    found = editions(out, staged)  # every manifest read once, for all that follows
    feed = write_feed(out, settings, found)
    write_more_feeds(out, settings, found)
    write_pages(out, settings, found)
    write_all_playlists(out, settings, found)  # so a new base URL reaches every edition's playlist
    return feed


def site_settings(settings: Settings, identity: Identity) -> Settings:
    """The settings the site is rendered with: OUT's paper and address, as settled."""
    return replace(settings, paper=identity.paper or settings.paper, base_url=identity.base_url)


def publish(out: Path, settings: Settings, identity: Identity, staged: tuple[str, Path] | None = None) -> Path:
    """One publication, complete or not done at all (see outdir.publishing): the staged
    edition folder (date, folder) swapped in, OUT's identity recorded, and the feeds and
    pages rebuilt to match. The caller holds OUT's lock. Returns the path of feed.xml."""
    rendered = site_settings(settings, identity)
    with publishing(out) as publication:
        if staged is not None:
            publication.swap_dir(staged[1], out / staged[0])
        write_identity(out, identity)
        feed = rebuild(out, rendered, dict([staged]) if staged else None)
    return feed


def republish(out: Path, settings: Settings, *, change_base_url: bool = False) -> Path:
    """`audiopaper feed`: rebuild what OUT publishes, keeping its paper and address unless
    a new address is given with `change_base_url`."""
    with locked(out):
        identity = settle(out, settings.paper, settings.base_url, change_base_url=change_base_url)
        return publish(out, settings, identity)
