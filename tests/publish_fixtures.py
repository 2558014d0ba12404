"""Edition folders as a build writes them, without running the speech pipeline: real (tiny)
MP3s, a manifest, WebVTT transcripts and Podcasting 2.0 chapters, in a temporary OUT."""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
import struct
import tempfile
from functools import cache
from pathlib import Path

from audiopaper.audio.ffmpeg import encode_mp3
from audiopaper.edition import Credit
from audiopaper.publish.layout import CLIPS, EDITION_AUDIO, clip_name
from audiopaper.publish.manifest import ClipEntry, Manifest, write_manifest

PAPER = "平湖日报"
BASE_URL = "https://radio.example/pinghu/"
RATE = 8000
TITLES = (
    "全市秋粮收购工作全面启动",
    "新埭镇:“共富工坊”开进村",
    "当湖街道举办重阳敬老活动",
)
HOSTILE_TITLE = "<script>alert('x')</script> & \"引号\" ../../evil\x00\x07\x1b 标题/路径\\分隔"


def _tone(seconds: float) -> bytes:
    samples = int(RATE * seconds)
    return b"".join(struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / RATE))) for i in range(samples))


@cache
def tone_mp3(seconds: float = 1.0) -> bytes:
    """A real MP3 of a 440 Hz tone. ffmpeg runs once per duration; every file is a copy."""
    with tempfile.TemporaryDirectory(prefix="audiopaper-fixture-") as tmp:
        path = Path(tmp) / "tone.mp3"
        encode_mp3(_tone(seconds), RATE, path, bitrate="16k")
        return path.read_bytes()


def _vtt(lines: list[str], step_ms: int = 200) -> str:
    def stamp(ms: int) -> str:
        return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"

    cues = [f"{stamp(i * step_ms)} --> {stamp((i + 1) * step_ms)}\n{text}" for i, text in enumerate(lines)]
    return "WEBVTT\n\n" + "\n\n".join(cues) + "\n"


def make_edition(
    out: Path,
    date: str,
    *,
    paper: str = PAPER,
    titles: tuple[str, ...] = TITLES,
    extras: bool = True,
    seconds: float = 1.0,
) -> Manifest:
    """Write OUT/DATE/ with an edition MP3, one clip per title, a manifest, and (with
    `extras`) a VTT per clip, the edition's VTT and its chapters JSON."""
    folder = out / date
    (folder / CLIPS).mkdir(parents=True, exist_ok=True)
    audio = tone_mp3(seconds)
    clips = []
    for index, title in enumerate(titles, 1):
        name = clip_name(index, title)
        (folder / CLIPS / name).write_bytes(audio)
        vtt = None
        if extras:
            vtt = f"{CLIPS}/{name.removesuffix('.mp3')}.vtt"
            (folder / vtt).write_text(_vtt([title, "第一段。"]), encoding="utf-8")
        clips.append(
            ClipEntry(
                index=index,
                title=title,
                kicker="本报讯" if index == 1 else None,
                subtitle="副标题:" + title if index == 2 else None,
                kind="news",
                page=1,
                credits=(Credit("记者", "张三"), Credit("通讯员", "李四")),
                file=f"{CLIPS}/{name}",
                bytes=len(audio),
                duration_ms=int(seconds * 1000),
                spoken_sha256="0" * 64,
                transcript=[f"{title}的第一段。", "第二段:本报记者报道。"],
                vtt=vtt,
            )
        )
    (folder / EDITION_AUDIO).write_bytes(audio)
    edition_vtt = chapters = None
    if extras:
        edition_vtt = "edition.vtt"
        (folder / edition_vtt).write_text(_vtt(list(titles)), encoding="utf-8")
        chapters = "chapters.json"
        doc = {"version": "1.2.0", "chapters": [{"startTime": i * 0.2, "title": t} for i, t in enumerate(titles)]}
        (folder / chapters).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    manifest = Manifest(
        paper=paper,
        date=date,
        engine="espeak",
        built_at=dt.datetime.fromisoformat(date + "T22:00:00+00:00").isoformat(),
        complete=True,
        edition_file=EDITION_AUDIO,
        edition_bytes=len(audio),
        edition_duration_ms=int(seconds * 1000) * len(titles),
        clips=clips,
        edition_vtt=edition_vtt,
        chapters_file=chapters,
    )
    write_manifest(manifest, folder)
    return manifest


def make_out(out: Path, dates: tuple[str, ...] = ("2024-05-16", "2024-05-17", "2024-05-18")) -> Path:
    for date in dates:
        make_edition(out, date)
    return out


def copy_out(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst
