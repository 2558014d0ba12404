"""Assembling speech into clips and the edition: pauses, resampling, MP3 encoding.

Memory stays bounded by a few minutes of speech: an article is assembled, encoded to its
clip, fed to the edition's encoder as it goes, and dropped; a long article goes the same
way in parts, its clip streamed to its encoder as the edition is.
"""

from __future__ import annotations

import threading
import warnings
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

with warnings.catch_warnings():
    # pydub looks for ffmpeg on PATH at import; we hand it none, ffmpeg.py runs ffmpeg.
    warnings.simplefilter("ignore", RuntimeWarning)
    from pydub import AudioSegment
    from pydub.silence import detect_leading_silence

from audiopaper.audio import loudness
from audiopaper.core import ffmpeg
from audiopaper.core.loudness import Profile
from audiopaper.core.speech import Cue, Sentence, Speech


@dataclass(frozen=True)
class Placed:
    """A piece of speech, the written sentences it stands for, and the silence after it."""

    speech: Speech
    pause_after_ms: int
    written: tuple[str, ...] = ()


SILENCE_DBFS = -50.0


def written_cues(speech: Speech, written: Sequence[str]) -> list[Cue]:
    """Cues showing the written sentences, timed by the engine's spoken ones.

    Spoken forms rarely change sentence breaks, so the two usually pair one to one; where
    they don't, the written sentences share the speech's span by their length.
    """
    spoken = list(speech.sentences) or [Sentence(0, speech.duration_ms, "")]
    written = [w for w in written if w.strip()]
    if not written:
        return []
    if len(spoken) == len(written):
        return [Cue(s.start_ms, s.end_ms, w) for s, w in zip(spoken, written, strict=True)]
    start, end = spoken[0].start_ms, max(spoken[-1].end_ms, spoken[0].start_ms)
    total = sum(len(w) for w in written)
    cues, done = [], 0
    for w in written:
        a = start + (end - start) * done // total
        done += len(w)
        cues.append(Cue(a, start + (end - start) * done // total, w))
    return cues


def assemble(pieces: Sequence[Placed], sample_rate: int) -> tuple[AudioSegment, list[Cue]]:
    """Join pieces with their pauses; return the audio and one cue per written sentence."""
    chunks: list[bytes] = []
    cues: list[Cue] = []
    position = 0  # bytes
    for piece in pieces:
        pcm = ffmpeg.resample_pcm(piece.speech.pcm, piece.speech.sample_rate, sample_rate)
        speech = Speech(pcm, sample_rate, piece.speech.sentences)
        cues += shift(written_cues(speech, piece.written), position * 500 // sample_rate)
        chunks.append(pcm)
        position += len(pcm)
        if piece.pause_after_ms:
            gap = bytes(piece.pause_after_ms * sample_rate // 1000 * 2)
            chunks.append(gap)
            position += len(gap)
    return AudioSegment(data=b"".join(chunks), sample_width=2, frame_rate=sample_rate, channels=1), cues


def shift(cues: Sequence[Cue], by_ms: int, length_ms: int | None = None) -> list[Cue]:
    out = []
    for cue in cues:
        start, end = max(cue.start_ms + by_ms, 0), max(cue.end_ms + by_ms, 0)
        if length_ms is not None:
            start, end = min(start, length_ms), min(end, length_ms)
        out.append(Cue(start, end, cue.text))
    return out


def trim(audio: AudioSegment, head_ms: int | None, tail_ms: int | None) -> tuple[AudioSegment, int]:
    """Trim leading and trailing silence to fixed pads; return the audio and how far it moved.
    A pad of None leaves that end as it is (a part inside a long article)."""
    lead = detect_leading_silence(audio, silence_threshold=SILENCE_DBFS)
    if lead >= len(audio):
        return audio, 0
    trail = detect_leading_silence(audio.reverse(), silence_threshold=SILENCE_DBFS) if tail_ms is not None else 0
    if head_ms is None:
        lead = 0
    core = audio[lead : len(audio) - trail]
    rate = audio.frame_rate
    head = silence(head_ms, rate) if head_ms is not None else silence(0, rate)
    tail = silence(tail_ms, rate) if tail_ms is not None else silence(0, rate)
    return head + core + tail, (head_ms or 0) - lead


def normalized(
    audio: AudioSegment, profile: Profile, offset_db: float = 0.0, measured_lufs: float | None = None
) -> tuple[AudioSegment, float]:
    """`audio` at the profile's loudness, `offset_db` higher to make good what the codec
    takes, and its true peak (dBTP). `measured_lufs`, the audio's own loudness, saves
    measuring it again."""
    if measured_lufs is None:
        measured_lufs = loudness.integrated_lufs(audio.raw_data, audio.frame_rate)
    pcm, peak = loudness.normalize_pcm(audio.raw_data, audio.frame_rate, measured_lufs, profile, offset_db)
    return audio._spawn(pcm), peak


# MP3 encoding loses a few tenths of a LU on synthetic speech (measured: 0.44 LU for espeak at
# 64k and 128k): the encoded file, which is what listeners get, is measured and made good.
LOUDNESS_TOLERANCE = 0.2


def encode_normalized(
    audio: AudioSegment,
    out: Path,
    profile: Profile,
    *,
    bitrate: str,
    out_rate: int,
    offset_db: float = 0.0,
    measured_lufs: float | None = None,
    loss_known: bool = False,
) -> tuple[loudness.Measurement, float]:
    """Normalize and encode; returns the file's measurement (its loudness as decoded; its
    true peak as the limiter left it, with CODEC_MARGIN_DB in hand for the encoder) and the
    offset that hit the target (the next piece can start from it).

    Until the codec's loss is known, the MP3 is decoded and measured and, if the codec moved
    it off target, encoded once more with the difference made good: `offset_db` is then the
    loss. With `loss_known`, the encoder meters the PCM it is given and the file's loudness
    is that less `offset_db`, which saves decoding every clip again."""
    if measured_lufs is None:
        measured_lufs = loudness.integrated_lufs(audio.raw_data, audio.frame_rate)
    if loss_known:
        shaped, peak = normalized(audio, profile, offset_db, measured_lufs)
        lufs = ffmpeg.encode_mp3_measured(
            shaped.raw_data, shaped.frame_rate, out, bitrate=bitrate, out_rate=out_rate, measure="input"
        )
        return loudness.Measurement(lufs=lufs - offset_db, true_peak_db=peak), offset_db
    for _ in range(2):
        shaped, peak = normalized(audio, profile, offset_db, measured_lufs)
        lufs = ffmpeg.encode_mp3_measured(shaped.raw_data, shaped.frame_rate, out, bitrate=bitrate, out_rate=out_rate)
        error = lufs - profile.lufs
        if abs(error) <= LOUDNESS_TOLERANCE:
            break
        offset_db -= error
    return loudness.Measurement(lufs=lufs, true_peak_db=peak), offset_db


def load_audio(path: Path, sample_rate: int) -> AudioSegment:
    """Music or jingles named in the config, decoded to our mono PCM."""
    pcm = ffmpeg.decode_file(path, sample_rate)
    return AudioSegment(data=pcm, sample_width=2, frame_rate=sample_rate, channels=1)


def silence(duration_ms: int, sample_rate: int) -> AudioSegment:
    return AudioSegment.silent(duration=duration_ms, frame_rate=sample_rate)


# Shapes audio on its way to the encoder, given its loudness if known (normalizing).
Shape = Callable[[AudioSegment, float | None], AudioSegment]
# What waits for the edition's encoder: audio, how to shape it first, its loudness.
_Part = tuple[AudioSegment, Shape | None, float | None]


class StreamingEncoder:
    """Encodes a long programme to MP3 as its parts arrive, so it is never all in memory.

    The encoder starts with the first part, at that part's sample rate (the engine's own:
    no resampling in Python); a later part at another rate is resampled to it. With
    `measure` ("mp3" or "input", see ffmpeg.PcmToMp3), `lufs` holds the integrated
    loudness once it is closed.

    Parts are handed to ffmpeg by a thread of its own, up to BACKLOG bytes ahead: the caller
    goes on to the next article while ffmpeg catches up, instead of waiting on the pipe when
    the last articles of a build arrive together."""

    BACKLOG = 4 * 1024 * 1024  # about a minute and a half of 24 kHz speech

    def __init__(
        self,
        out: Path,
        *,
        bitrate: str,
        out_rate: int,
        measure: ffmpeg.Metering | None = None,
        also: Sequence[ffmpeg.Output] = (),
    ) -> None:
        self.out = out
        self.also = tuple(also)  # further MP3s of the same audio (see ffmpeg.PcmToMp3)
        self.bitrate = bitrate
        self.out_rate = out_rate
        self.measure = measure
        self.lufs: float | None = None
        self.sample_rate = 0
        self._frames = 0
        self._encoder: ffmpeg.PcmToMp3 | None = None
        self._parts: deque[_Part | None] = deque()
        self._waiting = 0  # bytes of PCM in _parts
        self._error: Exception | None = None
        self._changed = threading.Condition()
        self._feeder: threading.Thread | None = None

    @property
    def written_ms(self) -> int:
        return self._frames * 1000 // self.sample_rate if self.sample_rate else 0

    def write(self, audio: AudioSegment, shape: Shape | None = None, lufs: float | None = None) -> None:
        """Queue `audio` for the encoder; `shape(audio, lufs)`, if given, is applied on the
        feeding thread first (normalizing is numpy work the caller need not wait for). It
        must keep the length: `written_ms` counts the audio as queued."""
        if self._encoder is None:
            self.sample_rate = audio.frame_rate
            self._encoder = ffmpeg.PcmToMp3(
                self.out,
                sample_rate=self.sample_rate,
                bitrate=self.bitrate,
                out_rate=self.out_rate,
                measure=self.measure,
                also=self.also,
            )
            self._feeder = threading.Thread(target=self._feed, args=(self._encoder,), name="edition-feed", daemon=True)
            self._feeder.start()
        self._frames += len(audio.raw_data) * self.sample_rate // (2 * audio.frame_rate)
        self._put((audio, shape, lufs))

    def _put(self, part: _Part | None) -> None:
        size = len(part[0].raw_data) if part else 0
        with self._changed:
            while size and self._waiting > self.BACKLOG:
                self._changed.wait()
            self._parts.append(part)
            self._waiting += size
            self._changed.notify_all()

    def _feed(self, encoder: ffmpeg.PcmToMp3) -> None:
        while True:
            with self._changed:
                while not self._parts:
                    self._changed.wait()
                part = self._parts.popleft()
            if part is None:
                return
            audio, shape, lufs = part
            try:
                shaped = shape(audio, lufs) if shape else audio
                encoder.write(ffmpeg.resample_pcm(shaped.raw_data, shaped.frame_rate, self.sample_rate))
            except Exception as exc:  # reported by close(): the caller's thread raises it
                self._error = self._error or exc
            with self._changed:
                self._waiting -= len(audio.raw_data)
                self._changed.notify_all()

    def close(self) -> None:
        """Finish the file (`lufs` then holds its loudness when measured); raises what went
        wrong on the feeding thread or in ffmpeg."""
        if self._encoder is None or self._feeder is None:
            return
        self._put(None)
        self._feeder.join()
        if self._error is not None:
            self._encoder.abort()
            raise self._error
        self.lufs = self._encoder.close()

    def abort(self) -> None:
        """Stop without finishing the file: what ffmpeg wrote is left for the caller to remove."""
        if self._encoder is None or self._feeder is None:
            return
        self._encoder.abort()  # the feeder's write fails, and it finds the end mark
        with self._changed:
            self._parts.clear()
            self._waiting = 0
        self._put(None)
        self._feeder.join()

    def __enter__(self) -> StreamingEncoder:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()
