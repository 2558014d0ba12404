"""Settings: one frozen dataclass tree, built-in defaults < TOML config < command-line flags.

Frozen so a run's settings can't drift mid-build, and so their fields can feed cache keys.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import string
import tomllib
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any, get_type_hints
from urllib.parse import quote, urlsplit, urlunsplit

from audiopaper.core.loudness import PROFILES, Profile
from audiopaper.core.speech import Voice
from audiopaper.errors import InputError
from audiopaper.resources import voices_dir

ENGINES = ("auto", "edge", "espeak")
SECTIONS = ("pages", "topics")
CONFIG_NAME = "audiopaper.toml"
ROLES = ("anchor", "reporter")
# What an MP3 can carry (MPEG-1, -2 and -2.5 layer III).
MP3_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)

# -- declared ranges -------------------------------------------------------------------------
#
# Every setting declares what it accepts next to its default (`setting(default, check)`), and
# Settings.validate() walks the tree once, at load: a bad value stops the run with one line
# naming its key, before any speech is asked for. A check returns the value to keep (a date
# written another ISO way comes back as YYYY-MM-DD) or raises ValueError saying what is wanted.

Check = Callable[[Any], Any]


def setting(default: Any, check: Check) -> Any:
    """A field with a default and its check (a field with a factory gives metadata={"check": ...})."""
    return field(default=default, metadata={"check": check})


def between(low: float, high: float, unit: str = "") -> Check:
    def check(value: Any) -> Any:
        if not low <= value <= high:
            raise ValueError(f"must be from {low} to {high}{unit}")
        return value

    return check


def one_of(*choices: Any) -> Check:
    def check(value: Any) -> Any:
        if value not in choices:
            raise ValueError("must be one of " + ", ".join(str(c) for c in choices))
        return value

    return check


def _single_line(value: str) -> str:
    if not value.strip() or any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value):
        raise ValueError("must be one line of text")
    return value


def _optional_bitrate(value: str) -> str:
    return value if value == "" else _bitrate(value)


def _bitrate(value: str) -> str:
    match = re.fullmatch(r"(\d{1,3})k", value)
    if not match or not 8 <= int(match.group(1)) <= 320:
        raise ValueError("must be an MP3 bitrate from 8k to 320k, like 128k")
    return value


def _clock(value: str) -> str:
    try:
        if re.fullmatch(r"\d\d:\d\d(:\d\d)?", value):
            dt.time.fromisoformat(value)
            return value
    except ValueError:
        pass
    raise ValueError("must be a time of day HH:MM, from 00:00 to 23:59")


def _email(value: str) -> str:
    if not re.fullmatch(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\".]+", value):
        raise ValueError("must be an e-mail address")
    return value


def _uuid(value: str) -> str:
    try:
        uuid.UUID(value)  # podcast:guid is a UUID (v5 of the feed's URL by default)
    except ValueError:
        raise ValueError("must be a UUID, like 917393e3-1b1e-5cef-ace4-edaa54e1f810") from None
    return value


def _date(value: str) -> str:
    from audiopaper.edition import validate_date

    return validate_date(value)  # its own message: "invalid date '2022-13-45': expected YYYY-MM-DD"


def _engine(value: str) -> str:
    if value not in ENGINES:
        raise InputError(f"unknown engine {value!r}: choose one of {', '.join(ENGINES)}")
    return value


def http_url(value: str, *, query: bool = False) -> str:
    """An absolute http(s) URL that can go into a feed as it is: no spaces or controls, a
    host, no credentials; no query or fragment unless `query` (a base URL has paths
    joined to it, and a query or fragment would end up in the middle of each)."""
    if any(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf", "Cs") for ch in value):
        raise ValueError("must be an http(s) URL without spaces")
    parts = urlsplit(value)
    try:
        port = parts.port  # ValueError for a port out of range
        host = parts.hostname
    except ValueError:
        raise ValueError("must be an http(s) URL with a valid port") from None
    if parts.scheme.lower() not in ("http", "https") or not host:
        raise ValueError("must be an absolute http:// or https:// URL, like https://radio.example.org/paper/")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not hold a user name or password: the feed is public")
    if not query and (parts.query or parts.fragment or value.endswith(("?", "#"))):
        raise ValueError("must not have a query or fragment (files are published under it)")
    if value.isascii():
        return value
    # 平湖日报.cn/有声版/: the host in IDNA and the path percent-encoded, as a feed's URLs must be.
    try:
        netloc = host.encode("idna").decode("ascii") + (f":{port}" if port is not None else "")
    except UnicodeError:
        raise ValueError("has a host name that is not a valid domain name") from None
    safe = "/%:@!$&'()*+,;=-._~?"
    return urlunsplit((parts.scheme, netloc, quote(parts.path, safe=safe), quote(parts.query, safe=safe), ""))


def _base_url(value: str) -> str:
    return http_url(value)


def _local_file(value: str) -> Path:
    path = Path(value).expanduser()
    if not path.exists():
        raise ValueError(f"no such file: {value}")
    if not path.is_file():
        raise ValueError(f"{value} is not a file")
    return path


IMAGE_FORMATS = {"PNG": ".png", "JPEG": ".jpg"}  # what podcast apps and ID3 pictures take


def image_format(path: Path) -> str:
    """PNG or JPEG, as Pillow reads the file (not as its name says); ValueError otherwise."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            kind = image.format
            image.verify()
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValueError(f"{path} is not an image Pillow can read") from None
    if kind not in IMAGE_FORMATS:
        raise ValueError(f"{path} is a {kind} image: use PNG or JPEG")
    return kind


