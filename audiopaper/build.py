"""The daily run: inputs -> edition -> script -> speech -> clips, edition, manifest, feed.

Everything for one date is written into a staging folder inside OUT and swapped into place
only when complete, so a failed or killed build never costs what OUT already held.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from functools import cached_property
from pathlib import Path

from audiopaper.audio import (
    AudioSegment,
    Placed,
    StreamingEncoder,
    assemble,
    encode_normalized,
    load_audio,
    loudness,
    normalized,
    shift,
    silence,
    trim,
)
from audiopaper.audio.chime import chime_pcm
from audiopaper.core import ffmpeg
from audiopaper.core.chinese import split_sentences
from audiopaper.core.loudness import Profile
from audiopaper.core.speech import Cue, Speech, SpeechRequest, Voice
from audiopaper.edition import Article, Edition, warning_lines
from audiopaper.errors import EngineUnavailable, InputError, ItemFailed
from audiopaper.fsutil import atomic_write_text
from audiopaper.ingest import read_edition
from audiopaper.publish.chapters import Chapter, chapters_json
from audiopaper.publish.formats import low_bitrate_outputs, write_edition_formats
from audiopaper.publish.layout import CHAPTERS, CLIPS, EDITION_AUDIO, EDITION_VTT, PLAYLIST, clip_name
from audiopaper.publish.manifest import ClipEntry, Manifest, read_manifest, write_manifest
from audiopaper.publish.outdir import Identity, locked, settle
from audiopaper.publish.page import write_edition_page
from audiopaper.publish.playlist import write_edition_playlists
from audiopaper.publish.site import publish as publish_site
from audiopaper.publish.site import site_settings
from audiopaper.publish.tags import Tags, write_tags
from audiopaper.publish.transcript import to_srt, to_vtt
from audiopaper.script import (
    PAUSE_PARAGRAPH,
    PAUSE_TITLE,
    ArticleScript,
    Call,
    Script,
    Segment,
    Share,
    build_script,
    edition_calls,
)
from audiopaper.settings import AudioSettings, Settings, loudness_target
from audiopaper.tts import Engine, ServiceStats, auto_order, engine_class
from audiopaper.tts.cache import CachedEngine, SpeechCache, default_cache_dir

SAMPLE_PAPER = "平湖日报"
INTRO_RATE = 24000  # music before any speech: the edition then runs at this rate
SAMPLE_DATE = "2022-10-12"  # the issue date of the bundled page


def sample_settings(settings: Settings) -> Settings:
    """The bundled sample states neither its paper nor its date; flags still win."""
    return replace(settings, paper=settings.paper or SAMPLE_PAPER, date=settings.date or SAMPLE_DATE)


# -- edition -------------------------------------------------------------------------------


def load_edition(inputs: Sequence[Path], settings: Settings) -> Edition:
    """The edition to build: the inputs' own, with the settings' paper and date winning."""
    edition = read_edition(inputs)
    edition = replace(
        edition,
        paper=settings.paper or edition.paper,
        date=settings.date or edition.date or dt.date.today().isoformat(),
    )
    if not edition.spoken_articles:
        raise InputError(f"no articles to read in {', '.join(str(p) for p in inputs)}")
    return edition


# -- engine --------------------------------------------------------------------------------


def _unreachable(engine: Engine) -> str | None:
    """Why an online engine can't be used now, or None (offline engines always can)."""
    answer = engine.reachable()
    if answer is True:
        return None
    return answer if isinstance(answer, str) else "no answer"


def _cached(engine: Engine, settings: Settings) -> Engine:
    t = settings.tts
    if not t.cache:
        return engine
    folder = Path(t.cache_dir).expanduser() if t.cache_dir else default_cache_dir()
    return CachedEngine(engine, SpeechCache(folder, t.cache_max_mb * 1024 * 1024))


def call_request(call: Call, voices: dict[str, Voice]) -> SpeechRequest:
    """What `call` asks of an engine: its text in its role's voice (the anchor's by default)."""
    return SpeechRequest(text=call.spoken, voice=voices.get(call.role) or voices["anchor"])


