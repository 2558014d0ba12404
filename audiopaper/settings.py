"""Settings: one frozen dataclass tree, built-in defaults < TOML config < command-line flags.

Frozen so a run's settings can't drift mid-build, and so their fields can feed cache keys.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, get_type_hints

from audiopaper.audio.loudness import PROFILES, Profile
from audiopaper.errors import InputError
from audiopaper.resources import voices_dir
from audiopaper.tts import Voice

ENGINES = ("auto", "edge", "espeak")
SECTIONS = ("pages", "topics")
CONFIG_NAME = "audiopaper.toml"


@dataclass(frozen=True)
class FeedSettings:
    title: str | None = None  # default: "<paper> 有声版"
    description: str | None = None
    author: str | None = None  # default: the paper
    email: str = "audio@example.invalid"
    owner_name: str | None = None  # default: the author, else the paper
    image: str | None = None  # local PNG/JPEG, 1400-3000 px; default: a cover drawn from the name
    category: str = "News/Daily News"  # Apple's category, "Cat/Sub"
    explicit: bool = False
    locked: bool = False  # podcast:locked: other hosts may not import the feed
    guid: str | None = None  # podcast:guid; default: derived from the feed's URL
    per_article_feed: bool = True  # also OUT/articles.xml, one item per article
    publish_time: str = "06:00"  # time of day in each pubDate, Beijing time
    itunes_type: str = "episodic"
    keep: int = 30  # editions kept in the feed and on the page


@dataclass(frozen=True)
class AudioSettings:
    sample_rate: int = 0  # assembly rate; 0: the engine's own (espeak 22050, edge 24000)
    clip_rate: int = 44100  # radio playout wants 44.1 kHz
    clip_bitrate: str = "128k"
    clip_profile: str = "broadcast"  # EBU R128: -23 LUFS, -1 dBTP
    edition_rate: int = 24000  # speech needs no more; keeps the daily episode small
    edition_bitrate: str = "64k"
    edition_profile: str = "podcast"  # -16 LUFS, -1 dBTP
    low_bitrate: str = "32k"  # the edition again for metered phones (edition-low.mp3); "" for none
    low_rate: int = 24000
    clip_lufs: int | None = None  # a loudness of the station's own (e.g. -24 for ATSC A/85)
    edition_lufs: int | None = None
    pause_segment_ms: int = 250  # between engine calls inside a paragraph
    pause_paragraph_ms: int = 600
    pause_title_ms: int = 800  # after a headline, the credits, a section intro
    pause_article_ms: int = 1200  # between articles in the edition
    pad_head_ms: int = 300  # silence kept before and after a clip's speech
    pad_tail_ms: int = 700
    chime: bool = False  # a short generated chime between articles in the edition
    intro_music: str | None = None  # audio files played before the opening / after the closing
    outro_music: str | None = None
    cover: str | None = None  # image embedded in the edition's tags


@dataclass(frozen=True)
class TtsSettings:
    concurrency: int = 3  # requests in flight to the online service: it throttles floods
    tries: int = 4  # per request, with exponential backoff and jitter between them
    timeout: int = 30  # seconds of silence from the service before a try is abandoned
    retry_delay_ms: int = 1000  # the first retry's delay; it doubles, capped at 20 s
    cache: bool = True
    cache_dir: str | None = None  # default: $XDG_CACHE_HOME/audiopaper/speech
    cache_max_mb: int = 2048


def _presets(engine: str) -> dict[str, Voice]:
    """The roles' voices for one engine, from voices/presets.toml."""
    data = tomllib.loads((voices_dir() / "presets.toml").read_text(encoding="utf-8"))
    return {role: _build(Voice, spec, f"presets.{engine}.{role}") for role, spec in data.get(engine, {}).items()}


@dataclass(frozen=True)
class VoiceSettings:
    """Per-engine, per-role voices. Roles: anchor (opening, titles), reporter (bodies)."""

    espeak: dict[str, Voice] = field(default_factory=lambda: _presets("espeak"))
    edge: dict[str, Voice] = field(default_factory=lambda: _presets("edge"))

    def for_engine(self, engine: str) -> dict[str, Voice]:
        return getattr(self, engine)


def loudness_target(audio: AudioSettings, which: str) -> Profile:
    """The clip's or the edition's target: its profile, with the LUFS given in config."""
    profile = PROFILES[getattr(audio, f"{which}_profile")]
    lufs = getattr(audio, f"{which}_lufs")
    return profile if lufs is None else dataclasses.replace(profile, lufs=float(lufs))


