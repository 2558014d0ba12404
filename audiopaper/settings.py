"""Settings: one frozen dataclass tree, built-in defaults < TOML config < command-line flags.

Frozen so a run's settings can't drift mid-build, and so their fields can feed cache keys.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import tomllib
import unicodedata
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, get_type_hints
from urllib.parse import quote, urlsplit, urlunsplit

import msgspec
import tomli_w

from audiopaper.core.loudness import PROFILES, Profile
from audiopaper.core.speech import Voice
from audiopaper.core.typed import Finding, finding
from audiopaper.errors import InputError
from audiopaper.script.wording import check_wording

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


def engine_choices() -> list[str]:
    """What `engine` takes: auto, or an engine of the registry (audiopaper.tts.engines)."""
    from audiopaper.tts import engine_names

    return ["auto", *engine_names()]


def _engine(value: str) -> str:
    choices = engine_choices()
    if value not in choices:
        raise InputError(f"unknown engine {value!r}: choose one of {', '.join(choices)}")
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


def _voices(value: VoiceSettings) -> VoiceSettings:
    """Each engine's roles, and each role's voice against VOICE_CHECKS."""
    known = engine_choices()[1:]
    for engine, roles in value.items():
        if engine not in known:
            raise ValueError(f"{engine}: unknown engine; engines are {', '.join(known)}")
        for role, voice in roles.items():
            if role not in ROLES:
                raise ValueError(f"{engine}.{role}: unknown role; roles are {', '.join(ROLES)}")
            for f in fields(voice):
                try:
                    VOICE_CHECKS[f.name](getattr(voice, f.name))
                except ValueError as exc:
                    raise ValueError(f"{engine}.{role}.{f.name} {_shown(getattr(voice, f.name))}: {exc}") from None
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


class VoiceSettings(Mapping[str, Mapping[str, Voice]]):
    """Per-engine, per-role voices ({engine: {role: Voice}}): the presets of every engine of
    the registry (voices/presets.toml) with the config's [voices.ENGINE.ROLE] tables over
    them, role by role. Roles: anchor (opening, titles), reporter (bodies). Read-only, as
    the other sections are frozen."""

    def __init__(self, engines: Mapping[str, Mapping[str, Voice]]) -> None:
        self._engines = {engine: MappingProxyType(dict(roles)) for engine, roles in engines.items()}

    def __getitem__(self, engine: str) -> Mapping[str, Voice]:
        return self._engines[engine]

    def __iter__(self) -> Iterator[str]:
        return iter(self._engines)

    def __len__(self) -> int:
        return len(self._engines)

    def __repr__(self) -> str:
        return f"VoiceSettings({ {e: dict(r) for e, r in self._engines.items()}!r})"

    def for_engine(self, engine: str) -> dict[str, Voice]:
        """The engine's roles and their voices (a copy: the settings stay as loaded)."""
        return dict(self[engine])

    @classmethod
    def presets(cls) -> VoiceSettings:
        from audiopaper.tts import presets

        return cls(
            {
                engine: {role: _voice(v, f"presets.{engine}.{role}") for role, v in entry.items() if role != "module"}
                for engine, entry in presets().items()
            }
        )

    @classmethod
    def from_config(cls, data: Any) -> VoiceSettings:
        """The presets with the config's `voices` table over them; an unknown engine or a
        malformed voice is named."""
        if not isinstance(data, dict):
            raise InputError("config: voices must be a table, like [voices.edge.anchor]")
        merged = {engine: dict(roles) for engine, roles in cls.presets().items()}
        for engine, roles in data.items():
            if engine not in merged:
                raise InputError(f"config: unknown setting voices.{engine}")
            if not isinstance(roles, dict):
                raise InputError(f"config: voices.{engine} must be a table of roles, like [voices.{engine}.anchor]")
            merged[engine].update({role: _voice(spec, f"voices.{engine}.{role}") for role, spec in roles.items()})
        return cls(merged)


def _voice(spec: Any, where: str) -> Voice:
    return _load(Voice, spec, where)


def loudness_target(audio: AudioSettings, which: str) -> Profile:
    """The clip's or the edition's target: its profile, with the LUFS given in config."""
    profile = PROFILES[getattr(audio, f"{which}_profile")]
    lufs = getattr(audio, f"{which}_lufs")
    return profile if lufs is None else dataclasses.replace(profile, lufs=float(lufs))


def _deliver_tables(value: Any) -> Any:
    for name, table in value.items():
        if not isinstance(table, dict):
            raise ValueError(f"{name}: must be a table, like [deliver.{name}]")
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
    voices: VoiceSettings = field(default_factory=VoiceSettings.presets, metadata={"check": _voices})
    wording: dict[str, str] = field(
        default_factory=dict, metadata={"check": check_wording}
    )  # overrides script/wording.toml
    sections: str = setting("pages", one_of(*SECTIONS))  # the paper's own pages, in its order; or "topics"
    # replaces script/topics.toml: name = "kw,kw"
    topics: dict[str, str] = field(default_factory=dict, metadata={"check": _topics})
    # A path or a name on PATH; default: the bundled one (imageio-ffmpeg). Probed when a build starts.
    ffmpeg: str | None = setting(None, _single_line)
    daisy: bool = True  # a DAISY 2.02 talking newspaper per edition (DATE/daisy/, DATE/daisy.zip)
    # Longer is no plausible article (a run-together page): read this much, to a sentence end.
    max_article_chars: int = setting(30000, between(100, 1_000_000, " characters"))
    # [deliver.NAME] tables, checked by audiopaper.deliver, which knows each target's options.
    deliver: dict[str, dict[str, Any]] = field(default_factory=dict, metadata={"check": _deliver_tables})

    def with_flags(self, **flags: Any) -> Settings:
        """Command-line flags win over the config; a flag left unset (None) does not."""
        return dataclasses.replace(self, **{k: v for k, v in flags.items() if v is not None})

    def validate(self) -> Settings:
        """Every setting checked against what it declares, once; the first bad one stops the
        run with one line naming its key. (The [deliver.NAME] tables are only checked to be
        tables here: each target's options are audiopaper.deliver's, which the CLI asks.)"""
        return _checked(self, "")


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
        check = f.metadata.get("check")
        if check is not None:
            try:
                new = check(new)
            except ValueError as exc:
                if isinstance(value, Mapping):  # the problem names the entry: wording.closing: ...
                    raise InputError(f"invalid {key}.{exc}") from None
                raise InputError(f"invalid {key} {_shown(value)}: {exc}") from None
        if new is not value:
            changes[f.name] = new
    return dataclasses.replace(obj, **changes) if changes else obj