def _all_cached(engine: Engine, settings: Settings, script: Script | None) -> bool:
    """Whether every call the script makes of `engine` is in the speech cache already: a
    rebuild that sends no request needs no service, so it is not asked whether it answers."""
    cached = _cached(engine, settings)
    if script is None or not isinstance(cached, CachedEngine):
        return False
    items = [segments for _, _, segments in script.items()]
    calls, _ = edition_calls(items, pool=engine.ROUND_TRIPS)
    voices = settings.voices.for_engine(engine.NAME)
    return all(cached.cache.has(cached.cache.key(engine.NAME, call_request(call, voices))) for call in calls)


def _usable(engine: Engine, settings: Settings, script: Script | None) -> str | None:
    """Why `engine` can't be used for this script now, or None."""
    return None if _all_cached(engine, settings, script) else _unreachable(engine)


def choose_engine(name: str, settings: Settings, script: Script | None = None) -> tuple[Engine, str | None]:
    """The engine to render with, and a note when `auto` had to fall back.

    `auto` decides once, for the whole edition: a listener should not hear the voice change
    from one article to the next. An online engine is probed only when the script needs
    a request that the speech cache cannot answer."""
    note = None
    if name == "auto":
        *first_choices, fallback = auto_order()
        for cls in first_choices:
            problem = cls.availability()
            if problem is None:
                engine = cls.from_settings(settings.tts)
                problem = _usable(engine, settings, script)
                if problem is None:
                    return engine, None
            note = f"{cls.DESCRIPTION} cannot be used ({problem}); using {fallback.DESCRIPTION} for the whole edition"
        name = fallback.NAME
    cls = engine_class(name)
    problem = cls.availability()
    if problem:
        raise EngineUnavailable(f"engine {name}: {problem}")
    engine = cls.from_settings(settings.tts)
    problem = _usable(engine, settings, script)
    if problem:
        raise EngineUnavailable(
            f"engine {name}: {cls.DESCRIPTION} cannot be reached ({problem}); "
            f"check the network or use --engine {auto_order()[-1].NAME}"
        )
    return engine, note


# -- rendering -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    edition: Edition
    script: Script
    settings: Settings
    engine: Engine
    notes: tuple[str, ...]

    @property
    def date(self) -> str:
        assert self.edition.date is not None
        return self.edition.date

    @cached_property
    def calls(self) -> tuple[list[Call], list[list[Share]]]:
        """The edition's engine calls, and each item's shares of them (see edition_calls)."""
        items = [segments for _, _, segments in self.script.items()]
        return edition_calls(items, pool=self.engine.ROUND_TRIPS)

    @property
    def total_calls(self) -> int:
        """Engine calls in the edition: the progress bar's length."""
        return len(self.calls[0])


@dataclass(frozen=True)
class Report:
    folder: Path
    articles: int
    duration_ms: int
    engine: str
    failed: tuple[ItemFailed, ...]
    published: bool
    service: ServiceStats | None = None  # an online engine's requests, retries, refusals
    damaged_cache: tuple[Path, ...] = ()  # speech cache entries that failed their checksum
    deliveries: tuple = ()  # audiopaper.deliver.TargetReport per [deliver.NAME] target


def cap_articles(edition: Edition, limit: int) -> tuple[Edition, list[str]]:
    """The edition with every article's body cut to at most `limit` characters, at the last
    sentence end within it, and a warning naming each article cut.

    No paper prints an article that long: it is a page exported as one line, or pages run
    together, and reading it would take hours. What is read still ends on a whole sentence."""
    notes: list[str] = []
    articles = []
    for article in edition.articles:
        size = sum(len(p) for p in article.paragraphs)
        if size <= limit or not article.spoken:
            articles.append(article)
            continue
        kept: list[str] = []
        room = limit
        for paragraph in article.paragraphs:
            if len(paragraph) <= room:
                kept.append(paragraph)
                room -= len(paragraph)
                continue
            head = ""
            for sentence in split_sentences(paragraph):
                if len(head) + len(sentence) > room:
                    break
                head += sentence
            if not head and not kept:  # not one sentence fits: cut the run-on text itself
                head = paragraph[:room]
            if head:
                kept.append(head)
            break
        read = sum(len(p) for p in kept)
        notes.append(
            f"article «{article.title}» is {size:,} characters long, more than max_article_chars ({limit:,}): "
            f"only its first {read:,} are read"
        )
        articles.append(replace(article, paragraphs=tuple(kept)))
    return replace(edition, articles=tuple(articles)), notes


