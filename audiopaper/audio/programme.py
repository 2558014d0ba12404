"""The programme stage: each article's speech encoded to its clip, and everything the
edition reads streamed, in reading order, to the edition's encoder with its cues and chapters.

It knows nothing of where files are published or what their tags say: the caller names the
files (ProgrammeFiles), and the publication stage tags them and records them."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from audiopaper.audio import (
    AudioSegment,
    Cue,
    StreamingEncoder,
    encode_normalized,
    ffmpeg,
    load_audio,
    loudness,
    normalized,
    shift,
    silence,
)
from audiopaper.audio.chime import chime_pcm
from audiopaper.audio.part import Part
from audiopaper.core.chapter import Chapter
from audiopaper.core.loudness import Profile
from audiopaper.errors import ItemFailed
from audiopaper.script import ArticleScript, Item
from audiopaper.settings import AudioSettings, loudness_target

INTRO_RATE = 24000  # music before any speech: the edition then runs at this rate

# What MP3 encoding takes off speech's loudness before any clip has shown it (measured: 0.44 LU
# for espeak-ng, 0.4 for a pure tone): the first clip is then usually encoded only once.
CODEC_LOSS_GUESS = 0.4


class CodecLoss:
    """What the codec takes off speech's loudness, learnt from the clips as they are encoded
    and made good on the edition as it is fed: a streamed edition cannot be measured and
    encoded again. The clips teach it, the edition reads it (on its feeding thread, as each
    part goes to the encoder)."""

    def __init__(self) -> None:
        self.learnt: list[float] = []

    def learn(self, offset: float) -> None:
        self.learnt.append(offset)

    @property
    def known(self) -> bool:
        return bool(self.learnt)

    @property
    def offset(self) -> float:
        if not self.learnt:
            return CODEC_LOSS_GUESS
        return sum(self.learnt) / len(self.learnt)


@dataclass(frozen=True)
class ClipAudio:
    """An article's clip as encoded."""

    item: ArticleScript
    path: Path
    level: loudness.Measurement  # as a listener gets it
    duration_ms: int
    cues: list[Cue]
    offset: float  # the loudness offset the codec needed, as this clip showed it


@dataclass(frozen=True)
class ClipJob:
    """An article's speech, whole, to encode as its clip on a worker thread."""

    item: ArticleScript
    path: Path
    sound: AudioSegment
    cues: list[Cue]
    lufs: float  # the speech's own loudness, measured once for the clip and the edition
    offset: float  # what the codec takes off, as far as it is known
    loss_known: bool  # once earlier clips' MP3s have shown it; until then `offset` is a guess


def encode_clip(job: ClipJob, audio: AudioSettings) -> ClipAudio:
    """The article's clip. Until the codec's loss is known the clip is decoded and measured
    (encode_normalized)."""
    level, offset = encode_normalized(
        job.sound,
        job.path,
        loudness_target(audio, "clip"),
        bitrate=audio.clip_bitrate,
        out_rate=audio.clip_rate,
        offset_db=job.offset,
        measured_lufs=job.lufs,
        loss_known=job.loss_known,
    )
    return ClipAudio(job.item, job.path, level, len(job.sound), job.cues, offset)


class ClipStream:
    """A long article's clip, encoded part by part as its speech comes back, the way the
    edition is: each part is brought to the clip's loudness on its way in (gain changes
    fall in the pauses between calls). Until the codec's loss is known the MP3 is decoded
    and measured as it is written; it can't be encoded twice, so that measure stands."""

    def __init__(self, item: ArticleScript, path: Path, audio: AudioSettings, offset: float, loss_known: bool) -> None:
        self.item = item
        self.offset = offset
        self.loss_known = loss_known
        self.profile = loudness_target(audio, "clip")
        self.path = path
        self.encoder = StreamingEncoder(
            self.path, bitrate=audio.clip_bitrate, out_rate=audio.clip_rate, measure="input" if loss_known else "mp3"
        )
        self.cues: list[Cue] = []
        self.peak = float("-inf")

    def write(self, sound: AudioSegment, cues: Sequence[Cue], lufs: float) -> None:
        self.cues += shift(cues, self.encoder.written_ms)
        self.encoder.write(sound, self._normalized, lufs)

    def _normalized(self, sound: AudioSegment, lufs: float | None) -> AudioSegment:
        shaped, peak = normalized(sound, self.profile, self.offset, lufs)
        self.peak = max(self.peak, peak)
        return shaped

    def close(self) -> ClipAudio:
        self.encoder.close()
        assert self.encoder.lufs is not None
        if self.loss_known:
            lufs, offset = self.encoder.lufs - self.offset, self.offset
        else:  # decoded: the file's own loudness, off target by what the codec took
            lufs, offset = self.encoder.lufs, self.offset - (self.encoder.lufs - self.profile.lufs)
        level = loudness.Measurement(lufs=lufs, true_peak_db=self.peak)
        return ClipAudio(self.item, self.path, level, self.encoder.written_ms, self.cues, offset)

    def abort(self) -> None:
        self.encoder.abort()
        self.path.unlink(missing_ok=True)


