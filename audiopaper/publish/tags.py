"""ID3v2.3 tags for clips and the edition (mutagen), as playout systems and podcast apps read them.

v2.3 rather than v2.4 because Windows, many car stereos and radio playout importers
(Rivendell's rdimport among them) still read only v2.3 reliably.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mutagen.id3 import (
    APIC,
    CHAP,
    COMM,
    CTOC,
    ID3,
    TALB,
    TCON,
    TDRC,
    TIT2,
    TLAN,
    TPE1,
    TPE2,
    TRCK,
    CTOCFlags,
    PictureType,
)

from audiopaper.publish.chapters import Chapter

GENRE = "Speech"
LANGUAGE = "chi"  # ISO 639-2, as TLAN wants
_NO_OFFSET = 0xFFFFFFFF  # CHAP byte offsets unused: players seek by time


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
    id3 = ID3()
    id3.add(TIT2(encoding=1, text=[tags.title]))
    id3.add(TPE1(encoding=1, text=[tags.artist]))
    id3.add(TPE2(encoding=1, text=[tags.album_artist]))
    id3.add(TALB(encoding=1, text=[tags.album]))
    id3.add(TRCK(encoding=1, text=[f"{tags.track}/{tags.tracks}"]))
    id3.add(TDRC(encoding=1, text=[tags.date]))
    id3.add(TCON(encoding=1, text=[GENRE]))
    id3.add(TLAN(encoding=1, text=[LANGUAGE]))
    id3.add(COMM(encoding=1, lang=LANGUAGE, desc="", text=[tags.comment]))
    if chapters:
        ids = [f"chp{i}" for i in range(len(chapters))]
        id3.add(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids,
                sub_frames=[TIT2(encoding=1, text=[tags.album])],
            )
        )
        for element_id, chapter in zip(ids, chapters, strict=True):
            id3.add(
                CHAP(
                    element_id=element_id,
                    start_time=chapter.start_ms,
                    end_time=chapter.end_ms,
                    start_offset=_NO_OFFSET,
                    end_offset=_NO_OFFSET,
                    sub_frames=[TIT2(encoding=1, text=[chapter.title])],
                )
            )
    if cover is not None:
        mime = mimetypes.guess_type(cover.name)[0] or "image/jpeg"
        id3.add(APIC(encoding=1, mime=mime, type=PictureType.COVER_FRONT, desc="cover", data=cover.read_bytes()))
    id3.save(path, v2_version=3)