def make_script(edition: Edition, settings: Settings) -> tuple[Script, list[str]]:
    """The script, and warnings about what of the edition it does not read."""
    edition, notes = cap_articles(edition, settings.max_article_chars)
    script = build_script(
        edition,
        edition.paper or "本报",
        settings.wording,
        sections=settings.sections,
        topics=settings.topics or None,
    )
    return script, notes


def plan_build(inputs: Sequence[Path], settings: Settings) -> Plan:
    ffmpeg.use(settings.ffmpeg)  # a configured ffmpeg that lacks something fails now, not mid-build
    edition = load_edition(inputs, settings)
    script, notes = make_script(edition, settings)
    engine, note = choose_engine(settings.engine, settings, script)
    for voice in settings.voices.for_engine(engine.NAME).values():  # a typo fails now, not after the opening
        engine.check_voice(voice.name)
    return Plan(
        edition=edition,
        script=script,
        settings=settings,
        engine=_cached(engine, settings),
        notes=(*notes, *([note] if note else [])),
    )


def _pause_ms(segment: Segment, settings: Settings) -> int:
    audio = settings.audio
    return {
        PAUSE_TITLE: audio.pause_title_ms,
        PAUSE_PARAGRAPH: audio.pause_paragraph_ms,
    }.get(segment.pause, audio.pause_segment_ms)


# Calls an engine with round trips may be asked for ahead of their turn (issue_order). The
# items that come back early wait, assembled, for their turn in the edition: this bounds them.
REORDER = 6


def issue_order(calls: Sequence[Call], shares: Sequence[Sequence[Share]], window: int) -> list[int]:
    """The order to ask for the calls in: within each run of `window` calls, those read by
    the longest items first.

    Clips are encoded as soon as an article's speech is all back, in any order, and encoding
    costs in proportion to the article's length. Asking for the long articles first leaves
    the build's last seconds waiting on short ones, instead of encoding long ones after the
    last answer."""
    size = [sum(len(calls[s.call].segments[i].spoken.encode()) for s in mine for i in s.segments) for mine in shares]
    weight = [0] * len(calls)
    for item, mine in enumerate(shares):
        for share in mine:
            weight[share.call] = max(weight[share.call], size[item])
    order: list[int] = []
    for start in range(0, len(calls), window):
        order += sorted(range(start, min(len(calls), start + window)), key=lambda c: -weight[c])
    return order


@dataclass
class Part:
    """An item's speech, or a part of it, assembled with its pauses and cues: a long
    article comes back in parts of about PART_BYTES of audio, so it is never whole in
    memory. The first part is trimmed to the head pad, the last to the tail pad. A failed
    item ends with a part that carries its failure and no audio."""

    item: int  # index into the script's items
    sound: AudioSegment | None
    cues: list[Cue]
    first: bool
    last: bool
    failure: ItemFailed | None = None


# About five minutes of 24 kHz speech: an item this long is handed on in parts.
PART_BYTES = 16 * 1024 * 1024