def _image(value: str) -> str:
    image_format(_local_file(value))
    return value


def is_url(value: str) -> bool:
    """Whether `value` names a scheme (http:, javascript:, …) rather than a local path (C:\\ too)."""
    return bool(re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", value)) and not re.match(r"[A-Za-z]:[\\/]", value)


def _image_or_url(value: str) -> str:
    if is_url(value):
        return http_url(value, query=True)  # hosted artwork; anything else with a scheme is refused
    return _image(value)


def _audio(value: str) -> str:
    import mutagen

    path = _local_file(value)
    try:
        known = mutagen.File(path) is not None
    except (mutagen.MutagenError, OSError, ValueError):
        known = False
    if not known:
        raise ValueError(f"{value} is not an audio file (MP3, WAV, FLAC, Ogg, M4A …)")
    return value


def _folder(value: str) -> str:
    if not value.strip():
        raise ValueError("must name a folder")
    return value


# The [wording] templates and the fields the script builder fills into each (None: the text is
# used as it is; "count": a number). A template may use fewer fields, never others.
WORDING_FIELDS: dict[str, frozenset[str] | str | None] = {
    "opening": frozenset({"paper", "date", "weekday", "count"}),
    "opening_undated": frozenset({"paper", "count"}),
    "rundown": frozenset({"headlines"}),
    "rundown_count": "count",
    "rundown_joiner": None,
    "first_section": frozenset({"section"}),
    "next_section": frozenset({"section"}),
    "page_named": frozenset({"number", "name"}),
    "page_plain": frozenset({"number", "name"}),
    "closing": frozenset({"paper"}),
    "credits": frozenset({"people"}),
    "staff_reporter": None,
    "photo_cue": None,
    "photo_credits": frozenset({"people", "names"}),  # {names}: a paper's older wording
    "brief_cue": None,
    "brief_credits": frozenset({"people"}),
    "wire_credits": frozenset({"agency"}),
    "wire_reporter": frozenset({"agency"}),
}


def template_fields(template: str) -> set[str]:
    """The fields a str.format template names; ValueError for broken braces or for anything
    but a plain {name} (an attribute, an index, a format spec could read or allocate at will)."""
    found = set()
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"{{{name}}}: only plain {{field}} names are allowed")
        found.add(name)
    return found


