"""The one place ffmpeg is run.

The binary shipped in the imageio-ffmpeg wheel, so `pip install .` is enough and every
machine runs the same, known ffmpeg: a station's server often has its distribution's older
one on PATH (Debian 12: 5.1, Ubuntu 22.04: 4.4), and a build must not depend on which.
The config's `ffmpeg` names another; that one is probed for everything we use before the
build starts, and what it lacks is named.

Only options that ffmpeg 4.x already had are used.
"""

from __future__ import annotations

import contextlib
import functools
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from audiopaper.errors import AudiopaperError


class FfmpegError(AudiopaperError):
    pass


_chosen: str | None = None  # the config's ffmpeg, once probed


def ffmpeg_exe() -> str:
    return _chosen or _bundled()


@functools.cache
def _bundled() -> str:
    try:
        import imageio_ffmpeg
    except ImportError:
        raise FfmpegError(
            "ffmpeg not found: `pip install imageio-ffmpeg`, or name one as `ffmpeg` in the config"
        ) from None
    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:
        raise FfmpegError(
            f"the bundled ffmpeg is missing ({exc}): reinstall imageio-ffmpeg, or name one as `ffmpeg` in the config"
        ) from None


# What the build asks of ffmpeg: (what `ffmpeg -hide_banner -<listing>` must show, the name).
_NEEDED = (
    ("encoders", "libmp3lame"),
    ("muxers", "mp3"),
    ("muxers", "tee"),
    ("muxers", "null"),
    ("muxers", "s16le"),
    ("demuxers", "s16le"),
    ("demuxers", "concat"),
    ("demuxers", "mp3"),
    ("filters", "ebur128"),
    ("filters", "asplit"),
    ("filters", "volume"),  # the DAISY book's parts cut from the programme
)


def use(program: str | None) -> None:
    """Run `program` (a path, or a name on PATH) instead of the bundled ffmpeg, after
    checking that it has every codec, format, filter and option the build uses; None goes
    back to the bundled one. Raises FfmpegError naming what is missing."""
    global _chosen
    if program is None:
        _chosen = None
        return
    found = shutil.which(program) or (program if Path(program).is_file() else None)
    if found is None:
        raise FfmpegError(f"config: ffmpeg {program!r} not found")
    _chosen = _probe(str(Path(found).resolve()))


@functools.cache
def _probe(exe: str) -> str:
    listings: dict[str, str] = {}
    for listing, _ in _NEEDED:
        if listing not in listings:
            listings[listing] = _ask(exe, [f"-{listing}"])
    missing = [f"{listing[:-1]} {name}" for listing, name in _NEEDED if not _listed(listings[listing], name)]
    if "ebur128" in listings["filters"]:
        described = _ask(exe, ["-h", "filter=ebur128"]).partition("framelog")[2]
        if "verbose" not in described:
            missing.append("the ebur128 option framelog=verbose")
    if missing:
        raise FfmpegError(
            f"the ffmpeg at {exe} lacks {', '.join(missing)}: use a full build, or remove `ffmpeg` from the "
            "config to use the bundled one"
        )
    return exe