class _Renderer:
    """The edition's speech, item by item (part by part) as it comes back.

    Every engine call of the edition goes to the engine as one stream, so an online engine
    keeps its connections busy across articles while the caller assembles and encodes the
    items already spoken; each item comes back assembled with its pauses, trimmed to fixed
    pads, with one cue per written sentence.

    A call pooled from several items (Plan.calls) is cut at the engine's sentence starts
    and each item takes its share. Where a share can't be cut out (the engine put an item
    boundary inside a sentence) or the pooled call failed, that item's share is asked for
    again on its own: one item's text never costs another item its audio."""

    def __init__(self, plan: Plan, progress: Callable[[int], None] | None) -> None:
        self.plan = plan
        self.voices = plan.settings.voices.for_engine(plan.engine.NAME)
        self.calls, self.shares = plan.calls
        window = REORDER if plan.engine.ROUND_TRIPS else 1
        self.order = issue_order(self.calls, self.shares, window)
        self.results = plan.engine.stream([self.request(self.calls[c]) for c in self.order], progress)
        self.taken: dict[int, list[tuple[Speech, range]] | BaseException] = {}
        self.readers = Counter(share.call for shares in self.shares for share in shares)
        self.names = [name for name, _, _ in plan.script.items()]

    def request(self, call: Call) -> SpeechRequest:
        return call_request(call, self.voices)

    def close(self) -> None:
        self.results.close()

    def parts(self) -> Iterator[Part]:
        """Each item's parts, as soon as the calls they read are back: an item's shares are
        taken in order as their calls arrive, and a part is handed on once it holds
        PART_BYTES of audio or the item is complete."""
        readers: dict[int, list[int]] = {}
        for item, mine in enumerate(self.shares):
            for share in mine:
                readers.setdefault(share.call, []).append(item)
        progress = [_Progress() for _ in self.shares]
        for item, mine in enumerate(self.shares):
            if not mine:  # nothing to say: an empty item fails as it always did
                yield self._finish(item, progress[item])
        for call, result in zip(self.order, self.results, strict=False):
            segments = self.calls[call].segments
            self.taken[call] = result.split([s.spoken for s in segments]) if isinstance(result, Speech) else result
            for item in dict.fromkeys(readers.get(call, ())):
                yield from self._advance(item, progress[item])

    def _advance(self, item: int, done: _Progress) -> Iterator[Part]:
        mine = self.shares[item]
        while done.shares < len(mine) and mine[done.shares].call in self.taken:
            placed = self._share(mine[done.shares])  # taken even after a failure: what it holds is let go
            done.shares += 1
            if isinstance(placed, BaseException):
                done.failure = done.failure or placed
                done.pending.clear()
                continue
            if done.failure is None:
                done.pending += placed
                done.bytes += sum(len(p.speech.pcm) for p in placed)
            if done.bytes >= PART_BYTES and done.shares < len(mine) and done.failure is None:
                yield self._assembled(item, done, last=False)
        if done.shares == len(mine):
            yield self._finish(item, done)

    def _finish(self, item: int, done: _Progress) -> Part:
        name = self.names[item]
        if done.failure is not None:
            failure = ItemFailed(name, str(done.failure) or type(done.failure).__name__)
            return Part(item, None, [], first=not done.parts, last=True, failure=failure)
        if not done.pending and not done.parts:
            return Part(item, None, [], first=True, last=True, failure=ItemFailed(name, "the engine returned no audio"))
        return self._assembled(item, done, last=True)

    def _assembled(self, item: int, done: _Progress, last: bool) -> Part:
        audio = self.plan.settings.audio
        first = not done.parts
        if done.rate == 0:
            done.rate = audio.sample_rate or done.pending[0].speech.sample_rate
        sound, cues = assemble(done.pending, done.rate)
        sound, moved = trim(sound, audio.pad_head_ms if first else None, audio.pad_tail_ms if last else None)
        done.parts += 1
        done.pending, done.bytes = [], 0
        return Part(item, sound, shift(cues, moved, len(sound)), first=first, last=last)

    def _take(self, index: int) -> list[tuple[Speech, range]] | BaseException:
        """Call `index`'s speech cut at its segments, kept until its last reader has it."""
        found = self.taken[index]
        self.readers[index] -= 1
        if not self.readers[index]:
            del self.taken[index]
        return found

    def _share(self, share: Share) -> list[Placed] | BaseException:
        call = self.calls[share.call]
        found = self._take(share.call)
        pooled = len(share.segments) < len(call.segments)
        if not isinstance(found, BaseException):
            mine = [(speech, held) for speech, held in found if held.start in share.segments]
            if sum(len(held) for _, held in mine) == len(share.segments) and all(
                held.stop <= share.segments.stop for _, held in mine
            ):
                return [self._placed(speech, [call.segments[i] for i in held]) for speech, held in mine]
        if not pooled:  # a call of one item's own is always read whole: only a failure gets here
            assert isinstance(found, BaseException)
            return found
        alone = Call(call.role, call.segments[share.segments.start : share.segments.stop])
        result = self.plan.engine.synthesize_many([self.request(alone)])[0]
        if isinstance(result, BaseException):
            return result
        pieces = result.split([s.spoken for s in alone.segments])
        return [self._placed(speech, [alone.segments[i] for i in held]) for speech, held in pieces]

    def _placed(self, speech: Speech, segments: Sequence[Segment]) -> Placed:
        written = tuple(w for s in segments for w in split_sentences(s.written))
        return Placed(speech, _pause_ms(segments[-1], self.plan.settings), written)