def _wording(value: dict[str, str]) -> dict[str, str]:
    for key, text in value.items():
        if key not in WORDING_FIELDS:
            raise ValueError(f"{key}: unknown template; known: {', '.join(WORDING_FIELDS)}")
        allowed = WORDING_FIELDS[key]
        if allowed == "count":
            if not re.fullmatch(r"\d{1,2}", text.strip()):
                raise ValueError(f"{key}: must be a number of headlines from 0 to 99")
            continue
        if allowed is None:
            continue
        try:
            unknown = template_fields(text) - set(allowed)
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from None
        if unknown:
            may = ", ".join(f"{{{f}}}" for f in sorted(allowed))
            raise ValueError(f"{key}: unknown field {{{sorted(unknown)[0]}}}; it may use {may}")
    return value


def _topics(value: dict[str, str]) -> dict[str, str]:
    for name, keywords in value.items():
        if not name.strip():
            raise ValueError(f"{name!r}: a topic needs a name")
        if not [k for k in keywords.replace("，", ",").split(",") if k.strip()]:
            raise ValueError(f"{name}: needs keywords, separated by commas")
    return value


VOICE_CHECKS: dict[str, Check] = {
    "name": _single_line,
    "rate": between(-50, 100, " (percent)"),
    "pitch": between(-100, 100, " (Hz)"),
    "volume": between(-100, 100, " (percent)"),
}


def _voices(value: dict[str, Voice]) -> dict[str, Voice]:
    for role in value:
        if role not in ROLES:
            raise ValueError(f"{role}: unknown role; roles are {', '.join(ROLES)}")
    return value


@dataclass(frozen=True)
class FeedSettings:
    title: str | None = setting(None, _single_line)  # default: "<paper> 有声版"
    description: str | None = None
    author: str | None = setting(None, _single_line)  # default: the paper
    email: str = setting("audio@example.invalid", _email)
    owner_name: str | None = setting(None, _single_line)  # default: the author, else the paper
    # A local PNG/JPEG (copied into OUT), 1400-3000 px, or an http(s) URL; default: drawn from the name
    image: str | None = setting(None, _image_or_url)
    category: str = setting("News/Daily News", _single_line)  # Apple's category, "Cat/Sub"
    explicit: bool = False
    locked: bool = False  # podcast:locked: other hosts may not import the feed
    guid: str | None = setting(None, _uuid)  # podcast:guid; default: derived from the feed's URL
    per_article_feed: bool = True  # also OUT/articles.xml, one item per article
    publish_time: str = setting("06:00", _clock)  # time of day in each pubDate, Beijing time
    itunes_type: str = setting("episodic", one_of("episodic", "serial"))
    keep: int = setting(30, between(0, 100_000))  # editions kept in the feed and on the page; 0: all


PAUSE = between(0, 10_000, " ms")


@dataclass(frozen=True)
class AudioSettings:
    # assembly rate; 0: the engine's own (espeak 22050, edge 24000)
    sample_rate: int = setting(0, one_of(0, *MP3_RATES))
    clip_rate: int = setting(44100, one_of(*MP3_RATES))  # radio playout wants 44.1 kHz
    clip_bitrate: str = setting("128k", _bitrate)
    clip_profile: str = setting("broadcast", one_of(*PROFILES))  # EBU R128: -23 LUFS, -1 dBTP
    edition_rate: int = setting(24000, one_of(*MP3_RATES))  # speech needs no more; keeps the episode small
    edition_bitrate: str = setting("64k", _bitrate)
    edition_profile: str = setting("podcast", one_of(*PROFILES))  # -16 LUFS, -1 dBTP
    # The edition again for metered phones (edition-low.mp3); "" for none.
    low_bitrate: str = setting("32k", _optional_bitrate)
    low_rate: int = setting(24000, one_of(*MP3_RATES))
    # A loudness of the station's own (e.g. -24 for ATSC A/85); ffmpeg's loudnorm range.
    clip_lufs: int | None = setting(None, between(-70, -5, " LUFS"))
    edition_lufs: int | None = setting(None, between(-70, -5, " LUFS"))
    pause_segment_ms: int = setting(250, PAUSE)  # between engine calls inside a paragraph
    pause_paragraph_ms: int = setting(600, PAUSE)
    pause_title_ms: int = setting(800, PAUSE)  # after a headline, the credits, a section intro
    pause_article_ms: int = setting(1200, PAUSE)  # between articles in the edition
    pad_head_ms: int = setting(300, PAUSE)  # silence kept before and after a clip's speech
    pad_tail_ms: int = setting(700, PAUSE)
    chime: bool = False  # a short generated chime between articles in the edition
    # audio files played before the opening / after the closing
    intro_music: str | None = setting(None, _audio)
    outro_music: str | None = setting(None, _audio)
    cover: str | None = setting(None, _image)  # a PNG/JPEG embedded in the edition's tags


