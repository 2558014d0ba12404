"""The edition's clips as extended M3U playlists, for radio automation (Liquidsoap, Rivendell,
mAirList …).

A playlist's relative paths are resolved against the playlist's own location by some
players only: Liquidsoap reads `clips/01-x.mp3` from a playlist fetched over HTTP as a local
path, and plays nothing. So OUT/DATE/playlist.m3u8 holds absolute URLs once the base URL is
known (given, not the placeholder), and OUT/DATE/playlist-local.m3u8
always holds paths relative to the edition folder, for a copy on the station's own disk.
Both are rewritten with the feeds, so a changed base URL reaches every edition.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from audiopaper.fsutil import atomic_write_text
from audiopaper.publish.catalog import EditionView, edition_view, editions
from audiopaper.publish.feed import url_for
from audiopaper.publish.layout import PLAYLIST, PLAYLIST_LOCAL
from audiopaper.publish.manifest import Manifest
from audiopaper.publish.outdir import DEFAULT_BASE_URL
from audiopaper.publish.sanitize import line
from audiopaper.settings import Settings

# The base URL when none is given: where `audiopaper serve` previews OUT on this machine.
PLACEHOLDER_BASE_URL = DEFAULT_BASE_URL


def known_base_url(settings: Settings) -> str | None:
    """The base URL OUT is published at, or None while it is only the placeholder: no
    station could fetch from another machine's localhost."""
    url = (settings.base_url or "").strip()
    if not url or url.rstrip("/") == PLACEHOLDER_BASE_URL.rstrip("/"):
        return None
    return url


def render_m3u8(entries: Sequence[tuple[str, int, str]]) -> str:
    """Extended M3U: (location, duration ms, title) in reading order. Titles are cleaned
    as in the feed (no control or bidi characters, one line): a newline in a title would
    make its second half a location."""
    lines = ["#EXTM3U"]
    for location, duration_ms, title in entries:
        lines.append(f"#EXTINF:{round(duration_ms / 1000)},{line(title)}")
        lines.append(location)
    return "\n".join(lines) + "\n"


def playlists(edition: EditionView, settings: Settings) -> dict[str, str]:
    """File name -> text of the edition's playlists."""
    prefix = f"{edition.date}/"
    local = [(a.audio.removeprefix(prefix), a.duration_ms, a.title) for a in edition.articles]
    published = local
    if known_base_url(settings) is not None:
        published = [(url_for(settings, a.audio), a.duration_ms, a.title) for a in edition.articles]
    return {PLAYLIST: render_m3u8(published), PLAYLIST_LOCAL: render_m3u8(local)}


def write_playlists(folder: Path, edition: EditionView, settings: Settings) -> None:
    for name, text in playlists(edition, settings).items():
        atomic_write_text(folder / name, text)


def write_edition_playlists(folder: Path, manifest: Manifest, settings: Settings) -> None:
    """The playlists of one edition folder, which may still be a staging folder named otherwise."""
    view = edition_view(folder, manifest, date=manifest.date)
    if view is not None:
        write_playlists(folder, view, settings)


def write_all_playlists(out: Path, settings: Settings, found: list[EditionView] | None = None) -> None:
    """Every edition's playlists (`found`, see catalog.editions; read from OUT if not given),
    rewritten with the feeds: a base URL given or changed since reaches them all."""
    for edition in editions(out) if found is None else found:
        write_playlists(out / edition.date, edition, settings)