@dataclass
class _Progress:
    """How far the renderer has got with one item."""

    shares: int = 0  # shares taken
    parts: int = 0  # parts handed on
    pending: list[Placed] = field(default_factory=list)
    bytes: int = 0  # of PCM in pending
    rate: int = 0  # the item's assembly rate, fixed by its first part
    failure: BaseException | None = None


def _spoken_hash(segments: Sequence[Segment]) -> str:
    return hashlib.sha256("\n".join(s.spoken for s in segments).encode()).hexdigest()


def _credits_text(article: Article, paper: str) -> str:
    return "、".join(f"{c.role} {c.name}" for c in article.credits) or paper


# What MP3 encoding takes off speech's loudness before any clip has shown it (measured: 0.44 LU
# for espeak-ng, 0.4 for a pure tone): the first clip is then usually encoded only once.
CODEC_LOSS_GUESS = 0.4


class _Edition:
    """The daily episode as it is streamed to the encoder: cues and chapters follow along."""

    def __init__(self, encoder: StreamingEncoder, profile: Profile) -> None:
        self.encoder = encoder
        self.profile = profile
        self.cues: list[Cue] = []
        self.chapters: list[Chapter] = []
        # What the codec takes off, learnt from the clips as they are encoded: a streamed
        # edition cannot be measured and encoded again.
        self.codec_offsets: list[float] = []
        self.true_peak_db = float("-inf")  # as the limiter left it, before encoding
        self.chapter_start: int | None = None  # where the article being fed began

    def put(
        self, sound: AudioSegment, cues: Sequence[Cue] = (), normalize: bool = True, lufs: float | None = None
    ) -> None:
        self.cues += shift(cues, self.encoder.written_ms)
        self.encoder.write(sound, self._normalized if normalize else None, lufs)

    def _normalized(self, sound: AudioSegment, lufs: float | None) -> AudioSegment:
        # Runs on the encoder's feeding thread, in order: the main thread goes on meanwhile.
        sound, peak = normalized(sound, self.profile, self.codec_offset, lufs)
        self.true_peak_db = max(self.true_peak_db, peak)
        return sound

    @property
    def codec_offset(self) -> float:
        if not self.codec_offsets:
            return CODEC_LOSS_GUESS
        return sum(self.codec_offsets) / len(self.codec_offsets)

    def pause(self, ms: int) -> None:
        if self.encoder.sample_rate:
            self.encoder.write(silence(ms, self.encoder.sample_rate))


def _write_clip(
    staging: Path,
    item: ArticleScript,
    sound: AudioSegment,
    cues: list[Cue],
    plan: Plan,
    tracks: int,
    offset: float,
    loss_known: bool,
    lufs: float,
) -> tuple[ClipEntry, float]:
    """The article's clip, tags and transcripts; and the loudness offset the codec needed.
    `offset` is what the codec takes off, `loss_known` once earlier clips' MP3s have shown
    it; until then it is a guess and the clip is decoded and measured (encode_normalized)."""
    audio = plan.settings.audio
    path = staging / CLIPS / clip_name(item.index, item.article.title)
    level, offset = encode_normalized(
        sound,
        path,
        loudness_target(audio, "clip"),
        bitrate=audio.clip_bitrate,
        out_rate=audio.clip_rate,
        offset_db=offset,
        measured_lufs=lufs,
        loss_known=loss_known,
    )
    return _finish_clip(path, item, plan, tracks, level, len(sound), cues), offset