@dataclass(frozen=True)
class TtsSettings:
    # requests in flight to the online service: it throttles floods
    concurrency: int = setting(3, between(1, 32))
    tries: int = setting(4, between(1, 20))  # per request, with exponential backoff and jitter between them
    timeout: int = setting(30, between(1, 600, " s"))  # seconds of silence before a try is abandoned
    # the first retry's delay; it doubles, capped at 20 s
    retry_delay_ms: int = setting(1000, between(0, 60_000, " ms"))
    cache: bool = True
    cache_dir: str | None = setting(None, _folder)  # default: $XDG_CACHE_HOME/audiopaper/speech
    cache_max_mb: int = setting(2048, between(0, 10_000_000, " MB"))


def _presets(engine: str) -> dict[str, Voice]:
    """The roles' voices for one engine, from voices/presets.toml."""
    data = tomllib.loads((voices_dir() / "presets.toml").read_text(encoding="utf-8"))
    return {role: _build(Voice, spec, f"presets.{engine}.{role}") for role, spec in data.get(engine, {}).items()}


@dataclass(frozen=True)
class VoiceSettings:
    """Per-engine, per-role voices. Roles: anchor (opening, titles), reporter (bodies)."""

    espeak: dict[str, Voice] = field(default_factory=lambda: _presets("espeak"), metadata={"check": _voices})
    edge: dict[str, Voice] = field(default_factory=lambda: _presets("edge"), metadata={"check": _voices})

    def for_engine(self, engine: str) -> dict[str, Voice]:
        return getattr(self, engine)


def loudness_target(audio: AudioSettings, which: str) -> Profile:
    """The clip's or the edition's target: its profile, with the LUFS given in config."""
    profile = PROFILES[getattr(audio, f"{which}_profile")]
    lufs = getattr(audio, f"{which}_lufs")
    return profile if lufs is None else dataclasses.replace(profile, lufs=float(lufs))


def _deliver_tables(value: Any) -> Any:
    if not all(isinstance(v, dict) for v in value.values()):
        raise ValueError("must hold tables, e.g. [deliver.station]")
    return value


@dataclass(frozen=True)
class Settings:
    paper: str | None = setting(None, _single_line)  # overrides what the input states
    date: str | None = setting(None, _date)  # ditto; ISO
    engine: str = setting("auto", _engine)
    out: Path = Path("output")
    # Where OUT is served; default: the one OUT was published at, else localhost (publish/outdir.py).
    base_url: str | None = setting(None, _base_url)
    quiet: bool = False
    feed: FeedSettings = field(default_factory=FeedSettings)
    audio: AudioSettings = field(default_factory=AudioSettings)
    tts: TtsSettings = field(default_factory=TtsSettings)
    voices: VoiceSettings = field(default_factory=VoiceSettings)
    wording: dict[str, str] = field(default_factory=dict, metadata={"check": _wording})  # overrides script/wording.toml
    sections: str = setting("pages", one_of(*SECTIONS))  # the paper's own pages, in its order; or "topics"
    # replaces script/topics.toml: name = "kw,kw"
    topics: dict[str, str] = field(default_factory=dict, metadata={"check": _topics})
    # A path or a name on PATH; default: the bundled one (imageio-ffmpeg). Probed when a build starts.
    ffmpeg: str | None = setting(None, _single_line)
    daisy: bool = True  # a DAISY 2.02 talking newspaper per edition (DATE/daisy/, DATE/daisy.zip)
    # Longer is no plausible article (a run-together page): read this much, to a sentence end.
    max_article_chars: int = setting(30000, between(100, 1_000_000, " characters"))
    # [deliver.NAME] tables, checked by audiopaper.deliver, which knows each target's options.
    deliver: dict[str, Any] = field(default_factory=dict, metadata={"check": _deliver_tables})

    def with_flags(self, **flags: Any) -> Settings:
        """Command-line flags win over the config; a flag left unset (None) does not."""
        return dataclasses.replace(self, **{k: v for k, v in flags.items() if v is not None})

    def validate(self) -> Settings:
        """Every setting checked against what it declares, once; the first bad one stops the
        run with one line naming its key."""
        checked = _checked(self, "")
        if checked.deliver:  # a bad target is named now, not after a build's speech is made
            from audiopaper.deliver import configure

            configure(checked.deliver, checked.out)
        return checked


