"""The manifest: what an edition folder holds. The feed and pages are rebuilt from these, so
no edition is lost when one build fails or a feed is regenerated."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from audiopaper.edition import Credit
from audiopaper.fsutil import atomic_write_text
from audiopaper.publish.layout import MANIFEST, edition_dirs

VERSION = 1


@dataclass(frozen=True)
class ClipEntry:
    index: int
    title: str
    kicker: str | None
    subtitle: str | None
    kind: str
    page: int | None
    credits: tuple[Credit, ...]  # written as [{role, name}], as an edition has them
    file: str  # relative to the edition folder
    bytes: int
    duration_ms: int
    spoken_sha256: str
    transcript: list[str]  # the written text, paragraph by paragraph
    vtt: str | None = None  # WebVTT transcript beside the clip, relative to the edition folder
    # Integrated loudness of the MP3: the build's first clip is decoded and measured, which
    # shows what the codec takes off; the others are metered as they are encoded, less that.
    lufs: float | None = None
    true_peak_db: float | None = None
    # The script's section that reads it (第1版,要闻 or a topic); None in older manifests.
    section: str | None = None


def section_name(clip: ClipEntry) -> str:
    """The section a clip belongs to: as the script named it, else by its page (manifests
    from before sections were recorded), else one section for the whole edition."""
    if isinstance(clip.section, str) and clip.section.strip():
        return clip.section.strip()
    if isinstance(clip.page, int):
        return f"第{clip.page}版"
    return "本期报道"


@dataclass(frozen=True)
class Manifest:
    paper: str
    date: str
    engine: str
    built_at: str  # ISO 8601 UTC
    complete: bool
    edition_file: str
    edition_bytes: int
    edition_duration_ms: int
    clips: list[ClipEntry]
    failed: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    edition_vtt: str | None = None  # relative to the edition folder, like every file here
    chapters_file: str | None = None  # Podcasting 2.0 JSON chapters
    playlist_file: str | None = None
    edition_lufs: float | None = None  # metered as encoded, less the codec's loss on the clips
    edition_true_peak_db: float | None = None
    # An online engine's requests: {"requests": n, "retries": n, "refused": n}; None offline.
    service: dict[str, int] | None = None
    version: int = VERSION


def write_manifest(manifest: Manifest, folder: Path) -> None:
    atomic_write_text(folder / MANIFEST, json.dumps(asdict(manifest), ensure_ascii=False, indent=1) + "\n")


class ManifestError(Exception):
    """A manifest that is missing or cannot be read; str() says which and why."""


def load_manifest(folder: Path) -> Manifest:
    """The folder's manifest; ManifestError when it has none or an unreadable one."""
    path = folder / MANIFEST
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        clips = [_clip(c) for c in data.pop("clips")]
        return Manifest(clips=clips, **data)
    except FileNotFoundError:
        raise ManifestError(f"{folder.name} has no {MANIFEST}") from None
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
        reason = type(exc).__name__ if isinstance(exc, RecursionError) else str(exc).splitlines()[0][:80]
        raise ManifestError(f"{folder.name}/{MANIFEST} is unreadable ({reason})") from None


def _clip(found: Any) -> ClipEntry:
    if isinstance(found, dict) and "credits" in found:
        found = {**found, "credits": _credits(found["credits"])}
    return ClipEntry(**found)


def _credits(found: object) -> tuple[Credit, ...]:
    """A clip's credits as read back. A hand-edited manifest may hold anything: what is no
    {role, name} object is left out, and a role or name that is no string is no text."""
    if not isinstance(found, list):
        return ()
    return tuple(Credit(_text(c.get("role")), _text(c.get("name"))) for c in found if isinstance(c, dict))


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def read_manifest(folder: Path) -> Manifest | None:
    """The folder's manifest, or None when it has none or an unreadable one."""
    try:
        return load_manifest(folder)
    except ManifestError:
        return None


def all_manifests(out: Path) -> list[Manifest]:
    """Every readable edition in OUT, newest first."""
    found = (read_manifest(d) for d in edition_dirs(out))
    return [m for m in found if m is not None]