def _finish_clip(
    path: Path,
    item: ArticleScript,
    plan: Plan,
    tracks: int,
    level: loudness.Measurement,
    duration_ms: int,
    cues: list[Cue],
) -> ClipEntry:
    """Tags and transcripts for the encoded clip at `path`, and its manifest entry."""
    article = item.article
    tags = Tags(
        title=article.title,
        artist=_credits_text(article, plan.script.paper),
        album=_album(plan),
        album_artist=plan.script.paper,
        track=item.index,
        tracks=tracks,
        date=plan.date,
        comment=_comment(article),
    )
    write_tags(path, tags)
    vtt = path.with_suffix(".vtt")
    atomic_write_text(vtt, to_vtt(cues))
    atomic_write_text(path.with_suffix(".srt"), to_srt(cues))
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
        duration_ms=duration_ms,
        spoken_sha256=_spoken_hash(item.segments),
        transcript=list(a.paragraphs),
        vtt=f"{CLIPS}/{vtt.name}",
        lufs=round(level.lufs, 2),
        true_peak_db=round(level.true_peak_db, 2),
        section=plan.script.section_of(item.index),
    )


class _ClipStream:
    """A long article's clip, encoded part by part as its speech comes back, the way the
    edition is: each part is brought to the clip's loudness on its way in (gain changes
    fall in the pauses between calls). Until the codec's loss is known the MP3 is decoded
    and measured as it is written; it can't be encoded twice, so that measure stands."""

    def __init__(self, staging: Path, item: ArticleScript, plan: Plan, offset: float, loss_known: bool) -> None:
        audio = plan.settings.audio
        self.item = item
        self.plan = plan
        self.offset = offset
        self.loss_known = loss_known
        self.profile = loudness_target(audio, "clip")
        self.path = staging / CLIPS / clip_name(item.index, item.article.title)
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

    def close(self, tracks: int) -> tuple[ClipEntry, float]:
        """The clip's manifest entry, and the codec's loss as this clip showed it."""
        self.encoder.close()
        assert self.encoder.lufs is not None
        if self.loss_known:
            lufs, offset = self.encoder.lufs - self.offset, self.offset
        else:  # decoded: the file's own loudness, off target by what the codec took
            lufs, offset = self.encoder.lufs, self.offset - (self.encoder.lufs - self.profile.lufs)
        level = loudness.Measurement(lufs=lufs, true_peak_db=self.peak)
        entry = _finish_clip(self.path, self.item, self.plan, tracks, level, self.encoder.written_ms, self.cues)
        return entry, offset

    def abort(self) -> None:
        self.encoder.abort()
        self.path.unlink(missing_ok=True)


class _ClipWriter:
    """Encodes, measures and tags clips on two threads (the work is in ffmpeg processes)
    while the main thread assembles the next article and feeds the edition: when the last
    articles arrive together at the end of a build, their clips are encoded side by side.

    The first clip is written at once, so that the codec's loudness offset is known before
    the edition needs it; at most two more wait, so memory stays bounded by a few articles."""

    PENDING = 2
    WORKERS = 2

    def __init__(self) -> None:
        self.pool = ThreadPoolExecutor(self.WORKERS, thread_name_prefix="clips")
        self.pending: deque[Future[tuple[ClipEntry, float]]] = deque()
        self.done: list[ClipEntry] = []
        self.learnt: list[float] = []

    def submit(self, fn: Callable[..., tuple[ClipEntry, float]], *args: object) -> None:
        self.pending.append(self.pool.submit(fn, *args))
        while len(self.pending) > (self.PENDING if self.done else 0):
            self._collect()

    def _collect(self) -> None:
        self.add(*self.pending.popleft().result())

    def add(self, clip: ClipEntry, offset: float) -> None:
        self.done.append(clip)
        self.learnt.append(offset)

    def finish(self) -> list[ClipEntry]:
        """The clips written, in the edition's order (they are written as they come back)."""
        while self.pending:
            self._collect()
        return sorted(self.done, key=lambda clip: clip.index)

    def __enter__(self) -> _ClipWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        for future in self.pending:
            future.cancel()
        self.pool.shutdown(wait=True)