def _shown(value: Any) -> str:
    text = repr(str(value) if isinstance(value, Path) else value)
    return text if len(text) <= 60 else text[:57] + "..."


def _checked(obj: Any, prefix: str, only: set[str] | None = None) -> Any:
    changes: dict[str, Any] = {}
    for f in fields(obj):
        if only is not None and f.name not in only:
            continue
        value = getattr(obj, f.name)
        key = prefix + f.name
        if value is None:
            continue
        new = value
        if is_dataclass(value):
            new = _checked(value, key + ".")
        elif isinstance(obj, VoiceSettings):
            new = {role: _checked(voice, f"{key}.{role}.") for role, voice in value.items()}
        check = VOICE_CHECKS.get(f.name) if isinstance(obj, Voice) else f.metadata.get("check")
        if check is not None:
            try:
                new = check(new)
            except ValueError as exc:
                if isinstance(value, dict):  # the problem names the entry: wording.closing: ...
                    raise InputError(f"invalid {key}.{exc}") from None
                raise InputError(f"invalid {key} {_shown(value)}: {exc}") from None
        if new is not value:
            changes[f.name] = new
    return dataclasses.replace(obj, **changes) if changes else obj


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
        if isinstance(hint, type) and is_dataclass(hint):
            kwargs[key_] = _build(hint, value, here)
        elif key_ == "deliver":  # checked by audiopaper.deliver, which knows each target's options
            if not isinstance(value, dict):
                raise InputError("config: deliver must hold tables, e.g. [deliver.station]")
            kwargs[key_] = dict(value)
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
        if not isinstance(value, str) or not value.strip():  # Path("") would quietly be "."
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


def load_settings(config: Path | None = None, cwd: Path | None = None, flags: dict[str, Any] | None = None) -> Settings:
    """Defaults, then `config` (or ./audiopaper.toml when present), then the command line's
    `flags` (those not None). Each value is checked once: the file's whole, since a bad value
    in it is wrong even where a flag overrides it today; then the flags given."""
    settings = _read(config, cwd).validate()
    given = {k: v for k, v in (flags or {}).items() if v is not None}
    return _checked(settings.with_flags(**given), "", only=set(given)) if given else settings


def _read(config: Path | None, cwd: Path | None) -> Settings:
    if config is None:
        candidate = (cwd or Path.cwd()) / CONFIG_NAME
        if not candidate.is_file():
            return Settings()
        config = candidate
    try:
        data = tomllib.loads(config.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"config file not found: {config}") from None
    except OSError as exc:
        raise InputError(f"cannot read config {config}: {exc.strerror or exc}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"config {config}: not valid TOML ({exc})") from None
    except RecursionError:
        raise InputError(f"config {config}: not valid TOML (nested too deep)") from None
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
        tables: list[tuple[str, Any]] = []
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
            if name == "deliver":  # a table per target
                for target, table in value.items():
                    lines.append(f"\n[{path}.{target}]")
                    lines.extend(f"{k} = {scalar(v)}" for k, v in table.items())
            elif isinstance(value, dict):  # wording, topics: plain strings
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
