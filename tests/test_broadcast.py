"""Broadcast-ready clips and a chaptered edition, checked as a station engineer would:
decode the audio, measure it, read the tags back."""

from __future__ import annotations

import json
import re
import wave
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest
from click.testing import CliRunner
from mutagen.id3 import ID3, CTOCFlags
from mutagen.mp3 import MP3, BitrateMode
from PIL import Image
from scipy.signal import resample_poly

from audiopaper.cli import cli
from audiopaper.core import ffmpeg
from tests.conftest import SHORT

DAY = "2022-10-12"


def decode(path: Path, rate: int = 48000) -> np.ndarray:
    return np.frombuffer(ffmpeg.decode_file(path, rate), dtype="<i2").astype(np.float64) / 32768


def lufs(samples: np.ndarray, rate: int = 48000) -> float:
    return pyloudnorm.Meter(rate).integrated_loudness(samples)


def true_peak_db(samples: np.ndarray) -> float:
    return 20 * np.log10(np.max(np.abs(resample_poly(samples, 4, 1))))


def manifest(out: Path) -> dict:
    return json.loads((out / DAY / "manifest.json").read_text("utf-8"))


def clips(out: Path) -> list[Path]:
    return sorted((out / DAY / "clips").glob("*.mp3"))


def test_clips_meet_ebu_r128(sample_build):
    out, _ = sample_build
    for clip in clips(out):
        samples = decode(clip)
        assert lufs(samples) == pytest.approx(-23, abs=1), clip.name
        assert true_peak_db(samples) <= -1.0, clip.name


def test_edition_meets_podcast_loudness(sample_build):
    out, _ = sample_build
    samples = decode(out / DAY / "edition.mp3")
    assert lufs(samples) == pytest.approx(-16, abs=1)
    assert true_peak_db(samples) <= -1.0
    # The manifest's figure was measured while encoding: it is the file's, as decoded.
    assert manifest(out)["edition_lufs"] == pytest.approx(lufs(samples), abs=0.3)
    assert MP3(out / DAY / "edition.mp3").info.length == pytest.approx(len(samples) / 48000, abs=0.2)


def test_clips_are_cbr_44k_with_trimmed_silence(sample_build):
    out, _ = sample_build
    for clip in clips(out):
        info = MP3(clip).info
        assert info.sample_rate == 44100 and info.bitrate_mode == BitrateMode.CBR and info.bitrate == 128000
        samples = decode(clip, 8000)
        loud = np.flatnonzero(np.abs(samples) > 10 ** (-50 / 20))
        head_ms, tail_ms = loud[0] / 8, (len(samples) - loud[-1]) / 8
        assert 150 <= head_ms <= 600, (clip.name, head_ms)
        assert 400 <= tail_ms <= 1100, (clip.name, tail_ms)


def test_clip_tags(sample_build):
    out, _ = sample_build
    entries = manifest(out)["clips"]
    for n, (clip, entry) in enumerate(zip(clips(out), entries, strict=True), start=1):
        tags = ID3(clip)
        assert tags.version[:2] == (2, 3)
        assert tags["TIT2"].text == [entry["title"]]
        assert all(c["name"] in tags["TPE1"].text[0] for c in entry["credits"])
        assert tags["TALB"].text == [f"平湖日报 {DAY} 有声版"]
        assert tags["TRCK"].text == [f"{n}/7"]
        assert str(tags["TDRC"].text[0]) == DAY
        assert tags["TCON"].text and tags["TLAN"].text == ["chi"]
        assert tags.getall("COMM")[0].text[0]


def test_edition_chapters_read_back(sample_build):
    out, _ = sample_build
    edition = out / DAY / "edition.mp3"
    tags = ID3(edition)
    toc = tags.getall("CTOC")
    assert len(toc) == 1 and toc[0].flags & CTOCFlags.TOP_LEVEL and toc[0].flags & CTOCFlags.ORDERED
    chapters = {c.element_id: c for c in tags.getall("CHAP")}
    ordered = [chapters[i] for i in toc[0].child_element_ids]
    titles = [c.sub_frames["TIT2"].text[0] for c in ordered]
    assert titles == [c["title"] for c in manifest(out)["clips"]]
    length_ms = MP3(edition).info.length * 1000
    starts = [c.start_time for c in ordered]
    assert starts == sorted(starts) and starts[0] > 0
    assert all(c.end_time <= length_ms + 100 for c in ordered)


def test_chapters_json_is_podcasting_2_0(sample_build):
    out, _ = sample_build
    doc = json.loads((out / DAY / "chapters.json").read_text("utf-8"))
    assert doc["version"] == "1.2.0"
    starts = [c["startTime"] for c in doc["chapters"]]
    assert starts == sorted(starts)
    assert [c["title"] for c in doc["chapters"]] == [c["title"] for c in manifest(out)["clips"]]


def _cues(vtt: Path) -> list[tuple[float, float, str]]:
    text = vtt.read_text("utf-8")
    assert text.startswith("WEBVTT\n")
    found = re.findall(r"(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})\n(.+)", text)
    out = []
    for h1, m1, s1, f1, h2, m2, s2, f2, line in found:
        start = int(h1) * 3600 + int(m1) * 60 + int(s1) + int(f1) / 1000
        end = int(h2) * 3600 + int(m2) * 60 + int(s2) + int(f2) / 1000
        out.append((start, end, line))
    return out


