"""The manifest: what an edition folder holds. The feed and pages are rebuilt from these, so
no edition is lost when one build fails or a feed is regenerated.

The dataclasses below are its declared JSON form: written field by field in their order, and
read back through msgspec, which checks every field's type, so a damaged manifest is refused
by name (`clips[2].duration_ms: expected int, got str`) instead of failing somewhere later."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import msgspec

from audiopaper.core.typed import finding
from audiopaper.edition import Credit
from audiopaper.fsutil import atomic_write_text
from audiopaper.publish.layout import MANIFEST

VERSION = 1


@dataclass(frozen=True)
class ClipEntry:
    index: int
    title: str
    kicker: str | None
    subtitle: str | None
    kind: str
    page: int | None
    credits: tuple[Credit, ...]  # written as the edition writes them: [{"role": ..., "name": ...}]
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
    if clip.section and clip.section.strip():
        return clip.section.strip()
    if clip.page is not None:
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

    def __post_init__(self) -> None:
        # What a type cannot say; msgspec reports it as the manifest's damage, like a type.
        try:
            dt.date.fromisoformat(self.date)
        except ValueError:
            raise ValueError(f"date: {self.date[:40]!r} is not a date YYYY-MM-DD") from None


def write_manifest(manifest: Manifest, folder: Path) -> None:
    # asdict, not msgspec.to_builtins: a manifest msgspec read keeps its defaults on the class,
    # which to_builtins would leave out; every field is written, always.
    atomic_write_text(folder / MANIFEST, json.dumps(asdict(manifest), ensure_ascii=False, indent=1) + "\n")


class ManifestError(Exception):
    """A manifest that is missing or cannot be read; str() says which and why."""


def load_manifest(folder: Path) -> Manifest:
    """The folder's manifest; ManifestError when it has none or an unreadable one."""
    path = folder / MANIFEST
    try:
        return msgspec.json.decode(path.read_bytes(), type=Manifest, strict=True)
    except FileNotFoundError:
        raise ManifestError(f"{folder.name} has no {MANIFEST}") from None
    except msgspec.ValidationError as exc:
        raise ManifestError(f"{folder.name}/{MANIFEST} is unreadable ({_field_problem(exc)})") from None
    except (OSError, msgspec.DecodeError, RecursionError) as exc:
        reason = type(exc).__name__ if isinstance(exc, RecursionError) else str(exc).splitlines()[0][:80]
        raise ManifestError(f"{folder.name}/{MANIFEST} is unreadable ({reason})") from None


def _field_problem(exc: msgspec.ValidationError) -> str:
    """msgspec's "Expected `int`, got `str` - at `$.clips[2].bytes`" as "clips[2].bytes:
    expected int, got str": the field first, as the edition's messages name theirs."""
    found = finding(exc)
    path, problem = found.path.removeprefix("."), found.problem
    if found.missing:
        path, problem = ".".join(p for p in (path, found.missing) if p), "missing"
    problem = problem.replace("`", "")
    problem = problem[:1].lower() + problem[1:]
    return f"{path}: {problem}"[:120] if path else problem[:120]


def read_manifest(folder: Path) -> Manifest | None:
    """The folder's manifest, or None when it has none or an unreadable one."""
    try:
        return load_manifest(folder)
    except ManifestError:
        return None
