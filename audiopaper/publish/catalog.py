"""What OUT publishes: every edition folder read back through its manifest, checked and cleaned.

The feed and the pages are rendered from these views only, never from raw manifests, so both
see the same editions, the same text with control characters removed, and only files that
really exist inside their edition folder (a manifest edited to say `../../etc/passwd` yields
no link at all).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from audiopaper.edition import Credit
from audiopaper.errors import AudiopaperError
from audiopaper.publish.layout import DAISY, DAISY_ZIP, EDITION_LOW, edition_dirs
from audiopaper.publish.manifest import ClipEntry, Manifest, ManifestError, load_manifest, section_name
from audiopaper.publish.sanitize import clean, inside, line
from audiopaper.settings import Settings

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DEFAULT_PAPER = "audiopaper"


@dataclass(frozen=True)
class ArticleView:
    index: int
    title: str
    kicker: str
    subtitle: str
    credits: tuple[Credit, ...]
    audio: str  # relative to OUT, POSIX
    bytes: int  # the file's size on disk: what an enclosure must state exactly
    duration_ms: int
    transcript: tuple[str, ...]
    vtt: str | None  # relative to OUT
    section: str = ""  # the script's section: the paper's page, or a topic


@dataclass(frozen=True)
class EditionView:
    date: str  # the folder's name: the one thing about an edition a manifest cannot lie about
    paper: str
    audio: str  # relative to OUT
    bytes: int
    duration_ms: int
    vtt: str | None
    chapters: str | None
    articles: tuple[ArticleView, ...]
    built_at: dt.datetime | None
    complete: bool
    low_audio: str | None = None  # the programme at a low bitrate, relative to OUT
    low_bytes: int = 0
    daisy_zip: str | None = None  # the DAISY talking newspaper, relative to OUT
    daisy_bytes: int = 0

    @property
    def page(self) -> str:
        return f"{self.date}/index.html"

    @property
    def day(self) -> dt.date:
        return dt.date.fromisoformat(self.date)


def paper_name(settings: Settings, editions: list[EditionView] | None = None) -> str:
    """The paper's name: the setting, else what the newest edition says."""
    return line(settings.paper) or (editions[0].paper if editions else "") or DEFAULT_PAPER


def keep(settings: Settings) -> int | None:
    """How many editions the feed and index hold; 0 or less means all of them."""
    n = settings.feed.keep
    return n if n > 0 else None


def _built_at(text: str) -> dt.datetime | None:
    try:
        when = dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def edition_view(folder: Path, manifest: Manifest, date: str | None = None) -> EditionView | None:
    """The view of one edition folder, or None when its programme audio is missing.

    `date` overrides the folder name for a folder still being staged under another name.
    """
    date = date or folder.name
    if not _DATE.match(date):
        return None
    try:
        dt.date.fromisoformat(date)
    except ValueError:
        return None
    audio = inside(folder, manifest.edition_file) if isinstance(manifest.edition_file, str) else None
    if audio is None:
        return None

    articles = []
    for clip in manifest.clips:
        try:
            article = _article_view(folder, date, clip)
        except (TypeError, ValueError, AttributeError):
            article = None  # a hand-edited manifest with a malformed clip loses that clip only
        if article is not None:
            articles.append(article)
    try:
        duration_ms = max(int(manifest.edition_duration_ms), 0)
    except (TypeError, ValueError):
        duration_ms = 0
    return EditionView(
        date=date,
        paper=line(manifest.paper) or DEFAULT_PAPER,
        audio=f"{date}/{audio}",
        bytes=(folder / audio).stat().st_size,
        duration_ms=duration_ms,
        vtt=_rel(folder, date, manifest.edition_vtt),
        chapters=_rel(folder, date, manifest.chapters_file),
        articles=tuple(articles),
        built_at=_built_at(manifest.built_at),
        complete=bool(manifest.complete),
        low_audio=_rel(folder, date, EDITION_LOW),
        low_bytes=(folder / EDITION_LOW).stat().st_size if inside(folder, EDITION_LOW) else 0,
        # The book's zip only with its folder: a zip left from a build switched off since is stale.
        daisy_zip=_rel(folder, date, DAISY_ZIP) if (folder / DAISY / "ncc.html").is_file() else None,
        daisy_bytes=(folder / DAISY_ZIP).stat().st_size if inside(folder, DAISY_ZIP) else 0,
    )


def _rel(folder: Path, date: str, path: object) -> str | None:
    found = inside(folder, path) if isinstance(path, str) else None
    return f"{date}/{found}" if found else None


def _article_view(folder: Path, date: str, clip: ClipEntry) -> ArticleView | None:
    clip_audio = inside(folder, clip.file) if isinstance(clip.file, str) else None
    if clip_audio is None:
        return None  # a listener can't play it, so neither page nor feed offers it
    credits = tuple(Credit(line(c.role), line(c.name)) for c in clip.credits if line(c.name))
    return ArticleView(
        index=int(clip.index),
        title=line(clip.title) or f"第{int(clip.index)}篇",
        kicker=line(clip.kicker),
        subtitle=line(clip.subtitle),
        credits=credits,
        audio=f"{date}/{clip_audio}",
        bytes=(folder / clip_audio).stat().st_size,
        duration_ms=max(int(clip.duration_ms), 0),
        transcript=tuple(p for p in (clean(t).strip() for t in clip.transcript if isinstance(t, str)) if p),
        vtt=_rel(folder, date, clip.vtt),
        section=line(section_name(clip)),
    )


class Unpublishable(AudiopaperError):
    """Edition folders in OUT that cannot be published as they are."""


def editions(out: Path, staged: Mapping[str, Path] | None = None) -> list[EditionView]:
    """Every edition in OUT, newest first; `staged` maps a date to the folder about to
    become it (a build reads its own edition before swapping it in).

    A published episode never drops out of the feed unnoticed: an edition folder whose
    manifest is missing or unreadable, or whose audio is gone, stops the rebuild, named."""
    folders = {folder.name: folder for folder in edition_dirs(out)} | dict(staged or {})
    found, problems = [], []
    for date in sorted(folders, reverse=True):
        folder = folders[date]
        try:
            manifest = load_manifest(folder)
        except ManifestError as exc:
            problems.append(str(exc).replace(folder.name, date, 1))
            continue
        view = edition_view(folder, manifest, date=date)
        if view is None:
            problems.append(
                f"{date} has no {manifest.edition_file if isinstance(manifest.edition_file, str) else 'audio'}"
            )
        else:
            found.append(view)
    if problems:
        raise Unpublishable(f"cannot publish {out}: {'; '.join(problems)}. Repair or remove those edition folders")
    return found
