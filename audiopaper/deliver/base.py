"""What every delivery target shares: the clips of one built edition as a station sees
them, the target's options checked against what it declares, and the base class.

A target reads only what an edition folder holds (OUT/DATE/manifest.json, the clips and
their transcripts), never the build's internals, so `deliver` works on any edition in OUT,
however and whenever it was built."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from audiopaper.errors import AudiopaperError
from audiopaper.publish.manifest import ClipEntry, Manifest


class DeliveryConfigError(AudiopaperError):
    """A [deliver.NAME] table that cannot work; str() says which key and how to fix it."""


class DeliveryFailed(Exception):
    """One clip (or a whole target) could not be delivered; the others go on."""


class Unreachable(DeliveryFailed):
    """The station did not answer at all, after retries: the clips still to go would only
    wait out the same retries, so the target stops."""


@dataclass(frozen=True)
class Clip:
    """One article's clip, with the metadata a playout system files it under."""

    index: int
    title: str
    credits: str  # "记者 张三、通讯员 李四", else the paper: what ID3's artist holds
    paper: str
    date: str  # the edition's, ISO
    duration_ms: int
    lufs: float | None
    path: Path  # the MP3 in OUT/DATE/clips
    vtt: Path | None
    starts: dt.datetime  # on air from the start of the edition's day, station time
    expires: dt.datetime  # off air after this, so yesterday's news leaves by itself

    @property
    def file(self) -> str:
        return self.path.name

    @property
    def album(self) -> str:
        return f"{self.paper} {self.date} 有声版"


def clips_of(folder: Path, manifest: Manifest, expire_days: int) -> list[Clip]:
    """The edition's clips in reading order, each on air for `expire_days` days."""
    day = dt.date.fromisoformat(manifest.date)
    starts = dt.datetime.combine(day, dt.time(0, 0, 0))
    expires = dt.datetime.combine(day + dt.timedelta(days=expire_days - 1), dt.time(23, 59, 59))
    return [_clip(folder, manifest, entry, starts, expires) for entry in sorted(manifest.clips, key=lambda c: c.index)]


def _clip(folder: Path, manifest: Manifest, entry: ClipEntry, starts: dt.datetime, expires: dt.datetime) -> Clip:
    credits = "、".join(f"{c.role} {c.name}".strip() for c in entry.credits) or manifest.paper
    return Clip(
        index=entry.index,
        title=entry.title,
        credits=credits,
        paper=manifest.paper,
        date=manifest.date,
        duration_ms=entry.duration_ms,
        lufs=entry.lufs,
        path=folder / entry.file,
        vtt=folder / entry.vtt if entry.vtt else None,
        starts=starts,
        expires=expires,
    )


# Options every target takes, with their types and defaults.
COMMON: dict[str, tuple[type, Any]] = {
    "type": (str, None),
    "after_build": (bool, True),  # deliver at the end of every `build`
    "expire_days": (int, 1),  # days a clip stays on air: 1 = the edition's own day
    "tries": (int, 4),  # per request, with exponential backoff between them
    "timeout": (int, 60),  # seconds
    "retry_delay_ms": (int, 1000),  # the first retry's delay; it doubles
}

_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def check_table(name: str, table: Any) -> None:
    """A [deliver.NAME] table at all: a usable name, a table, and no secret in it."""
    where = f"config: deliver.{name}"
    if not _NAME.match(name):
        raise DeliveryConfigError(f"{where}: a target's name may hold only letters, digits, '-' and '_'")
    if not isinstance(table, dict):
        raise DeliveryConfigError(f'{where} must be a table, e.g. [deliver.{name}] with type = "folder"')
    if "api_key" in table or "password" in table:
        raise DeliveryConfigError(
            f"{where}: no secrets in the config: put the key in ${env_name(name)} "
            "or in a file only you can read, named by api_key_file"
        )


def check_options(
    name: str, table: Any, declared: dict[str, tuple[type, Any]], required: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The table's options with defaults filled in; DeliveryConfigError naming the first key
    that is unknown, missing or of the wrong type."""
    check_table(name, table)
    where = f"config: deliver.{name}"
    options = {**COMMON, **declared}
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in options:
            raise DeliveryConfigError(f"{where}: unknown setting {key!r} (known: {', '.join(sorted(options))})")
        expected = options[key][0]
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise DeliveryConfigError(f"{where}.{key} must be {expected.__name__}, got {value!r}")
        values[key] = value
    for key in required:
        if key not in values:
            raise DeliveryConfigError(f"{where}: {key} is required")
    for key, (_, default) in options.items():
        values.setdefault(key, default)
    for key in ("expire_days", "tries", "timeout"):
        if values[key] < 1:
            raise DeliveryConfigError(f"{where}.{key} must be at least 1")
    return values


def env_name(target: str) -> str:
    """The environment variable a target's secret is read from unless api_key_env names one."""
    return "AUDIOPAPER_" + re.sub(r"[^A-Z0-9]", "_", target.upper()) + "_API_KEY"


class Target:
    """One configured destination. A subclass sets NAME, OPTIONS (and REQUIRED) and
    implements `put` (deliver one clip, replacing `previous` if it is there) and `remove`."""

    NAME: ClassVar[str]
    OPTIONS: ClassVar[dict[str, tuple[type, Any]]] = {}
    REQUIRED_KEYS: ClassVar[tuple[str, ...]] = ()

    def __init__(self, name: str, options: dict[str, Any], out: Path) -> None:
        self.name = name
        self.options = options
        self.out = out

    @classmethod
    def configure(cls, name: str, table: dict[str, Any], out: Path) -> Target:
        target = cls(name, check_options(name, table, cls.OPTIONS, cls.REQUIRED_KEYS), out)
        target.check_config()
        return target

    def check_config(self) -> None:
        """Raise DeliveryConfigError, saying how to fix it, if the options cannot work."""

    def check_address(self, key: str, example: str) -> None:
        """Option `key` must be an http(s) address, checked as the feed's base URL is."""
        from audiopaper.settings import http_url

        try:
            self.options[key] = http_url(self.options[key], query=True)
        except ValueError:
            raise DeliveryConfigError(
                f"config: deliver.{self.name}.{key} must be an http(s) address, e.g. {example}"
            ) from None

    def available(self) -> None:
        """Raise DeliveryFailed, saying how to fix it, if the target cannot be reached or
        used now (its secret, its playlist); called once before any clip."""

    def put(self, clip: Clip, previous: dict[str, Any] | None) -> dict[str, Any]:
        """Deliver one clip and return what must be remembered to replace or remove it."""
        raise NotImplementedError

    def remove(self, record: dict[str, Any]) -> None:
        """Take back a clip delivered earlier (gone from a rebuilt edition, or expired)."""
        raise NotImplementedError

    def finish(self, clips: list[Clip], delivered: dict[str, dict[str, Any]]) -> None:
        """After the last clip: `delivered` maps the clips that made it to their records."""
