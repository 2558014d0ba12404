"""Which engine reads the edition: the one asked for, or with `auto` the online voices when
the service answers and espeak-ng for the whole edition when it doesn't."""

from __future__ import annotations

from pathlib import Path

from audiopaper.errors import EngineUnavailable
from audiopaper.script import Script
from audiopaper.settings import Settings
from audiopaper.tts import Engine, auto_order, engine_class
from audiopaper.tts.cache import CachedEngine, SpeechCache, default_cache_dir
from audiopaper.tts.plan import call_plan, call_request


def _unreachable(engine: Engine) -> str | None:
    """Why an online engine can't be used now, or None (offline engines always can)."""
    answer = engine.reachable()
    if answer is True:
        return None
    return answer if isinstance(answer, str) else "no answer"


def with_cache(engine: Engine, settings: Settings) -> Engine:
    """`engine` behind the speech cache, unless the settings turn it off."""
    t = settings.tts
    if not t.cache:
        return engine
    folder = Path(t.cache_dir).expanduser() if t.cache_dir else default_cache_dir()
    return CachedEngine(engine, SpeechCache(folder, t.cache_max_mb * 1024 * 1024))


def _all_cached(engine: Engine, settings: Settings, script: Script | None) -> bool:
    """Whether every call the script makes of `engine` is in the speech cache already: a
    rebuild that sends no request needs no service, so it is not asked whether it answers."""
    cached = with_cache(engine, settings)
    if script is None or not isinstance(cached, CachedEngine):
        return False
    calls = call_plan(script, pool=engine.ROUND_TRIPS).calls
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
