"""The daily run: inputs -> edition -> script -> speech -> clips, edition, manifest, feed.

Everything for one date is written into a staging folder inside OUT and swapped into place
only when complete, so a failed or killed build never costs what OUT already held.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path

from audiopaper.audio import Placed, StreamingEncoder, assemble, encode_mp3, silence
from audiopaper.edition import Edition, EditionWarning
from audiopaper.errors import EngineUnavailable, InputError, ItemFailed
from audiopaper.fsutil import replace_dir
from audiopaper.ingest import read_input
from audiopaper.normalize import normalize
from audiopaper.publish.feed import write_feed
from audiopaper.publish.layout import CLIPS, EDITION_AUDIO, clip_name
from audiopaper.publish.manifest import ClipEntry, Manifest, read_manifest, write_manifest
from audiopaper.publish.page import write_edition_page, write_pages
from audiopaper.script import ArticleScript, Script, Segment, build_script
from audiopaper.settings import Settings
from audiopaper.tts import Engine, Speech, SpeechRequest, Voice, engine_class

SAMPLE_PAPER = "平湖日报"
SAMPLE_DATE = "2022-10-12"  # the issue date of the bundled page


def sample_path() -> Path:
    return Path(str(resources.files("audiopaper") / "data" / "sample.txt"))


def sample_settings(settings: Settings) -> Settings:
    """The bundled sample states neither its paper nor its date; flags still win."""
    return replace(settings, paper=settings.paper or SAMPLE_PAPER, date=settings.date or SAMPLE_DATE)


# -- edition -------------------------------------------------------------------------------


def load_edition(inputs: Sequence[Path], settings: Settings) -> Edition:
    """Read and normalize every input into one edition, in the order given."""
    if not inputs:
        raise InputError("no input: name one or more page files or editions, or use --sample")
    editions = []
    for path in inputs:
        item = read_input(path)
        editions.append(item if isinstance(item, Edition) else normalize(item.text, source=item.source))
    articles = tuple(a for e in editions for a in e.articles)
    warnings: list[EditionWarning] = []
    offset = 0
    for e in editions:
        warnings += [replace(w, article=None if w.article is None else w.article + offset) for w in e.warnings]
        offset += len(e.articles)
    merged = Edition(
        articles=articles,
        paper=settings.paper or next((e.paper for e in editions if e.paper), None),
        date=settings.date or next((e.date for e in editions if e.date), None) or dt.date.today().isoformat(),
        warnings=tuple(warnings),
        source=", ".join(p.name for p in inputs),
    )
    if not merged.spoken_articles:
        names = ", ".join(str(p) for p in inputs)
        raise InputError(f"no articles to read in {names}")
    return merged


# -- engine --------------------------------------------------------------------------------


def choose_engine(name: str) -> tuple[Engine, str | None]:
    """The engine to render with, and a note when `auto` had to fall back."""
    note = None
    if name == "auto":
        try:
            edge_cls = engine_class("edge")
        except EngineUnavailable:
            edge_cls = None
        if edge_cls is not None and edge_cls.availability() is None:
            edge = edge_cls()
            problem = edge.unreachable()  # type: ignore[attr-defined]
            if problem is None:
                return edge, None
            note = f"the online voice service is unreachable ({problem}); using espeak-ng for the whole edition"
        else:
            note = "edge-tts is not available; using espeak-ng for the whole edition"
        name = "espeak"
    cls = engine_class(name)
    problem = cls.availability()
    if problem:
        raise EngineUnavailable(f"engine {name}: {problem}")
    engine = cls()
    unreachable = getattr(engine, "unreachable", None)
    if unreachable is not None:
        problem = unreachable()
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

    @property
    def total_segments(self) -> int:
        s = self.script
        return len(s.opening) + len(s.closing) + sum(len(a.segments) for a in s.articles)


@dataclass(frozen=True)
class Report:
    folder: Path
    articles: int
    duration_ms: int
    engine: str
    failed: tuple[ItemFailed, ...]
    published: bool
    notes: tuple[str, ...]
    warnings: tuple[str, ...]


def plan_build(inputs: Sequence[Path], settings: Settings) -> Plan:
    edition = load_edition(inputs, settings)
    paper = edition.paper or "本报"
    engine, note = choose_engine(settings.engine)
    return Plan(
        edition=edition,
        script=build_script(edition, paper),
        settings=settings,
        engine=engine,
        notes=(note,) if note else (),
    )


def _pause_after(segment: Segment, settings: Settings) -> int:
    audio = settings.audio
    return audio.pause_title_ms if segment.part in ("title", "credits", "opening") else audio.pause_segment_ms


class _Renderer:
    def __init__(self, plan: Plan, progress: Callable[[int], None] | None) -> None:
        self.plan = plan
        self.progress = progress
        self.voices = plan.settings.voices.for_engine(plan.engine.NAME)

    def voice(self, role: str) -> Voice:
        return self.voices.get(role) or self.voices["anchor"]

    def speak(self, segments: Sequence[Segment], item: str) -> list[Placed]:
        requests = [SpeechRequest(text=s.spoken, voice=self.voice(s.role)) for s in segments]
        results = self.plan.engine.synthesize_many(requests, self.progress)
        for result in results:
            if not isinstance(result, Speech):
                raise ItemFailed(item, str(result) or type(result).__name__)
        settings = self.plan.settings
        return [
            Placed(speech=r, pause_after_ms=_pause_after(s, settings), written=s.written)
            for s, r in zip(segments, results, strict=True)
            if isinstance(r, Speech)
        ]


def _spoken_hash(segments: Sequence[Segment]) -> str:
    return hashlib.sha256("\n".join(s.spoken for s in segments).encode()).hexdigest()


def _clip_entry(item: ArticleScript, path: Path, duration_ms: int) -> ClipEntry:
    a = item.article
    return ClipEntry(
        index=item.index,
        title=a.title,
        kicker=a.kicker,
        subtitle=a.subtitle,
        kind=a.kind,
        page=a.page,
        credits=[{"role": c.role, "name": c.name} for c in a.credits],
        file=f"{CLIPS}/{path.name}",
        bytes=path.stat().st_size,
        duration_ms=duration_ms,
        spoken_sha256=_spoken_hash(item.segments),
        transcript=list(a.paragraphs),
    )


def render(plan: Plan, progress: Callable[[int], None] | None = None, allow_partial: bool = False) -> Report:
    settings = plan.settings
    out = settings.out
    audio = settings.audio
    rate = audio.sample_rate
    final = out / plan.date
    staging = out / f".staging-{plan.date}-{os.getpid()}"
    if staging.exists():
        shutil.rmtree(staging)
    (staging / CLIPS).mkdir(parents=True)
    renderer = _Renderer(plan, progress)
    failed: list[ItemFailed] = []
    clips: list[ClipEntry] = []
    try:
        with StreamingEncoder(
            staging / EDITION_AUDIO, sample_rate=rate, bitrate=audio.edition_bitrate, out_rate=audio.edition_rate
        ) as edition_audio:
            for item, segments in (("opening", plan.script.opening),):
                try:
                    sound, _ = assemble(renderer.speak(segments, item), rate)
                    edition_audio.write(sound + silence(audio.pause_article_ms, rate))
                except ItemFailed as exc:
                    failed.append(exc)
            for article in plan.script.articles:
                try:
                    sound, _ = assemble(renderer.speak(article.segments, article.article.title), rate)
                except ItemFailed as exc:
                    failed.append(exc)
                    continue
                clip = staging / CLIPS / clip_name(article.index, article.article.title)
                encode_mp3(sound, clip, bitrate=audio.clip_bitrate, out_rate=audio.clip_rate)
                clips.append(_clip_entry(article, clip, len(sound)))
                edition_audio.write(sound + silence(audio.pause_article_ms, rate))
            try:
                sound, _ = assemble(renderer.speak(plan.script.closing, "closing"), rate)
                edition_audio.write(sound)
            except ItemFailed as exc:
                failed.append(exc)
            duration_ms = edition_audio.written_ms
        if not clips:
            raise EngineUnavailable(
                f"engine {plan.engine.NAME} rendered no article: " + "; ".join(str(f) for f in failed[:3])
            )
        manifest = Manifest(
            paper=plan.script.paper,
            date=plan.date,
            engine=plan.engine.NAME,
            built_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            complete=not failed,
            edition_file=EDITION_AUDIO,
            edition_bytes=(staging / EDITION_AUDIO).stat().st_size,
            edition_duration_ms=duration_ms,
            clips=clips,
            failed=[f.item for f in failed],
            warnings=[w.message for w in plan.edition.warnings],
            notes=list(plan.notes),
        )
        write_manifest(manifest, staging)
        write_edition_page(staging, manifest, settings)
        existing = read_manifest(final)
        publish = not failed or allow_partial or existing is None or not existing.complete
        if publish:
            replace_dir(staging, final)
            write_feed(out, settings)
            write_pages(out, settings)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return Report(
        folder=final,
        articles=len(clips),
        duration_ms=duration_ms,
        engine=plan.engine.NAME,
        failed=tuple(failed),
        published=publish,
        notes=plan.notes,
        warnings=tuple(w.message for w in plan.edition.warnings),
    )