@dataclass(frozen=True)
class Settings:
    paper: str | None = None  # overrides what the input states
    date: str | None = None  # ditto; ISO
    engine: str = "auto"
    out: Path = Path("output")
    base_url: str | None = None  # where OUT is served; default: the one OUT was published at, else localhost
    quiet: bool = False
    feed: FeedSettings = field(default_factory=FeedSettings)
    audio: AudioSettings = field(default_factory=AudioSettings)
    tts: TtsSettings = field(default_factory=TtsSettings)
    voices: VoiceSettings = field(default_factory=VoiceSettings)
    wording: dict[str, str] = field(default_factory=dict)  # overrides script/wording.toml
    sections: str = "pages"  # the paper's own pages, in its order; or "topics"
    topics: dict[str, str] = field(default_factory=dict)  # replaces script/topics.toml: name = "kw,kw"
    ffmpeg: str | None = None  # a path or a name on PATH; default: the bundled one (imageio-ffmpeg)
    daisy: bool = True  # a DAISY 2.02 talking newspaper per edition (DATE/daisy/, DATE/daisy.zip)
    max_article_chars: int = 30000  # longer is no plausible article (a run-together page): read this much

    def with_flags(self, **flags: Any) -> Settings:
        """Command-line flags win over the config; a flag left unset (None) does not."""
        return dataclasses.replace(self, **{k: v for k, v in flags.items() if v is not None})

    def validate(self) -> Settings:
        for key in ("clip_profile", "edition_profile"):
            if getattr(self.audio, key) not in PROFILES:
                raise InputError(f"config: audio.{key} must be one of {', '.join(PROFILES)}")
        if self.sections not in SECTIONS:
            raise InputError(f"config: sections must be one of {', '.join(SECTIONS)}")
        if self.engine not in ENGINES:
            raise InputError(f"unknown engine {self.engine!r}: choose one of {', '.join(ENGINES)}")
        if self.date is not None:
            from audiopaper.edition import validate_date

            return dataclasses.replace(self, date=validate_date(self.date))
        return self


def _build(cls: type, data: Any, where: str) -> Any:
    """Build dataclass `cls` from TOML data, naming the key on any mismatch."""
    if not isinstance(data, dict):
        raise InputError(f"config: {where} must be a table")
    hints = get_type_hints(cls)
    known = {f.name for f in fields(cls)}
    kwargs: dict[str, Any] = {}
    for key, value in data.items():
        key_ = key.replace("-", "_")
        if key_ not in known:
            raise InputError(f"config: unknown setting {where}.{key}" if where else f"config: unknown setting {key}")
        hint = hints[key_]
        here = f"{where}.{key}" if where else key
        if is_dataclass(hint):
            kwargs[key_] = _build(hint, value, here)
        elif key_ in ("wording", "topics"):
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise InputError(f"config: {here} must be a table of strings")
            kwargs[key_] = dict(value)
        elif cls is VoiceSettings:
            if not isinstance(value, dict):
                raise InputError(f"config: {here} must be a table of roles")
            kwargs[key_] = {role: _build(Voice, v, f"{here}.{role}") for role, v in value.items()}
        else:
            kwargs[key_] = _coerce(hint, value, here)
    return cls(**kwargs)


def _coerce(hint: Any, value: Any, where: str) -> Any:
    text = str(hint)
    if "Path" in text:
        if not isinstance(value, str):
            raise InputError(f"config: {where} must be a path string")
        return Path(value)
    expected: tuple[type, ...]
    if text.startswith("int") or hint is int:
        expected = (int,)
    elif "bool" in text:
        expected = (bool,)
    else:
        expected = (str,)
    if not isinstance(value, expected) or (expected == (int,) and isinstance(value, bool)):
        raise InputError(f"config: {where} must be {expected[0].__name__}, got {value!r}")
    return value


def load_settings(config: Path | None = None, cwd: Path | None = None) -> Settings:
    """Defaults, then `config` (or ./audiopaper.toml when present)."""
    if config is None:
        candidate = (cwd or Path.cwd()) / CONFIG_NAME
        if not candidate.is_file():
            return Settings()
        config = candidate
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"config file not found: {config}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"config {config}: not valid TOML ({exc})") from None
    settings = _build(Settings, data, "")
    # Voices given per role in the config replace only those roles.
    defaults = VoiceSettings()
    merged = VoiceSettings(
        espeak={**defaults.espeak, **settings.voices.espeak},
        edge={**defaults.edge, **settings.voices.edge},
    )
    return dataclasses.replace(settings, voices=merged)


def settings_to_toml(settings: Settings) -> str:
    """The settings in effect, as TOML a user could paste into audiopaper.toml."""
    lines: list[str] = []

    def scalar(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'

    def emit(obj: Any, prefix: str) -> None:
        tables = []
        for f in fields(obj):
            value = getattr(obj, f.name)
            if value is None:
                lines.append(f"# {f.name} = (not set)")
            elif is_dataclass(value):
                tables.append((f.name, value))
            elif isinstance(value, dict) and value:
                tables.append((f.name, value))
            elif isinstance(value, dict):
                continue
            else:
                lines.append(f"{f.name} = {scalar(value)}")
        for name, value in tables:
            path = f"{prefix}{name}"
            if isinstance(value, dict):  # wording, topics: plain strings
                lines.append(f"\n[{path}]")
                lines.extend(f"{k} = {scalar(v)}" for k, v in value.items())
            elif isinstance(value, VoiceSettings):
                for f in fields(value):
                    for role, voice in getattr(value, f.name).items():
                        lines.append(f"\n[{path}.{f.name}.{role}]")
                        emit(voice, f"{path}.{f.name}.{role}.")
            else:
                lines.append(f"\n[{path}]")
                emit(value, f"{path}.")

    emit(settings, "")
    return "\n".join(lines) + "\n"
