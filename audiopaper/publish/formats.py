"""The edition in the other forms listeners take it in, made from an edition folder while it
is staged: the low-bitrate programme (edition-low.mp3) and the DAISY talking newspaper."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from audiopaper.core import ffmpeg
from audiopaper.fsutil import atomic_path
from audiopaper.publish.daisy import write_daisy
from audiopaper.publish.layout import EDITION_LOW
from audiopaper.publish.manifest import Manifest
from audiopaper.publish.sanitize import inside
from audiopaper.settings import AudioSettings


def bits_per_second(bitrate: str) -> int:
    """ffmpeg's "32k" (or "32000") as a number."""
    text = bitrate.strip().lower()
    return int(float(text[:-1]) * 1000) if text.endswith("k") else int(float(text))


def mp3_bitrate(path: Path) -> int:
    from mutagen.mp3 import MP3

    info = MP3(path).info
    assert info is not None  # mutagen raises on a file that is no MP3
    return int(info.bitrate)


def low_bitrate_outputs(folder: Path, audio: AudioSettings) -> list[ffmpeg.Output]:
    """What the build's programme encoder also writes: FOLDER/edition-low.mp3 at the low
    bitrate, unless that is switched off or the programme itself is no bigger."""
    if not audio.low_bitrate or bits_per_second(audio.low_bitrate) >= bits_per_second(audio.edition_bitrate):
        return []
    return [ffmpeg.Output(folder / EDITION_LOW, audio.low_bitrate, audio.low_rate)]


def write_low_bitrate(folder: Path, manifest: Manifest, audio: AudioSettings) -> Path | None:
    """FOLDER/edition-low.mp3, with the programme's tags and chapters: encoded alongside the
    programme by the build (low_bitrate_outputs), else re-encoded from it now. None when it is
    switched off, the folder has no programme audio, or that is no bigger than the low bitrate
    would make it."""
    source = inside(folder, manifest.edition_file) if isinstance(manifest.edition_file, str) else None
    if not audio.low_bitrate or source is None:
        return None
    target = folder / EDITION_LOW
    if target.is_file():
        copy_tags(folder / source, target)
        return target
    if mp3_bitrate(folder / source) <= bits_per_second(audio.low_bitrate):
        return None  # the programme is no bigger: a second copy would save no one anything
    with atomic_path(target) as tmp:
        ffmpeg.transcode_mp3(folder / source, tmp, bitrate=audio.low_bitrate, out_rate=audio.low_rate)
    return target


def copy_tags(source: Path, target: Path) -> None:
    """The programme's ID3 tags and chapters onto its low-bitrate copy; not its cover
    picture, which would outweigh minutes of audio at that bitrate."""
    from mutagen.id3 import ID3, ID3NoHeaderError

    try:
        tags = ID3(source)
    except ID3NoHeaderError:
        return
    tags.delall("APIC")
    tags.save(target, v2_version=3)


def write_edition_formats(folder: Path, manifest: Manifest, audio: AudioSettings, *, daisy: bool = True) -> None:
    """Every other form of one edition folder (which may still be a staging folder). The
    re-encoding (an ffmpeg process) runs while the DAISY book is made."""
    with ThreadPoolExecutor(1, thread_name_prefix="low-bitrate") as pool:
        low = pool.submit(write_low_bitrate, folder, manifest, audio)
        if daisy:
            write_daisy(folder, manifest, audio)
        low.result()
