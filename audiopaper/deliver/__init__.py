"""Delivery to where a station's listeners are: its playout system. One module per kind of
target (folder, azuracast, libretime, liquidsoap), each a `Target` with NAME and a check
whose message says how to fix what is wrong; TARGETS maps names to classes, as beets keeps
its backends.

`deliver_edition` sends one built edition to the configured targets. Per target: the
editions it holds that have expired are taken back, clips a rebuild dropped are taken
back, then every clip is delivered (replacing what the same clip was before), each one
reported: one that fails is named and the others go on. Only OUT/DATE is read and only
OUT/.delivered.json written: the published feed is never touched."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audiopaper.deliver.azuracast import AzuraCastTarget
from audiopaper.deliver.base import (
    Clip,
    DeliveryConfigError,
    DeliveryFailed,
    Target,
    Unreachable,
    check_table,
    clips_of,
)
from audiopaper.deliver.folder import FolderTarget
from audiopaper.deliver.libretime import LibreTimeTarget
from audiopaper.deliver.liquidsoap import LiquidsoapTarget
from audiopaper.deliver.state import DeliveryState
from audiopaper.errors import InputError
from audiopaper.publish.layout import edition_dirs
from audiopaper.publish.manifest import Manifest, ManifestError, load_manifest

TARGETS: dict[str, type[Target]] = {
    cls.NAME: cls for cls in (FolderTarget, AzuraCastTarget, LibreTimeTarget, LiquidsoapTarget)
}

__all__ = ["TARGETS", "ClipResult", "DeliveryConfigError", "TargetReport", "configure", "deliver_edition"]


@dataclass(frozen=True)
class ClipResult:
    index: int
    title: str
    file: str
    error: str | None = None  # None: delivered


@dataclass
class TargetReport:
    target: str
    kind: str
    date: str
    clips: list[ClipResult] = field(default_factory=list)
    removed: int = 0  # clips taken back: expired, or dropped by a rebuild
    # Clips that could not be taken back: still at the station, so failures; the record
    # keeps them, and the next delivery tries again.
    not_taken_back: list[str] = field(default_factory=list)
    error: str | None = None  # the whole target failed (unreachable, no key, no playlist)

    @property
    def failed(self) -> int:
        return sum(1 for c in self.clips if c.error) + len(self.not_taken_back) + (1 if self.error else 0)


def _target(name: str, table: Any, out: Path) -> Target:
    kind = table.get("type") if isinstance(table, dict) else None
    if kind not in TARGETS:
        check_table(name, table)
        raise DeliveryConfigError(
            f"config: deliver.{name}.type must be one of {', '.join(TARGETS)}" + (f", not {kind!r}" if kind else "")
        )
    return TARGETS[kind].configure(name, table, out)


def configure(tables: dict[str, Any], out: Path, names: tuple[str, ...] = ()) -> list[Target]:
    """The targets named (all configured ones when none are), their options checked."""
    if not isinstance(tables, dict):
        raise DeliveryConfigError('config: deliver must hold tables, e.g. [deliver.station] with type = "folder"')
    targets = [_target(name, table, out) for name, table in tables.items()]
    if not names:
        return targets
    by_name = {t.name: t for t in targets}
    missing = [n for n in names if n not in by_name]
    if missing:
        known = ", ".join(by_name) or "none"
        raise InputError(f"no delivery target named {missing[0]!r} in the config (configured: {known})")
    return [by_name[n] for n in names]


def newest_date(out: Path) -> str:
    dirs = edition_dirs(out)
    if not dirs:
        raise InputError(f"no edition in {out}: build one first")
    return dirs[0].name


def deliver_edition(out: Path, date: str, targets: list[Target]) -> list[TargetReport]:
    """Deliver OUT/DATE to each target. The caller holds OUT (publish.outdir.locked)."""
    folder = out / date
    if not folder.is_dir():
        raise InputError(f"no edition {date} in {out}")
    try:
        manifest = load_manifest(folder)
    except ManifestError as exc:
        raise InputError(f"cannot deliver: {exc}") from None
    state = DeliveryState(out)
    return [_deliver(target, folder, manifest, state) for target in targets]


def _deliver(target: Target, folder: Path, manifest: Manifest, state: DeliveryState) -> TargetReport:
    report = TargetReport(target.name, target.NAME, manifest.date)
    clips = clips_of(folder, manifest, target.options["expire_days"])
    editions = state.editions(target.name)
    try:
        target.available()
        report.removed = _take_back(target, editions, manifest.date, clips, state, report.not_taken_back)
        held = editions.setdefault(manifest.date, {})
        delivered: dict[str, dict[str, Any]] = {}
        for n, clip in enumerate(clips):
            try:
                report.clips.append(_put(target, clip, held, delivered, state))
            except Unreachable as exc:
                report.clips.append(ClipResult(clip.index, clip.title, clip.file, str(exc)))
                left = len(clips) - n - 1
                raise Unreachable(f"the station does not answer: {left} more clip(s) not sent") from None
        target.finish(clips, delivered)
    except DeliveryFailed as exc:
        report.error = str(exc)
    finally:
        session = getattr(target, "session", None)
        if session is not None:
            session.close()
    return report


def _put(
    target: Target, clip: Clip, held: dict[str, Any], delivered: dict[str, Any], state: DeliveryState
) -> ClipResult:
    try:
        if not clip.path.is_file():
            raise DeliveryFailed(f"{clip.path} is missing")
        record = target.put(clip, held.get(clip.file))
    except Unreachable:
        raise
    except (DeliveryFailed, OSError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return ClipResult(clip.index, clip.title, clip.file, reason)
    held[clip.file] = delivered[clip.file] = record
    state.save()
    return ClipResult(clip.index, clip.title, clip.file)


def _take_back(
    target: Target, editions: dict[str, Any], date: str, clips: list[Clip], state: DeliveryState, failures: list[str]
) -> int:
    """Remove what expired before `date` and what a rebuild of `date` no longer has."""
    removed = 0
    today = dt.date.fromisoformat(date)
    keep = {c.file for c in clips}
    for held_date in sorted(editions):
        expired = dt.date.fromisoformat(held_date) + dt.timedelta(days=target.options["expire_days"]) <= today
        if held_date == date or expired:
            held = editions[held_date]
            for file in sorted(held):
                if held_date != date or file not in keep:
                    try:
                        target.remove(held[file])
                    except Unreachable:
                        raise
                    except DeliveryFailed as exc:  # kept in the record: tried again next time
                        failures.append(f"{held_date} {file} not taken back: {exc}")
                        continue
                    del held[file]
                    removed += 1
                    state.save()
            if not held and held_date != date:
                del editions[held_date]
                state.save()
    return removed


def deliver(
    out: Path, tables: dict[str, Any], date: str | None = None, names: tuple[str, ...] = ()
) -> list[TargetReport]:
    """`audiopaper deliver`: DATE (default: the newest edition in OUT) to the targets named,
    else to every configured one, holding OUT while it reads and records."""
    from audiopaper.edition import validate_date
    from audiopaper.publish.outdir import locked

    if not tables:
        raise InputError("no delivery target configured: add a [deliver.NAME] table to the config (docs/delivery.md)")
    targets = configure(tables, out, names)
    if not out.is_dir():
        raise InputError(f"no such folder: {out}: build an edition first")
    with locked(out):
        return deliver_edition(out, validate_date(date) if date else newest_date(out), targets)


def deliver_built(out: Path, tables: dict[str, Any], folder: Path) -> tuple[TargetReport, ...]:
    """At the end of `build`, inside its hold on OUT: the edition just published, to the
    targets with after_build (the default)."""
    targets = [t for t in configure(tables, out) if t.options["after_build"]] if tables else []
    return tuple(deliver_edition(out, folder.name, targets)) if targets else ()
