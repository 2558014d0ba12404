"""The publication stage: the programme's files tagged, given transcripts and recorded in a
manifest inside a staging folder, with the edition's page, playlists and other forms; then
published into OUT in one step (see outdir.publishing), or not at all.

Everything for one date is written into the staging folder and swapped into place only when
complete, so a failed or killed build never costs what OUT already held."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path

from audiopaper.audio.programme import ClipAudio, Programme, ProgrammeFiles
from audiopaper.edition import Article
from audiopaper.fsutil import atomic_write_text
from audiopaper.publish.chapters import chapters_json
from audiopaper.publish.formats import low_bitrate_outputs, write_edition_formats
from audiopaper.publish.layout import CHAPTERS, CLIPS, EDITION_AUDIO, EDITION_VTT, PLAYLIST, clip_name
from audiopaper.publish.manifest import ClipEntry, Manifest, read_manifest, write_manifest
from audiopaper.publish.outdir import Identity
from audiopaper.publish.page import write_edition_page
from audiopaper.publish.playlist import write_edition_playlists
from audiopaper.publish.site import publish as publish_site
from audiopaper.publish.tags import Tags, write_tags
from audiopaper.publish.transcript import to_srt, to_vtt
from audiopaper.script import ArticleScript, Script, Segment
from audiopaper.settings import AudioSettings, Settings
from audiopaper.tts import ServiceStats


@contextlib.contextmanager
def staging_folder(out: Path, date: str) -> Iterator[Path]:
    """A folder inside OUT to write the edition of `date` into, removed on leaving (once
    published it is gone already); one a killed build left behind goes at the next lock
    (outdir.recover)."""
    staging = out / f".staging-{date}-{os.getpid()}"
    (staging / CLIPS).mkdir(parents=True)
    try:
        yield staging
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _clip_path(staging: Path, item: ArticleScript) -> Path:
    return staging / CLIPS / clip_name(item.index, item.article.title)


def programme_files(staging: Path, audio: AudioSettings) -> ProgrammeFiles:
    """Where in the staging folder the programme stage writes its audio."""
    return ProgrammeFiles(
        edition=staging / EDITION_AUDIO,
        also=low_bitrate_outputs(staging, audio),
        clip=partial(_clip_path, staging),
    )


@dataclass(frozen=True)
class BuildRecord:
    """How the edition was built, as its manifest records it."""

    engine: str
    warnings: Sequence[str]  # the edition's, possible losses first
    notes: Sequence[str]  # what the build did not read, or read otherwise than asked
    service: ServiceStats | None  # an online engine's requests, retries, refusals


def _date(script: Script) -> str:
    assert script.date is not None  # a build's edition always has its date
    return script.date


def _album(script: Script) -> str:
    return f"{script.paper} {_date(script)} 有声版"


def _comment(article: Article) -> str:
    page = f"第{article.page}版 " if article.page else ""
    return f"{page}{article.kicker or ''}{article.title}".strip()


def _credits_text(article: Article, paper: str) -> str:
    return "、".join(f"{c.role} {c.name}" for c in article.credits) or paper


def _spoken_hash(segments: Sequence[Segment]) -> str:
    return hashlib.sha256("\n".join(s.spoken for s in segments).encode()).hexdigest()


def clip_entry(clip: ClipAudio, script: Script) -> ClipEntry:
    """Tags and transcripts for the encoded clip, and its manifest entry."""
    item, path = clip.item, clip.path
    article = item.article
    tags = Tags(
        title=article.title,
        artist=_credits_text(article, script.paper),
        album=_album(script),
        album_artist=script.paper,
        track=item.index,
        tracks=len(script.articles),
        date=_date(script),
        comment=_comment(article),
    )
    write_tags(path, tags)
    vtt = path.with_suffix(".vtt")
    atomic_write_text(vtt, to_vtt(clip.cues))
    atomic_write_text(path.with_suffix(".srt"), to_srt(clip.cues))
    a = article
    return ClipEntry(
        index=item.index,
        title=a.title,
        kicker=a.kicker,
        subtitle=a.subtitle,
        kind=a.kind,
        page=a.page,
        credits=a.credits,
        file=f"{CLIPS}/{path.name}",
        bytes=path.stat().st_size,
        duration_ms=clip.duration_ms,
        spoken_sha256=_spoken_hash(item.segments),
        transcript=list(a.paragraphs),
        vtt=f"{CLIPS}/{vtt.name}",
        lufs=round(clip.level.lufs, 2),
        true_peak_db=round(clip.level.true_peak_db, 2),
        section=script.section_of(item.index),
    )


def stage_edition(
    staging: Path, script: Script, programme: Programme, record: BuildRecord, settings: Settings
) -> Manifest:
    """The staged edition made whole: the clips' and the edition's tags and transcripts,
    its chapters, manifest, page, playlists and other forms (low bitrate, DAISY)."""
    clips = [clip_entry(clip, script) for clip in programme.clips]
    artwork = settings.audio.cover or settings.feed.image
    cover = Path(artwork) if artwork and Path(artwork).is_file() else None
    edition_tags = Tags(
        title=_album(script),
        artist=script.paper,
        album=_album(script),
        album_artist=script.paper,
        track=1,
        tracks=1,
        date=_date(script),
        comment="；".join(c.title for c in clips),
    )
    edition_path = staging / EDITION_AUDIO
    write_tags(edition_path, edition_tags, programme.chapters, cover)
    atomic_write_text(staging / EDITION_VTT, to_vtt(programme.cues))
    atomic_write_text(staging / EDITION_VTT.replace(".vtt", ".srt"), to_srt(programme.cues))
    atomic_write_text(staging / CHAPTERS, chapters_json(programme.chapters))
    manifest = Manifest(
        paper=script.paper,
        date=_date(script),
        engine=record.engine,
        built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        complete=not programme.failed,
        edition_file=EDITION_AUDIO,
        edition_bytes=edition_path.stat().st_size,
        edition_duration_ms=programme.duration_ms,
        clips=clips,
        failed=[f.item for f in programme.failed],
        warnings=list(record.warnings),
        notes=list(record.notes),
        service=asdict(record.service) if record.service else None,
        edition_vtt=EDITION_VTT,
        chapters_file=CHAPTERS,
        playlist_file=PLAYLIST,
        edition_lufs=round(programme.lufs, 2) if programme.lufs is not None else None,
        edition_true_peak_db=round(programme.true_peak_db, 2),
    )
    write_manifest(manifest, staging)
    # The folder arrives with its page: rebuild_site rewrites it, but a listener looking
    # between the swap and that rewrite finds a whole edition, not a folder without one.
    write_edition_page(staging, manifest, settings)
    write_edition_playlists(staging, manifest, settings)
    write_edition_formats(staging, manifest, settings.audio, daisy=settings.daisy)  # low bitrate, DAISY
    return manifest


def publish_edition(
    staging: Path, manifest: Manifest, settings: Settings, identity: Identity, *, allow_partial: bool
) -> bool:
    """Swap the staged edition into OUT with the site rebuilt around it, unless it is partial
    and would replace a complete one (`allow_partial` lets it). Whether it was published."""
    out = settings.out
    existing = read_manifest(out / manifest.date)
    publish = manifest.complete or allow_partial or existing is None or not existing.complete
    if publish:
        publish_site(out, settings, identity, staged=(manifest.date, staging))
    return publish
