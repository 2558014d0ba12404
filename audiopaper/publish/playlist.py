"""The edition's clips as extended M3U playlists, for radio automation (Liquidsoap, Rivendell,
mAirList …).

A playlist's relative paths are resolved against the playlist's own location by some
players only: Liquidsoap reads `clips/01-x.mp3` from a playlist fetched over HTTP as a local
path, and plays nothing. So OUT/DATE/playlist.m3u8 holds absolute URLs once the public base
URL is known (configured, not the built-in placeholder), and OUT/DATE/playlist-local.m3u8
always holds paths relative to the edition folder, for a copy on the station's own disk.
Both are rewritten with the feeds, so a changed base URL reaches every edition.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path

from audiopaper.fsutil import atomic_write_text
from audiopaper.publish.catalog import EditionView, edition_view
from audiopaper.publish.feed import url_for
from audiopaper.publish.layout import PLAYLIST, PLAYLIST_LOCAL
from audiopaper.publish.manifest import Manifest
from audiopaper.publish.sanitize import line
from audiopaper.settings import Settings

_DEFAULT_BASE_URL = next(f.default for f in fields(Settings) if f.name == "base_url")


def known_base_url(settings: Settings) -> str | None:
    """The public base URL when one was given, else None (the built-in placeholder is no
    address a station could fetch from)."""
    url = (settings.base_url or "").strip()
    return url if url and url != _DEFAULT_BASE_URL else None


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