def _feed_edition(
    edition: _Edition, item: ArticleScript | None, part: Part, lufs: float | None, audio: AudioSettings
) -> None:
    """A part's turn in the edition: an article's first part with its chime and chapter
    start, its last with the pause after it. A failed part brings no audio; an article
    that failed after some of its parts were read keeps its chapter for them."""
    if item is None:
        if part.sound is not None:
            edition.put(part.sound, part.cues)
        return
    if part.sound is not None:
        if part.first:
            if audio.chime and edition.chapters:
                rate = part.sound.frame_rate
                edition.put(AudioSegment(chime_pcm(rate), sample_width=2, frame_rate=rate, channels=1), normalize=False)
            edition.chapter_start = edition.encoder.written_ms
        edition.put(part.sound, part.cues, lufs=lufs)
    if part.last and edition.chapter_start is not None:
        if part.sound is not None:
            edition.pause(audio.pause_article_ms)
        edition.chapters.append(Chapter(item.article.title, edition.chapter_start, edition.encoder.written_ms))
        edition.chapter_start = None


def _album(plan: Plan) -> str:
    return f"{plan.script.paper} {plan.date} 有声版"


def _comment(article: Article) -> str:
    page = f"第{article.page}版 " if article.page else ""
    return f"{page}{article.kicker or ''}{article.title}".strip()


def render(
    plan: Plan,
    progress: Callable[[int], None] | None = None,
    allow_partial: bool = False,
    change_base_url: bool = False,
) -> Report:
    """Render every article to a clip and the whole edition, then publish atomically,
    holding OUT for the whole build (one build per OUT at a time)."""
    with locked(plan.settings.out):
        identity = settle(plan.settings.out, plan.script.paper, plan.settings.base_url, change_base_url=change_base_url)
        report = _render(plan, identity, progress, allow_partial)
        if report.published and plan.settings.deliver:  # to the station's playout, after publishing
            from audiopaper.deliver import deliver_built

            report = replace(report, deliveries=deliver_built(plan.settings.out, plan.settings.deliver, report.folder))
        return report


