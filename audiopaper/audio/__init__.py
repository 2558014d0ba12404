"""Assembling speech into clips and the edition: pauses, resampling, MP3 encoding.

Memory stays bounded by one article: each article is assembled, encoded to its clip, fed
to the edition's encoder as it goes, and dropped.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

with warnings.catch_warnings():
    # pydub looks for ffmpeg on PATH at import; we hand it none, ffmpeg.py runs ffmpeg.
    warnings.simplefilter("ignore", RuntimeWarning)
    from pydub import AudioSegment

from audiopaper.audio import ffmpeg
from audiopaper.tts import Sentence, Speech


@dataclass(frozen=True)
class Placed:
    """A piece of speech and the silence after it."""

    speech: Speech
    pause_after_ms: int
    written: str = ""


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    text: str


def to_audio(speech: Speech, sample_rate: int) -> AudioSegment:
    seg = AudioSegment(data=speech.pcm, sample_width=2, frame_rate=speech.sample_rate, channels=1)
    return seg if speech.sample_rate == sample_rate else seg.set_frame_rate(sample_rate)


def assemble(pieces: Sequence[Placed], sample_rate: int) -> tuple[AudioSegment, list[Cue]]:
    """Join pieces with their pauses; return the audio and one cue per spoken sentence."""
    audio = AudioSegment.silent(duration=0, frame_rate=sample_rate)
    cues: list[Cue] = []
    for piece in pieces:
        offset = len(audio)
        audio += to_audio(piece.speech, sample_rate)
        sentences = piece.speech.sentences or (Sentence(0, piece.speech.duration_ms, piece.written),)
        cues += [Cue(offset + s.start_ms, offset + s.end_ms, s.text) for s in sentences]
        if piece.pause_after_ms:
            audio += AudioSegment.silent(duration=piece.pause_after_ms, frame_rate=sample_rate)
    return audio, cues


def silence(duration_ms: int, sample_rate: int) -> AudioSegment:
    return AudioSegment.silent(duration=duration_ms, frame_rate=sample_rate)


def encode_mp3(audio: AudioSegment, out: Path, *, bitrate: str, out_rate: int) -> None:
    ffmpeg.encode_mp3(audio.raw_data, audio.frame_rate, out, bitrate=bitrate, out_rate=out_rate)


def duration_ms(path: Path) -> int:
    """The decoded duration of an audio file."""
    pcm = ffmpeg.decode_file(path, 8000)
    return len(pcm) * 1000 // (2 * 8000)


class StreamingEncoder:
    """Encodes a long programme to MP3 as its parts arrive, so it is never all in memory."""

    def __init__(self, out: Path, *, sample_rate: int, bitrate: str, out_rate: int) -> None:
        self.sample_rate = sample_rate
        self._frames = 0
        self._encoder = ffmpeg.PcmToMp3(out, sample_rate=sample_rate, bitrate=bitrate, out_rate=out_rate)

    @property
    def written_ms(self) -> int:
        return self._frames * 1000 // self.sample_rate

    def write(self, audio: AudioSegment) -> None:
        if audio.frame_rate != self.sample_rate:
            audio = audio.set_frame_rate(self.sample_rate)
        self._encoder.write(audio.raw_data)
        self._frames += len(audio.raw_data) // 2

    def __enter__(self) -> StreamingEncoder:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if kind is None:
            self._encoder.close()
        else:
            self._encoder.abort()