class ClipWriter:
    """Encodes and measures clips on two threads (the work is in ffmpeg processes) while
    the main thread assembles the next article and feeds the edition: when the last
    articles arrive together at the end of a build, their clips are encoded side by side.

    The first clip is written at once, so that the codec's loudness offset is known before
    the edition needs it; at most two more wait, so memory stays bounded by a few articles."""

    PENDING = 2
    WORKERS = 2

    def __init__(self, audio: AudioSettings, loss: CodecLoss) -> None:
        self.audio = audio
        self.loss = loss
        self.pool = ThreadPoolExecutor(self.WORKERS, thread_name_prefix="clips")
        self.pending: deque[Future[ClipAudio]] = deque()
        self.done: list[ClipAudio] = []

    def submit(self, job: ClipJob) -> None:
        self.pending.append(self.pool.submit(encode_clip, job, self.audio))
        while len(self.pending) > (self.PENDING if self.done else 0):
            self._collect()

    def _collect(self) -> None:
        self.add(self.pending.popleft().result())

    def add(self, clip: ClipAudio) -> None:
        self.done.append(clip)
        self.loss.learn(clip.offset)

    def finish(self) -> list[ClipAudio]:
        """The clips written, in the edition's order (they are written as they come back)."""
        while self.pending:
            self._collect()
        return sorted(self.done, key=lambda clip: clip.item.index)

    def __enter__(self) -> ClipWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        for future in self.pending:
            future.cancel()
        self.pool.shutdown(wait=True)


class EditionAudio:
    """The daily episode as it is streamed to the encoder: cues and chapters follow along."""

    def __init__(self, encoder: StreamingEncoder, profile: Profile, loss: CodecLoss, audio: AudioSettings) -> None:
        self.encoder = encoder
        self.profile = profile
        self.loss = loss
        self.audio = audio
        self.cues: list[Cue] = []
        self.chapters: list[Chapter] = []
        self.true_peak_db = float("-inf")  # as the limiter left it, before encoding
        self.chapter_start: int | None = None  # where the article being fed began

    def put(
        self, sound: AudioSegment, cues: Sequence[Cue] = (), normalize: bool = True, lufs: float | None = None
    ) -> None:
        self.cues += shift(cues, self.encoder.written_ms)
        self.encoder.write(sound, self._normalized if normalize else None, lufs)

    def _normalized(self, sound: AudioSegment, lufs: float | None) -> AudioSegment:
        # Runs on the encoder's feeding thread, in order: the main thread goes on meanwhile.
        sound, peak = normalized(sound, self.profile, self.loss.offset, lufs)
        self.true_peak_db = max(self.true_peak_db, peak)
        return sound

    def pause(self, ms: int) -> None:
        if self.encoder.sample_rate:
            self.encoder.write(silence(ms, self.encoder.sample_rate))

    def take(self, item: ArticleScript | None, part: Part, lufs: float | None) -> None:
        """A part's turn in the edition: an article's first part with its chime and chapter
        start, its last with the pause after it. A failed part brings no audio; an article
        that failed after some of its parts were read keeps its chapter for them."""
        if item is None:
            if part.sound is not None:
                self.put(part.sound, part.cues)
            return
        if part.sound is not None:
            if part.first:
                if self.audio.chime and self.chapters:
                    rate = part.sound.frame_rate
                    chime = AudioSegment(chime_pcm(rate), sample_width=2, frame_rate=rate, channels=1)
                    self.put(chime, normalize=False)
                self.chapter_start = self.encoder.written_ms
            self.put(part.sound, part.cues, lufs=lufs)
        if part.last and self.chapter_start is not None:
            if part.sound is not None:
                self.pause(self.audio.pause_article_ms)
            self.chapters.append(Chapter(item.article.title, self.chapter_start, self.encoder.written_ms))
            self.chapter_start = None