def test_vtt_cues_lie_inside_the_audio_and_show_the_written_text(sample_build):
    out, _ = sample_build
    for clip in [*clips(out), out / DAY / "edition.mp3"]:
        cues = _cues(clip.with_suffix(".vtt"))
        length = MP3(clip).info.length
        assert cues, clip.name
        assert all(0 <= a <= b <= length + 0.05 for a, b, _ in cues), clip.name
        assert [a for a, _, _ in cues] == sorted(a for a, _, _ in cues)
    written = " ".join(line for _, _, line in _cues(clips(out)[3].with_suffix(".vtt")))
    assert "2021-2022年" in written and "二零二一" not in written


def test_playlist_for_radio_automation(sample_build):
    out, _ = sample_build
    for name, prefix in (("playlist-local.m3u8", ""), ("playlist.m3u8", f"https://radio.example/p/{DAY}/")):
        lines = (out / DAY / name).read_text("utf-8").splitlines()
        assert lines[0] == "#EXTM3U"
        pairs = list(zip(lines[1::2], lines[2::2], strict=True))
        assert [p for _, p in pairs] == [f"{prefix}clips/{c.name}" for c in clips(out)]
        for extinf, path in pairs:
            seconds, title = re.match(r"#EXTINF:(\d+),(.+)", extinf).groups()
            assert abs(int(seconds) - MP3(out / DAY / path.removeprefix(prefix)).info.length) <= 1.5
            assert title


def test_manifest_lists_every_file_with_loudness(sample_build):
    out, _ = sample_build
    data = manifest(out)
    for entry in data["clips"]:
        assert (out / DAY / entry["file"]).is_file() and (out / DAY / entry["vtt"]).is_file()
        assert entry["lufs"] == pytest.approx(-23, abs=0.5) and entry["true_peak_db"] <= -1
        assert entry["lufs"] == pytest.approx(lufs(decode(out / DAY / entry["file"])), abs=0.3)
        assert re.fullmatch(r"[0-9a-f]{64}", entry["spoken_sha256"])
    for key in ("edition_vtt", "chapters_file", "playlist_file"):
        assert (out / DAY / data[key]).is_file()


def _tone(path: Path, seconds: float, rate: int = 22050) -> None:
    t = np.arange(int(seconds * rate)) / rate
    pcm = (0.3 * np.sin(2 * np.pi * 330 * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def test_intro_music_chime_and_profiles_from_config(tmp_path: Path):
    intro = tmp_path / "intro.wav"
    _tone(intro, 4.0)
    cover = tmp_path / "cover.png"
    Image.new("RGB", (1400, 1400), "darkred").save(cover)
    config = tmp_path / "audiopaper.toml"
    config.write_text(
        f'[audio]\nchime = true\nintro_music = "{intro.as_posix()}"\nclip_profile = "podcast"\n'
        f'[feed]\nimage = "{cover.as_posix()}"\n',
        "utf-8",
    )
    out = tmp_path / "out"
    args = ["build", str(SHORT), "--engine", "espeak", "--out", str(out), "--config", str(config), "--quiet"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    folder = out / "2023-05-18"
    tags = ID3(folder / "edition.mp3")
    assert tags.getall("CHAP")[0].start_time > 4000  # after the intro music and the opening
    assert tags.getall("APIC")[0].data == cover.read_bytes()
    for clip in (folder / "clips").glob("*.mp3"):
        assert lufs(decode(clip)) == pytest.approx(-16, abs=1)
    # The notice is kept in the edition but never spoken.
    assert len(list((folder / "clips").glob("*.mp3"))) == 2


def test_unknown_loudness_profile_is_refused(tmp_path: Path):
    config = tmp_path / "c.toml"
    config.write_text('[audio]\nclip_profile = "loud"\n', "utf-8")
    result = CliRunner().invoke(cli, ["build", str(SHORT), "--config", str(config), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "clip_profile" in result.output


def test_a_stations_own_loudness_target(tmp_path: Path):
    config = tmp_path / "audiopaper.toml"
    config.write_text("[audio]\nclip_lufs = -20\n", "utf-8")
    out = tmp_path / "out"
    args = ["build", str(SHORT), "--engine", "espeak", "--out", str(out), "--config", str(config), "--quiet"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    for clip in (out / "2023-05-18" / "clips").glob("*.mp3"):
        assert lufs(decode(clip)) == pytest.approx(-20, abs=1)


def test_encoding_measures_the_mp3_it_writes_even_in_an_awkward_folder(tmp_path: Path):
    folder = tmp_path / "a|b [c]:d"
    folder.mkdir()
    t = np.arange(24000 * 3) / 24000
    pcm = (np.sin(2 * np.pi * 440 * t) * 0.1 * 32767).astype("<i2").tobytes()
    out = folder / "tone.mp3"
    measured = ffmpeg.encode_mp3_measured(pcm, 24000, out, bitrate="64k", out_rate=44100)
    assert measured == pytest.approx(lufs(decode(out)), abs=0.3)
    assert MP3(out).info.sample_rate == 44100 and MP3(out).info.length == pytest.approx(3, abs=0.1)
    assert [p.name for p in folder.iterdir()] == ["tone.mp3"]


@pytest.mark.parametrize("measure", ["input", "mp3", None])
def test_an_encoder_that_cannot_write_says_why(tmp_path: Path, measure):
    encoder = ffmpeg.PcmToMp3(
        tmp_path / "missing" / "x.mp3", sample_rate=24000, bitrate="64k", out_rate=24000, measure=measure
    )
    encoder.write(bytes(48000))
    with pytest.raises(ffmpeg.FfmpegError, match="No such file or directory"):
        encoder.close()
