"""ID3v2.3 tags for clips and the edition (mutagen), as playout systems and podcast apps read them.

v2.3 rather than v2.4 because Windows, many car stereos and radio playout importers
(Rivendell's rdimport among them) still read only v2.3 reliably. So only v2.3's frames: the
date is TYER and TDAT (v2.4's TDRC is an unknown frame to eyeD3 and id3lib), and chapters
are stored in time order, which ffprobe, eyeD3 and remuxes take as the chapters' order.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCON,
    TDAT,
    TIT2,
    TLAN,
    TPE1,
    TPE2,
    TRCK,
    TYER,
    CTOCFlags,
    PictureType,
)
from mutagen.id3._tags import save_frame  # mutagen's own frame writer: see _ID3v23

from audiopaper.core.chapter import Chapter

GENRE = "Speech"
LANGUAGE = "chi"  # ISO 639-2, as TLAN wants
_NO_OFFSET = 0xFFFFFFFF  # CHAP byte offsets unused: players seek by time


class _ID3v23(ID3):
    """A tag that writes its chapters last, in time order.

    mutagen writes frames sorted by size (quodlibet/mutagen#506, unfixed as of 1.48), which
    stored chapters as chp2, chp1, chp4 …: the order ffprobe, eyeD3 and any remux list them
    in, whatever the CTOC says. So the CHAP frames are kept apart and appended in order."""

    def __init__(self, chapters: Sequence[CHAP]) -> None:
        super().__init__()
        # mutagen sets a frame's fields from its spec at run time: mypy cannot see them.
        self.chapters = sorted(chapters, key=lambda c: (c.start_time, c.end_time))  # type: ignore[attr-defined]

    def _write(self, config: Any) -> bytearray:
        data = super()._write(config)
        for chapter in self.chapters:
            data += save_frame(chapter, config=config)
        return data


@dataclass(frozen=True)
class Tags:
    title: str
    artist: str  # the credits, or the paper
    album: str  # paper, date, 有声版
    album_artist: str  # the paper
    track: int
    tracks: int
    date: str  # ISO
    comment: str


def write_tags(path: Path, tags: Tags, chapters: Sequence[Chapter] = (), cover: Path | None = None) -> None:
    """Replace the file's ID3 tag. Writes in place: call it on a file not yet published."""
    day = dt.date.fromisoformat(tags.date)
    frames = [_chapter(f"chp{i}", c) for i, c in enumerate(chapters)]
    id3 = _ID3v23(frames)
    id3.add(TIT2(encoding=1, text=[tags.title]))
    id3.add(TPE1(encoding=1, text=[tags.artist]))
    id3.add(TPE2(encoding=1, text=[tags.album_artist]))
    id3.add(TALB(encoding=1, text=[tags.album]))
    id3.add(TRCK(encoding=1, text=[f"{tags.track}/{tags.tracks}"]))
    id3.add(TYER(encoding=0, text=[f"{day.year:04d}"]))
    id3.add(TDAT(encoding=0, text=[f"{day.day:02d}{day.month:02d}"]))  # DDMM, as v2.3 has it
    id3.add(TCON(encoding=1, text=[GENRE]))
    id3.add(TLAN(encoding=1, text=[LANGUAGE]))
    id3.add(COMM(encoding=1, lang=LANGUAGE, desc="", text=[tags.comment]))
    if frames:
        id3.add(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=[f.element_id for f in id3.chapters],  # type: ignore[attr-defined]
                sub_frames=[TIT2(encoding=1, text=[tags.album])],
            )
        )
    if cover is not None:
        mime = mimetypes.guess_type(cover.name)[0] or "image/jpeg"
        id3.add(APIC(encoding=1, mime=mime, type=PictureType.COVER_FRONT, desc="cover", data=cover.read_bytes()))
    id3.update_to_v23()  # what mutagen asks before a v2.3 save: no v2.4-only frame slips through
    id3.save(path, v2_version=3)


def _chapter(element_id: str, chapter: Chapter) -> CHAP:
    return CHAP(
        element_id=element_id,
        start_time=chapter.start_ms,
        end_time=chapter.end_ms,
        start_offset=_NO_OFFSET,
        end_offset=_NO_OFFSET,
        sub_frames=[TIT2(encoding=1, text=[chapter.title])],
    )