@dataclass(frozen=True)
class ProgrammeFiles:
    """Where the programme stage writes: the edition, the further MP3s of it, each clip."""

    edition: Path
    also: Sequence[ffmpeg.Output]
    clip: Callable[[ArticleScript], Path]


@dataclass(frozen=True)
class Programme:
    """The programme as encoded: the clips and the edition, with what was learnt of them."""

    clips: list[ClipAudio]  # in reading order
    failed: list[ItemFailed]  # in reading order
    duration_ms: int
    lufs: float | None  # metered as encoded, less what the codec took off the clips
    true_peak_db: float
    cues: list[Cue]
    chapters: list[Chapter]


def record_programme(
    items: Sequence[Item], parts: Iterable[Part], files: ProgrammeFiles, audio: AudioSettings
) -> Programme:
    """Every article's clip and the whole edition, from the items' parts as they come back
    (see audio.speech.Speaker.parts): a clip as soon as its article is all back, the edition in reading
    order, parts that come back early waiting for their turn."""
    failures: dict[int, ItemFailed] = {}  # by the item's place in the edition
    loss = CodecLoss()
    with (
        StreamingEncoder(
            files.edition, bitrate=audio.edition_bitrate, out_rate=audio.edition_rate, measure="input", also=files.also
        ) as encoder,
        ClipWriter(audio, loss) as writer,
    ):
        edition = EditionAudio(encoder, loudness_target(audio, "edition"), loss, audio)
        if audio.intro_music:
            edition.put(load_audio(Path(audio.intro_music), audio.sample_rate or INTRO_RATE))
        waiting: dict[int, deque[tuple[Part, float | None]]] = {}  # parts come back out of turn
        streams: dict[int, ClipStream] = {}  # long articles' clips, open
        turn = 0  # the next item the edition takes
        try:
            for part in parts:
                item = items[part.item].article
                lufs = None
                if part.failure is not None:
                    failures[part.item] = part.failure
                    if part.item in streams:
                        streams.pop(part.item).abort()
                elif item is not None:  # opening, section intro, closing: the edition's own
                    assert part.sound is not None
                    sound = part.sound
                    lufs = loudness.integrated_lufs(sound.raw_data, sound.frame_rate)  # once, for both
                    offset, known = loss.offset, loss.known
                    if part.first and part.last:
                        writer.submit(ClipJob(item, files.clip(item), sound, part.cues, lufs, offset, known))
                    else:
                        if part.first:
                            streams[part.item] = ClipStream(item, files.clip(item), audio, offset, known)
                        streams[part.item].write(sound, part.cues, lufs)
                        if part.last:
                            writer.add(streams.pop(part.item).close())
                waiting.setdefault(part.item, deque()).append((part, lufs))
                while waiting.get(turn):  # an item's parts arrive in order
                    ready, level = waiting[turn].popleft()
                    edition.take(items[turn].article, ready, level)
                    if ready.last:
                        del waiting[turn]
                        turn += 1
        except BaseException:
            for stream in streams.values():
                stream.abort()
            raise
        if audio.outro_music:
            edition.put(load_audio(Path(audio.outro_music), encoder.sample_rate or INTRO_RATE))
        duration_ms = encoder.written_ms
        clips = writer.finish()
    if edition.chapters:  # the last chapter runs to the end: the sign-off belongs to it
        last = edition.chapters[-1]
        edition.chapters[-1] = Chapter(last.title, last.start_ms, duration_ms)
    return Programme(
        clips=clips,
        failed=[failures[index] for index in sorted(failures)],
        duration_ms=duration_ms,
        # Metered on its way into the encoder, less what the codec took off the clips (the
        # clips' MP3s are decoded and measured): a second decode of a whole hour-long
        # edition is the most costly thing a build does after the speech itself.
        lufs=encoder.lufs - loss.offset if encoder.lufs is not None else None,
        true_peak_db=edition.true_peak_db,
        cues=edition.cues,
        chapters=edition.chapters,
    )
