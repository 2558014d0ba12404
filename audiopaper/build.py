"""The daily run, as the list of its stages:

    inputs -> edition -> script -> call plan -> speech -> programme -> publication

  1. edition      the inputs read into an edition, the settings' paper and date winning
  2. script       what the newsreader says (audiopaper.script), overlong articles cut
  3. call plan    the engine chosen (engine_choice) and the script cut into calls (tts.plan)
  4. speech       the calls sent as one stream, each item's speech handed on (audio.speech)
  5. programme    each article's clip and the edition, encoded as speech comes (audio.programme)
  6. publication  tags, transcripts, manifest and pages staged, then published in one step
                  (publish.publication), then delivered to the station's playout

Each stage hands the next named, typed data; only this module knows them all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

from audiopaper.audio.programme import record_programme
from audiopaper.audio.speech import Speaker
from audiopaper.core import ffmpeg
from audiopaper.edition import Edition, warning_lines
from audiopaper.engine_choice import choose_engine, with_cache
from audiopaper.errors import EngineUnavailable, InputError, ItemFailed
from audiopaper.ingest import read_edition
from audiopaper.publish.outdir import Identity, locked, settle
from audiopaper.publish.publication import BuildRecord, programme_files, publish_edition, stage_edition, staging_folder
from audiopaper.publish.site import site_settings
from audiopaper.script import CallPlan, Script, build_script
from audiopaper.script.cap import cap_articles
from audiopaper.settings import Settings
from audiopaper.tts import Engine, ServiceStats
from audiopaper.tts.cache import CachedEngine
from audiopaper.tts.plan import call_plan

SAMPLE_PAPER = "平湖日报"
SAMPLE_DATE = "2022-10-12"  # the issue date of the bundled page


def sample_settings(settings: Settings) -> Settings:
    """The bundled sample states neither its paper nor its date; flags still win."""
    return replace(settings, paper=settings.paper or SAMPLE_PAPER, date=settings.date or SAMPLE_DATE)


def load_edition(inputs: Sequence[Path], settings: Settings) -> Edition:
    """1. The edition to build: the inputs' own, with the settings' paper and date winning."""
    edition = read_edition(inputs)
    edition = replace(
        edition,
        paper=settings.paper or edition.paper,
        date=settings.date or edition.date or dt.date.today().isoformat(),
    )
    if not edition.spoken_articles:
        raise InputError(f"no articles to read in {', '.join(str(p) for p in inputs)}")
    return edition


def make_script(edition: Edition, settings: Settings) -> tuple[Script, list[str]]:
    """2. The script, and warnings about what of the edition it does not read."""
    edition, notes = cap_articles(edition, settings.max_article_chars)
    script = build_script(
        edition,
        edition.paper or "本报",
        settings.wording,
        sections=settings.sections,
        topics=settings.topics or None,
    )
    return script, notes


@dataclass(frozen=True)
class Plan:
    """What a build will read and with which engine, before anything is spoken."""

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
    def calls(self) -> CallPlan:
        """3. The edition's engine calls, and each item's shares of them."""
        return call_plan(self.script, pool=self.engine.ROUND_TRIPS)

    @property
    def total_calls(self) -> int:
        """Engine calls in the edition: the progress bar's length."""
        return len(self.calls.calls)


def plan_build(inputs: Sequence[Path], settings: Settings) -> Plan:
    """Stages 1 to 3: everything that can fail before a request is sent."""
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
        engine=with_cache(engine, settings),
        notes=(*notes, *([note] if note else [])),
    )


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


def render(
    plan: Plan,
    progress: Callable[[int], None] | None = None,
    allow_partial: bool = False,
    change_base_url: bool = False,
) -> Report:
    """Stages 4 to 6: render every article to a clip and the whole edition, then publish
    atomically, holding OUT for the whole build (one build per OUT at a time)."""
    with locked(plan.settings.out):
        identity = settle(plan.settings.out, plan.script.paper, plan.settings.base_url, change_base_url=change_base_url)
        report = _render(plan, identity, progress, allow_partial)
        if report.published and plan.settings.deliver:  # to the station's playout, after publishing
            from audiopaper.deliver import deliver_built

            report = replace(report, deliveries=deliver_built(plan.settings.out, plan.settings.deliver, report.folder))
        return report


def _render(plan: Plan, identity: Identity, progress: Callable[[int], None] | None, allow_partial: bool) -> Report:
    settings = site_settings(plan.settings, identity)
    engine, script = plan.engine, plan.script
    with staging_folder(settings.out, plan.date) as staging:
        items, voices = script.items(), settings.voices.for_engine(engine.NAME)
        speaker = Speaker(items, plan.calls, engine, voices, settings.audio, progress)
        try:
            programme = record_programme(
                items, speaker.parts(), programme_files(staging, settings.audio), settings.audio
            )
            if not programme.clips:
                raise EngineUnavailable(
                    f"engine {engine.NAME} rendered no article: " + "; ".join(str(f) for f in programme.failed[:3])
                )
            record = BuildRecord(engine.NAME, warning_lines(plan.edition), plan.notes, engine.stats)
            manifest = stage_edition(staging, script, programme, record, settings)
            published = publish_edition(staging, manifest, settings, identity, allow_partial=allow_partial)
        finally:
            speaker.close()
            if isinstance(engine, CachedEngine):
                engine.cache.evict()
    return Report(
        folder=settings.out / plan.date,
        articles=len(programme.clips),
        duration_ms=programme.duration_ms,
        engine=engine.NAME,
        failed=tuple(programme.failed),
        published=published,
        service=engine.stats,
        damaged_cache=tuple(engine.cache.damaged) if isinstance(engine, CachedEngine) else (),
    )
