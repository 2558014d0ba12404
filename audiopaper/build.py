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
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from audiopaper.audio import (
    AudioSegment,
    Cue,
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
from audiopaper.audio.loudness import Profile
from audiopaper.edition import Article, Edition, warning_lines
from audiopaper.errors import EngineUnavailable, InputError, ItemFailed
from audiopaper.fsutil import atomic_write_text, replace_dir
from audiopaper.ingest import read_edition
from audiopaper.publish.chapters import Chapter, chapters_json, playlist_m3u8
from audiopaper.publish.layout import CHAPTERS, CLIPS, EDITION_AUDIO, EDITION_VTT, PLAYLIST, clip_name
from audiopaper.publish.manifest import ClipEntry, Manifest, read_manifest, write_manifest
from audiopaper.publish.page import write_edition_page
from audiopaper.publish.site import rebuild as rebuild_site
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
from audiopaper.script.segments import split_sentences
from audiopaper.settings import AudioSettings, Settings, loudness_target
from audiopaper.tts import Engine, Speech, SpeechRequest, engine_class
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
    reachable = getattr(engine, "reachable", None)
    if reachable is None:
        return None
    answer = reachable()
    if answer is True:
        return None
    return answer if isinstance(answer, str) else "no answer"


def _cached(engine: Engine, settings: Settings) -> Engine:
    t = settings.tts
    if not t.cache:
        return engine
    folder = Path(t.cache_dir).expanduser() if t.cache_dir else default_cache_dir()
    return CachedEngine(engine, SpeechCache(folder, t.cache_max_mb * 1024 * 1024))


def choose_engine(name: str, settings: Settings) -> tuple[Engine, str | None]:
    """The engine to render with, and a note when `auto` had to fall back.

    `auto` decides once, for the whole edition: a listener should not hear the voice change
    from one article to the next."""
    note = None
    if name == "auto":
        edge_cls = engine_class("edge")
        problem = edge_cls.availability()
        if problem is None:
            edge = edge_cls.from_settings(settings.tts)
            problem = _unreachable(edge)
            if problem is None:
                return edge, None
        note = f"the online voice service cannot be used ({problem}); using espeak-ng for the whole edition"
        name = "espeak"
    cls = engine_class(name)
    problem = cls.availability()
    if problem:
        raise EngineUnavailable(f"engine {name}: {problem}")
    engine = cls.from_settings(settings.tts)
    problem = _unreachable(engine)
    if problem:
        raise EngineUnavailable(
            f"engine {name}: the online voice service cannot be reached ({problem}); "
            "check the network or use --engine espeak"
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


def make_script(edition: Edition, settings: Settings) -> Script:
    return build_script(
        edition,
        edition.paper or "本报",
        settings.wording,
        sections=settings.sections,
        topics=settings.topics or None,
    )


def plan_build(inputs: Sequence[Path], settings: Settings) -> Plan:
    edition = load_edition(inputs, settings)
    engine, note = choose_engine(settings.engine, settings)
    check_voice = getattr(engine, "check_voice", None)
    if check_voice is not None:  # a typo in the config fails now, not after the opening
        for voice in settings.voices.for_engine(engine.NAME).values():
            check_voice(voice.name)
    return Plan(
        edition=edition,
        script=make_script(edition, settings),
        settings=settings,
        engine=_cached(engine, settings),
        notes=(note,) if note else (),
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


class _Renderer:
    """The edition's speech, item by item as it comes back.

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

    def request(self, call: Call) -> SpeechRequest:
        return SpeechRequest(text=call.spoken, voice=self.voices.get(call.role) or self.voices["anchor"])

    def close(self) -> None:
        close = getattr(self.results, "close", None)
        if close:
            close()

    def completed(self) -> Iterator[int]:
        """Items (indices into the script's items) as soon as every call they read is back."""
        missing = [{share.call for share in mine} for mine in self.shares]
        readers: dict[int, list[int]] = {}
        for item, calls in enumerate(missing):
            for call in calls:
                readers.setdefault(call, []).append(item)
        yield from (item for item, calls in enumerate(missing) if not calls)
        for call, result in zip(self.order, self.results, strict=False):
            segments = self.calls[call].segments
            self.taken[call] = result.split([s.spoken for s in segments]) if isinstance(result, Speech) else result
            for item in readers.get(call, ()):
                missing[item].discard(call)
                if not missing[item]:
                    yield item

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

    def render(self, index: int, name: str) -> tuple[AudioSegment, list[Cue]]:
        """Item `index`'s audio and cues (once completed() has named it), or ItemFailed."""
        pieces: list[Placed] = []
        failure: BaseException | None = None
        for share in self.shares[index]:
            placed = self._share(share)  # taken even after a failure: what it holds is let go
            if isinstance(placed, BaseException):
                failure = failure or placed
            else:
                pieces += placed
        if failure is not None:
            raise ItemFailed(name, str(failure) or type(failure).__name__)
        if not pieces:
            raise ItemFailed(name, "the engine returned no audio")
        audio = self.plan.settings.audio
        rate = audio.sample_rate or pieces[0].speech.sample_rate
        sound, cues = assemble(pieces, rate)
        sound, moved = trim(sound, audio.pad_head_ms, audio.pad_tail_ms)
        return sound, shift(cues, moved, len(sound))


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
    settings = plan.settings
    audio = settings.audio
    article = item.article
    name = clip_name(item.index, article.title)
    path = staging / CLIPS / name
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
    entry = ClipEntry(
        index=item.index,
        title=a.title,
        kicker=a.kicker,
        subtitle=a.subtitle,
        kind=a.kind,
        page=a.page,
        credits=[{"role": c.role, "name": c.name} for c in a.credits],
        file=f"{CLIPS}/{name}",
        bytes=path.stat().st_size,
        duration_ms=len(sound),
        spoken_sha256=_spoken_hash(item.segments),
        transcript=list(a.paragraphs),
        vtt=f"{CLIPS}/{vtt.name}",
        lufs=round(level.lufs, 2),
        true_peak_db=round(level.true_peak_db, 2),
    )
    return entry, offset


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
        clip, offset = self.pending.popleft().result()
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
    edition: _Edition,
    item: ArticleScript | None,
    sound: AudioSegment,
    cues: list[Cue],
    lufs: float | None,
    audio: AudioSettings,
) -> None:
    """Item's turn in the edition: an article with its chime, pause and chapter."""
    if item is None:
        edition.put(sound, cues)
        return
    if audio.chime and edition.chapters:
        chime = AudioSegment(chime_pcm(sound.frame_rate), sample_width=2, frame_rate=sound.frame_rate, channels=1)
        edition.put(chime, normalize=False)
    start = edition.encoder.written_ms
    edition.put(sound, cues, lufs=lufs)
    edition.pause(audio.pause_article_ms)
    edition.chapters.append(Chapter(item.article.title, start, edition.encoder.written_ms))


def _album(plan: Plan) -> str:
    return f"{plan.script.paper} {plan.date} 有声版"


def _comment(article: Article) -> str:
    page = f"第{article.page}版 " if article.page else ""
    return f"{page}{article.kicker or ''}{article.title}".strip()


def recover(out: Path) -> None:
    """Undo what a killed build left in OUT: put back an edition that was swapped out but not
    yet replaced, and remove staging folders and temporary files. (One build per OUT at a
    time: a second build running in the same OUT would lose its staging folder.)"""
    if not out.is_dir():
        return
    for old in out.glob(".*.old-*"):
        final = out / old.name[1:].rsplit(".old-", 1)[0]
        if old.is_dir() and not final.exists():
            os.replace(old, final)
        else:
            shutil.rmtree(old, ignore_errors=True)
    for staging in out.glob(".staging-*"):
        shutil.rmtree(staging, ignore_errors=True)
    for tmp in [*out.glob(".*.tmp"), *out.glob("*/.*.tmp"), *out.glob("*/*/.*.tmp")]:
        tmp.unlink(missing_ok=True)


def render(plan: Plan, progress: Callable[[int], None] | None = None, allow_partial: bool = False) -> Report:
    """Render every article to a clip and the whole edition, then publish atomically."""
    settings = plan.settings
    out = settings.out
    audio = settings.audio
    final = out / plan.date
    recover(out)
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
                edition_path, bitrate=audio.edition_bitrate, out_rate=audio.edition_rate, measure="input"
            ) as encoder,
            _ClipWriter() as writer,
        ):
            edition = _Edition(encoder, loudness_target(audio, "edition"))
            writer.learnt = edition.codec_offsets
            if audio.intro_music:
                edition.put(load_audio(Path(audio.intro_music), audio.sample_rate or INTRO_RATE))
            items = plan.script.items()
            ready: dict[int, tuple[AudioSegment, list[Cue], float | None] | None] = {}  # None: failed
            turn = 0  # the next item the edition takes: items come back out of turn
            for index in renderer.completed():
                name, item, _ = items[index]
                try:
                    sound, cues = renderer.render(index, name)
                except ItemFailed as exc:
                    failures[index] = exc
                    ready[index] = None
                else:
                    lufs = None
                    if item is not None:  # opening, section intro, closing: the edition's own
                        lufs = loudness.integrated_lufs(sound.raw_data, sound.frame_rate)  # once, for both
                        known = bool(edition.codec_offsets)
                        writer.submit(
                            _write_clip, staging, item, sound, cues, plan, tracks, edition.codec_offset, known, lufs
                        )
                    ready[index] = (sound, cues, lufs)
                while turn in ready:
                    done = ready.pop(turn)
                    if done is not None:
                        _feed_edition(edition, items[turn][1], *done, audio)
                    turn += 1
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
        atomic_write_text(staging / PLAYLIST, playlist_m3u8([(c.file, c.duration_ms, c.title) for c in clips]))
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
        existing = read_manifest(final)
        publish = not failed or allow_partial or existing is None or not existing.complete
        if publish:
            replace_dir(staging, final)
            rebuild_site(out, settings)
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
    )