def _ask(exe: str, args: list[str]) -> str:
    try:
        proc = subprocess.run([exe, "-hide_banner", *args], capture_output=True, check=False, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise FfmpegError(f"the ffmpeg at {exe} does not run: {exc}") from None
    return proc.stdout.decode("utf-8", "replace")


def _listed(listing: str, name: str) -> bool:
    # Rows read " DE flags name  description" (capabilities, then the name, comma-separated
    # where formats share a row).
    return any(name in line.split()[1].split(",") for line in listing.splitlines() if len(line.split()) > 1)


def _command(args: Sequence[str], report: bool = False) -> list[str]:
    """ffmpeg quiet but for errors; with `report`, at its info level (where the loudness
    meter writes its summary), without the progress line."""
    verbosity = ["-nostats"] if report else ["-loglevel", "error"]
    return [ffmpeg_exe(), "-hide_banner", "-nostdin", *verbosity, *args]


def _pcm(sample_rate: int) -> list[str]:
    """Our PCM, as an input or output format: s16le mono."""
    return ["-f", "s16le", "-ac", "1", "-ar", str(sample_rate)]


def _failure(stderr: bytes) -> FfmpegError:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    # The cause comes first; what follows is often only its consequence ("Nothing was written").
    errors = [line for line in lines if "error" in line.lower() or "no such file" in line.lower()]
    return FfmpegError(f"ffmpeg failed: {(errors or lines or ['no message'])[0]}")


def run(args: Sequence[str], stdin: bytes | None = None) -> bytes:
    """Run ffmpeg quietly; return its stdout or raise with the tail of its stderr."""
    proc = subprocess.run(_command(args), input=stdin, capture_output=True, check=False)
    if proc.returncode != 0:
        raise _failure(proc.stderr)
    return proc.stdout


# The EBU R128 meter, integrated loudness only (true peaks are the limiter's business). Its
# log of every 100 ms (megabytes for an edition) goes to the verbose level, below ours; its
# summary stays at info. (framelog=quiet would be plainer, but ffmpeg before 6 lacks it.)
_METER = "ebur128=framelog=verbose"
_R128 = ["-af", _METER, "-f", "null", "-"]


def _r128_summary(stderr: bytes, what: str) -> float:
    summary = stderr.decode("utf-8", "replace").rsplit("Summary:", 1)[-1]
    lufs = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    if not lufs:
        raise FfmpegError(f"ffmpeg did not report the loudness of {what}")
    return float(lufs.group(1))


def measure_pcm_loudness(pcm: bytes, sample_rate: int) -> float:
    """Integrated LUFS of s16le mono PCM."""
    cmd = _command([*_pcm(sample_rate), "-i", "pipe:0", *_R128], report=True)
    proc = subprocess.run(cmd, input=pcm, capture_output=True, check=False)
    if proc.returncode != 0:
        raise _failure(proc.stderr)
    return _r128_summary(proc.stderr, "the audio")


def resample_pcm(pcm: bytes, rate_in: int, rate_out: int) -> bytes:
    """s16le mono PCM at another rate, band-limited (ffmpeg's resampler)."""
    if rate_in == rate_out:
        return pcm
    return run([*_pcm(rate_in), "-i", "pipe:0", *_pcm(rate_out), "pipe:1"], stdin=pcm)


def _codec_args(bitrate: str, out_rate: int) -> list[str]:
    # LAME's quality 7 encodes twice as fast as its default; at speech bitrates of 64k and
    # up its shortcuts are not audible.
    return ["-ac", "1", "-ar", str(out_rate), "-c:a", "libmp3lame", "-b:a", bitrate, "-compression_level", "7"]


def _mp3_args(out: Path, bitrate: str, out_rate: int) -> list[str]:
    muxer = ["-write_xing", "1", "-id3v2_version", "3", "-f", "mp3", "-y", str(out)]
    return [*_codec_args(bitrate, out_rate), *muxer]


Metering = Literal["mp3", "input"]


@dataclass(frozen=True)
class Output:
    """A further MP3 an encoder writes of the same audio."""

    path: Path
    bitrate: str
    out_rate: int


class PcmToMp3:
    """An ffmpeg process encoding s16le mono PCM written to it, for programmes too long to
    hold in memory.

    `measure` finds the integrated loudness while encoding. "mp3": of the file as decoded,
    the encoder teeing its MP3 frames into a second ffmpeg that decodes and meters them
    (exact, at the cost of a decode). "input": of the PCM as it goes in, metered inside the
    encoder's own process (cheap; what the codec takes off is not seen)."""

    def __init__(
        self,
        out: Path,
        *,
        sample_rate: int,
        bitrate: str,
        out_rate: int,
        measure: Metering | None = None,
        also: Sequence[Output] = (),
    ) -> None:
        args = [*_pcm(sample_rate), "-i", "pipe:0"]
        # More MP3s of the same audio (a low-bitrate copy): encoded by the same process from
        # the same PCM, which costs far less than decoding the finished file again.
        extra = [a for o in also for a in ["-map", "0:a", *_mp3_args(o.path, o.bitrate, o.out_rate)]]
        self._broken = False
        self._meter: subprocess.Popen[bytes] | None = None
        # A meter's report goes to a file: a pipe nobody reads while encoding could fill up
        # and stall the processes.
        self._report: IO[bytes] | None = tempfile.TemporaryFile() if measure else None
        if measure is None:
            args += ["-map", "0:a", *_mp3_args(out, bitrate, out_rate), *extra]
            self._proc = subprocess.Popen(_command(args), stdin=subprocess.PIPE, stderr=subprocess.PIPE)
            return
        if measure == "input":
            copies = "".join(f"[copy{n}]" for n in range(len(also)))
            graph = f"[0:a]asplit={2 + len(also)}[encode][meter]{copies};[meter]{_METER}[metered]"
            args += ["-filter_complex", graph, "-map", "[encode]", *_mp3_args(out, bitrate, out_rate)]
            for n, o in enumerate(also):
                args += ["-map", f"[copy{n}]", *_mp3_args(o.path, o.bitrate, o.out_rate)]
            args += ["-map", "[metered]", "-f", "null", "-"]
            self._proc = subprocess.Popen(_command(args, report=True), stdin=subprocess.PIPE, stderr=self._report)
            return
        # The file keeps its Xing header (written by seeking back); the copy in the pipe can't.
        file_copy = f"[f=mp3:write_xing=1:id3v2_version=3]{_tee_path(out)}"
        pipe_copy = "[f=mp3:write_xing=0:id3v2_version=0]pipe:1"
        args += ["-map", "0:a", *_codec_args(bitrate, out_rate), "-y", "-f", "tee", f"{file_copy}|{pipe_copy}", *extra]
        self._proc = subprocess.Popen(
            _command(args), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        meter = _command(["-f", "mp3", "-i", "pipe:0", *_R128], report=True)
        self._meter = subprocess.Popen(meter, stdin=self._proc.stdout, stderr=self._report)
        assert self._proc.stdout is not None
        self._proc.stdout.close()  # the meter's now: if it dies, the encoder fails instead of blocking

    def write(self, pcm: bytes) -> None:
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(pcm)
        except BrokenPipeError:  # ffmpeg stopped: close() reports why
            self._broken = True

    def close(self) -> float | None:
        """Finish the file; its integrated loudness (LUFS) when measured, else None."""
        assert self._proc.stdin is not None
        with contextlib.suppress(BrokenPipeError):
            self._proc.stdin.close()
        stderr = self._proc.stderr.read() if self._proc.stderr else b""
        if self._proc.wait() != 0 or self._broken:
            report = self._read_report()
            self._stop_meter()
            raise _failure(stderr or report)
        if self._report is None:
            return None
        if self._meter is not None and self._meter.wait() != 0:
            raise _failure(self._read_report())
        return _r128_summary(self._read_report(), "the encoded stream")

    def _read_report(self) -> bytes:
        if self._report is None or self._report.closed:
            return b""
        self._report.seek(0)
        report = self._report.read()
        self._report.close()
        return report

    def abort(self) -> None:
        self._proc.kill()
        self._proc.wait()
        self._stop_meter()

    def _stop_meter(self) -> None:
        if self._meter is not None:
            self._meter.kill()
            self._meter.wait()
        if self._report is not None:
            self._report.close()


def _tee_path(path: Path) -> str:
    # The tee muxer's own syntax: "|" separates outputs and "[]" holds options; "file:" keeps
    # a colon in the name from reading as a protocol.
    text = str(path.resolve())
    for special in "\\|[]":
        text = text.replace(special, "\\" + special)
    return "file:" + text


def decode_to_pcm(data: bytes, sample_rate: int) -> bytes:
    """Any audio ffmpeg reads (MP3 from the speech service) to s16le mono PCM."""
    return run(["-i", "pipe:0", *_pcm(sample_rate), "pipe:1"], stdin=data)


def decode_file(path: Path, sample_rate: int) -> bytes:
    return run(["-i", str(path), *_pcm(sample_rate), "pipe:1"])


def encode_mp3(
    pcm: bytes | None,
    sample_rate: int,
    out: Path,
    *,
    bitrate: str = "64k",
    out_rate: int | None = None,
    inputs: Sequence[Path] = (),
) -> None:
    """Encode s16le mono PCM (or, with `inputs`, a concat of audio files) to CBR MP3 at `out`."""
    if inputs:
        listing = "".join(f"file '{p.resolve().as_posix()}'\n" for p in inputs)
        args = ["-f", "concat", "-safe", "0", "-protocol_whitelist", "file,pipe", "-i", "pipe:0"]
        stdin: bytes | None = listing.encode()
    else:
        args = [*_pcm(sample_rate), "-i", "pipe:0"]
        stdin = pcm
    run(args + _mp3_args(out, bitrate, out_rate or sample_rate), stdin=stdin)


def encode_mp3_measured(
    pcm: bytes, sample_rate: int, out: Path, *, bitrate: str, out_rate: int, measure: Metering = "mp3"
) -> float:
    """Encode s16le mono PCM to CBR MP3 at `out` and return its integrated loudness (LUFS),
    measured while it is encoded: of the MP3 as decoded, or of the PCM (see PcmToMp3)."""
    encoder = PcmToMp3(out, sample_rate=sample_rate, bitrate=bitrate, out_rate=out_rate, measure=measure)
    try:
        encoder.write(pcm)
    except BaseException:  # interrupted: leave no ffmpeg behind
        encoder.abort()
        raise
    lufs = encoder.close()
    assert lufs is not None
    return lufs


def transcode_mp3(src: Path, out: Path, *, bitrate: str, out_rate: int) -> None:
    """Re-encode an MP3 at another bitrate and rate, keeping its tags and ID3 chapters (the
    cover picture, a video stream to ffmpeg, is left out: it would outweigh a small file)."""
    run(["-i", str(src), "-map", "0:a", "-map_metadata", "0", "-map_chapters", "0", *_mp3_args(out, bitrate, out_rate)])


def cut_mp3(src: Path, out: Path, *, start_ms: int, end_ms: int, gain_db: float, bitrate: str, out_rate: int) -> None:
    """The part [start_ms, end_ms) of an audio file as an MP3 of its own, `gain_db` louder.
    Seeking before the input is fast and, since the part is decoded, exact."""
    run(
        [
            "-ss",
            f"{start_ms / 1000:.3f}",
            "-t",
            f"{max(end_ms - start_ms, 1) / 1000:.3f}",
            "-i",
            str(src),
            "-map",
            "0:a",
            "-af",
            f"volume={gain_db:.2f}dB",
            "-map_metadata",
            "-1",
            *_mp3_args(out, bitrate, out_rate),
        ]
    )