def _render(plan: Plan, identity: Identity, progress: Callable[[int], None] | None, allow_partial: bool) -> Report:
    settings = site_settings(plan.settings, identity)
    out = settings.out
    audio = settings.audio
    final = out / plan.date
    staging = out / f".staging-{plan.date}-{os.getpid()}"
    (staging / CLIPS).mkdir(parents=True)
    renderer = _Renderer(plan, progress)
    failures: dict[int, ItemFailed] = {}  # by the item's place in the edition
    clips: list[ClipEntry] = []
    tracks = len(plan.script.articles)
    edition_path = staging / EDITION_AUDIO
    try:
        with (
            StreamingEncoder(
                edition_path,
                bitrate=audio.edition_bitrate,
                out_rate=audio.edition_rate,
                measure="input",
                also=low_bitrate_outputs(staging, audio),
            ) as encoder,
            _ClipWriter() as writer,
        ):
            edition = _Edition(encoder, loudness_target(audio, "edition"))
            writer.learnt = edition.codec_offsets
            if audio.intro_music:
                edition.put(load_audio(Path(audio.intro_music), audio.sample_rate or INTRO_RATE))
            items = plan.script.items()
            waiting: dict[int, deque[tuple[Part, float | None]]] = {}  # parts come back out of turn
            streams: dict[int, _ClipStream] = {}  # long articles' clips, open
            turn = 0  # the next item the edition takes
            try:
                for part in renderer.parts():
                    item = items[part.item][1]
                    lufs = None
                    if part.failure is not None:
                        failures[part.item] = part.failure
                        if part.item in streams:
                            streams.pop(part.item).abort()
                    elif item is not None:  # opening, section intro, closing: the edition's own
                        assert part.sound is not None
                        sound = part.sound
                        lufs = loudness.integrated_lufs(sound.raw_data, sound.frame_rate)  # once, for both
                        offset, known = edition.codec_offset, bool(edition.codec_offsets)
                        if part.first and part.last:
                            writer.submit(
                                _write_clip, staging, item, sound, part.cues, plan, tracks, offset, known, lufs
                            )
                        else:
                            if part.first:
                                streams[part.item] = _ClipStream(staging, item, plan, offset, known)
                            streams[part.item].write(sound, part.cues, lufs)
                            if part.last:
                                writer.add(*streams.pop(part.item).close(tracks))
                    waiting.setdefault(part.item, deque()).append((part, lufs))
                    while waiting.get(turn):  # an item's parts arrive in order
                        ready, level = waiting[turn].popleft()
                        _feed_edition(edition, items[turn][1], ready, level, audio)
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
        failed = [failures[index] for index in sorted(failures)]
        if not clips:
            raise EngineUnavailable(
                f"engine {plan.engine.NAME} rendered no article: " + "; ".join(str(f) for f in failed[:3])
            )
        if edition.chapters:  # the last chapter runs to the end: the sign-off belongs to it
            last = edition.chapters[-1]
            edition.chapters[-1] = Chapter(last.title, last.start_ms, duration_ms)
        artwork = audio.cover or settings.feed.image
        cover = Path(artwork) if artwork and Path(artwork).is_file() else None
        edition_tags = Tags(
            title=_album(plan),
            artist=plan.script.paper,
            album=_album(plan),
            album_artist=plan.script.paper,
            track=1,
            tracks=1,
            date=plan.date,
            comment="；".join(c.title for c in clips),
        )
        write_tags(edition_path, edition_tags, edition.chapters, cover)
        edition_peak = edition.true_peak_db
        # Metered on its way into the encoder, less what the codec took off the clips (the
        # clips' MP3s are decoded and measured): a second decode of a whole hour-long
        # edition is the most costly thing a build does after the speech itself.
        edition_lufs = round(encoder.lufs - edition.codec_offset, 2) if encoder.lufs is not None else None
        atomic_write_text(staging / EDITION_VTT, to_vtt(edition.cues))
        atomic_write_text(staging / EDITION_VTT.replace(".vtt", ".srt"), to_srt(edition.cues))
        atomic_write_text(staging / CHAPTERS, chapters_json(edition.chapters))
        manifest = Manifest(
            paper=plan.script.paper,
            date=plan.date,
            engine=plan.engine.NAME,
            built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            complete=not failed,
            edition_file=EDITION_AUDIO,
            edition_bytes=edition_path.stat().st_size,
            edition_duration_ms=duration_ms,
            clips=clips,
            failed=[f.item for f in failed],
            warnings=warning_lines(plan.edition),
            notes=list(plan.notes),
            service=asdict(plan.engine.stats) if plan.engine.stats else None,
            edition_vtt=EDITION_VTT,
            chapters_file=CHAPTERS,
            playlist_file=PLAYLIST,
            edition_lufs=edition_lufs,
            edition_true_peak_db=round(edition_peak, 2),
        )
        write_manifest(manifest, staging)
        # The folder arrives with its page: rebuild_site rewrites it, but a listener looking
        # between the swap and that rewrite finds a whole edition, not a folder without one.
        write_edition_page(staging, manifest, settings)
        write_edition_playlists(staging, manifest, settings)
        write_edition_formats(staging, manifest, settings.audio, daisy=settings.daisy)  # low bitrate, DAISY
        existing = read_manifest(final)
        publish = not failed or allow_partial or existing is None or not existing.complete
        if publish:
            publish_site(out, settings, identity, staged=(plan.date, staging))
    finally:
        renderer.close()
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
        if isinstance(plan.engine, CachedEngine):
            plan.engine.cache.evict()
    return Report(
        folder=final,
        articles=len(clips),
        duration_ms=duration_ms,
        engine=plan.engine.NAME,
        failed=tuple(failed),
        published=publish,
        service=plan.engine.stats,
        damaged_cache=tuple(plan.engine.cache.damaged) if isinstance(plan.engine, CachedEngine) else (),
    )