# -- loading ------------------------------------------------------------------------------
#
# The TOML is converted by msgspec over the dataclasses above: their field types are the
# declared model (strictly: "3" is no int, 1 no bool), their defaults fill what the file leaves
# out. msgspec ignores keys a dataclass does not have, so those are found first, by the walk
# below; then the checks the fields declare run (Settings.validate).

_EXPECTED = re.compile(r"Expected `(?P<want>[^`]+)`, got `[^`]+`")


def _decode(kind: type, value: Any) -> Any:
    """What msgspec does not know itself: paths and the voices table."""
    if kind is Path:
        if not isinstance(value, str) or not value.strip():  # Path("") would quietly be "."
            raise ValueError("must be a path string")
        return Path(value)
    if kind is VoiceSettings:
        return VoiceSettings.from_config(value)
    raise NotImplementedError(kind)


def _known_keys(cls: type, data: Any, where: str) -> Any:
    """`data` with every key one of `cls`'s fields (written with - or _), through the nested
    sections; an unknown key is named. What is not a table is left for msgspec to name."""
    if not isinstance(data, dict):
        return data
    hints = get_type_hints(cls)
    named: dict[str, Any] = {}
    for key, value in data.items():
        name = key.replace("-", "_")
        if name not in hints:
            raise InputError(f"config: unknown setting {where}{key}")
        hint = hints[name]
        nested = isinstance(hint, type) and is_dataclass(hint)
        named[name] = _known_keys(hint, value, f"{where}{key}.") if nested else value
    return named


def _load(cls: type, data: Any, where: str = "") -> Any:
    """Dataclass `cls` from TOML data; a mismatch stops with one line naming its key."""
    if not isinstance(data, dict):
        raise InputError(f"config: {where} must be a table")
    data = _known_keys(cls, data, f"{where}." if where else "")
    try:
        return msgspec.convert(data, cls, strict=True, dec_hook=_decode)
    except msgspec.ValidationError as exc:
        raise InputError(_explain(finding(exc), data, where)) from None


def _explain(found: Finding, data: Any, where: str) -> str:
    """msgspec's "Expected `int`, got `str` - at `$.tts.concurrency`" as the user's line:
    "config: tts.concurrency must be int, got '3'"."""
    what, path = found.problem, found.path
    inside, _, _ = path.partition("[...]")  # a table's entry: msgspec does not say which
    parts = [p for p in inside.split(".") if p]
    key = ".".join([where, *parts] if where else parts)
    expected = _EXPECTED.fullmatch(what)
    if expected is None:  # a field missing, or what _decode said
        return f"config: {key} needs {found.missing}" if found.missing else f"config: {key} {what}"
    want = expected.group("want").removesuffix(" | null")
    if "[...]" in path:
        plural = {"object": "tables", "str": "strings", "int": "integers", "bool": "booleans"}.get(want, want)
        return f"config: {key} must be a table of {plural}"
    if want == "object":
        return f"config: {key} must be a table"
    value = data
    for part in parts:
        value = value.get(part) if isinstance(value, dict) else None
    return f"config: {key} must be {want}, got {value!r}"


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
    settings: Settings = _load(Settings, data)
    return settings


def settings_to_toml(settings: Settings) -> str:
    """The settings in effect, as TOML a user could paste into audiopaper.toml.

    Keys and values are written by tomli-w, so the text always loads again (a Chinese topic
    or target name is quoted as TOML wants it); a setting left unset is shown as a comment,
    since TOML has no null, and a table is headed only where it holds a value of its own."""
    lines: list[str] = []

    def entries(obj: Any) -> list[tuple[str, Any]]:
        if is_dataclass(obj) and not isinstance(obj, type):
            return [(f.name, getattr(obj, f.name)) for f in fields(obj)]
        return list(obj.items())

    def emit(obj: Any, path: tuple[str, ...]) -> None:
        own: list[str] = []
        tables: list[tuple[str, Any]] = []
        for name, value in entries(obj):
            if value is None:
                own.append(f"# {name} = (not set)")
            elif isinstance(value, Mapping) or (is_dataclass(value) and not isinstance(value, type)):
                if value:
                    tables.append((name, value))
            else:
                own.append(tomli_w.dumps({name: str(value) if isinstance(value, Path) else value}).rstrip("\n"))
        if own and path:
            header: dict[str, Any] = {}
            for part in reversed(path):
                header = {part: header}
            lines.append("\n" + tomli_w.dumps(header).rstrip("\n"))
        lines.extend(own)
        for name, value in tables:
            emit(value, (*path, name))

    emit(settings, ())
    return "\n".join(lines) + "\n"
