"""OUT as one published whole: one writer at a time, and publishing as a single step.

A build swaps its edition folder in and rewrites the feeds and pages. Done one file after
another, a kill or a full disk in between would leave a feed that names the old enclosure
length for the new file, or an edition missing from the feed. So publishing is a
transaction with a redo journal: every file is first written in full beside OUT's files,
then the journal naming every rename is written (the commit point), then the renames run.
Killed before the journal, nothing in OUT changed; killed after it, the next command that
opens OUT (`build`, `feed`, `serve`) finishes the renames. Renames within one filesystem
need no space, so a full disk can only stop a publication before its commit point.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import itertools
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

from audiopaper.errors import AudiopaperError
from audiopaper.fsutil import Deferred, atomic_write_text, deferring
from audiopaper.publish.layout import FEED, edition_dirs
from audiopaper.publish.manifest import read_manifest

DEFAULT_BASE_URL = "http://localhost:8000/"  # what `audiopaper serve` serves OUT at

LOCK = ".audiopaper.lock"
JOURNAL = ".publish-journal.json"
_WORK = ".publish-"  # + pid: a publication's files until its commit


class PublishError(AudiopaperError):
    """OUT cannot be written now; nothing in it was changed."""


class Busy(PublishError):
    pass


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold OUT for this process: a second build or feed into the same OUT fails at once,
    naming the process that holds it, instead of deleting the first one's work. The lock
    is the kernel's (flock), so a killed holder leaves none behind."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        handle: IO[str] = open(out / LOCK, "a+", encoding="utf-8")
    except OSError as exc:
        raise PublishError(f"cannot write to {out}: {exc.strerror or exc}") from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                raise PublishError(f"cannot lock {out}: {exc.strerror or exc}") from None
            handle.seek(0)
            holder = handle.read().strip() or "?"
            raise Busy(f"another build (pid {holder}) is writing {out}; try again when it has finished") from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        recover(out)
        yield
    finally:
        handle.close()


def finish_pending(out: Path) -> None:
    """Complete what a killed command left in OUT, for a reader such as `serve`; when
    another command holds OUT, that one completes it. A reader leaves OUT as it is otherwise."""
    if not (out / JOURNAL).exists():
        return
    with contextlib.suppress(Busy), locked(out):
        pass


class Publication:
    """The renames that publish an edition and the site around it; see `publishing`."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.work = out / f"{_WORK}{os.getpid()}"
        self.swaps: list[tuple[Path, Path]] = []  # whole folders: (staged, final)
        self.files: list[tuple[Path, Path]] = []  # (written in work, final)
        self.removals: list[Path] = []  # files that go with the publication
        self._numbers = itertools.count()

    def swap_dir(self, staged: Path, final: Path) -> None:
        self.swaps.append((staged, final))

    def _defer(self, final: Path) -> Path:
        self.work.mkdir(exist_ok=True)
        written = self.work / str(next(self._numbers))
        self.files.append((written, final))
        return written

    def commit(self) -> None:
        journal: dict[str, Any] = {
            "swaps": [[_rel(self.out, a), _rel(self.out, b)] for a, b in self.swaps],
            "files": [[_rel(self.out, a), _rel(self.out, b)] for a, b in self.files],
            "removals": [_rel(self.out, path) for path in self.removals],
        }
        atomic_write_text(self.out / JOURNAL, json.dumps(journal, ensure_ascii=False))
        _redo(self.out, journal)

    def abandon(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)


@contextlib.contextmanager
def publishing(out: Path) -> Iterator[Publication]:
    """Collect a publication: inside, every atomic write to a file under OUT is written in
    full but deferred, and folders are swapped with `swap_dir`; on leaving, all of it takes
    effect as one step. Raised out of, nothing in OUT changed."""
    publication = Publication(out)
    try:
        with deferring(Deferred(out, publication._defer, publication.removals.append)):
            yield publication
    except OSError as exc:
        publication.abandon()
        raise PublishError(f"could not publish into {out} ({exc.strerror or exc}); nothing there was changed") from None
    except BaseException:
        publication.abandon()
        raise
    publication.commit()


def _rel(out: Path, path: Path) -> str:
    return path.relative_to(out).as_posix()


def _redo(out: Path, journal: dict[str, Any]) -> None:
    """Carry out a committed publication; what was already done is skipped, so it can be
    run again after a kill at any point."""
    old: list[Path] = []
    for staged_name, final_name in journal["swaps"]:
        staged, final = out / staged_name, out / final_name
        if not staged.exists():
            continue  # swapped in already
        if final.exists():
            aside = final.with_name(f".{final.name}.old-{os.getpid()}")
            shutil.rmtree(aside, ignore_errors=True)
            os.replace(final, aside)
            old.append(aside)
        os.replace(staged, final)
    for written_name, final_name in journal["files"]:
        written, final = out / written_name, out / final_name
        if written.exists():
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(written, final)
    for gone in journal.get("removals", []):
        (out / gone).unlink(missing_ok=True)
    (out / JOURNAL).unlink(missing_ok=True)
    for folder in old:
        shutil.rmtree(folder, ignore_errors=True)
    for work in out.glob(f"{_WORK}*"):
        shutil.rmtree(work, ignore_errors=True)


def recover(out: Path) -> None:
    """Finish or undo what a killed command left in OUT: a committed publication is carried
    out; otherwise an edition swapped out but not yet replaced is put back, and staging
    folders, uncommitted publications and temporary files are removed."""
    if not out.is_dir():
        return
    journal = out / JOURNAL
    if journal.exists():
        try:
            _redo(out, json.loads(journal.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise PublishError(f"{journal} could not be completed ({exc}): remove it to go on") from None
    for old in out.glob(".*.old-*"):
        final = out / old.name[1:].rsplit(".old-", 1)[0]
        if old.is_dir() and not final.exists():
            os.replace(old, final)
        else:
            shutil.rmtree(old, ignore_errors=True)
    for leftover in [*out.glob(".staging-*"), *out.glob(f"{_WORK}*")]:
        shutil.rmtree(leftover, ignore_errors=True)
    for tmp in [*out.glob(".*.tmp"), *out.glob("*/.*.tmp"), *out.glob("*/*/.*.tmp")]:
        tmp.unlink(missing_ok=True)


# -- what subscribers know OUT by ------------------------------------------------------------

IDENTITY = "publication.json"


@dataclass(frozen=True)
class Identity:
    """What podcast apps know a feed by: the paper (the channel's name) and the address OUT
    is served at (every URL, and the podcast:guid derived from the feed's). Recorded in OUT
    at the first publication, so that a later `feed` or `build` keeps them."""

    paper: str
    base_url: str


def recorded(out: Path) -> Identity | None:
    """OUT's identity as recorded; for an OUT published before it was recorded, as its feed
    and newest manifest show it; None for a new OUT."""
    path = out / IDENTITY
    if path.exists():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return Identity(paper=str(data["paper"]), base_url=str(data["base_url"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise PublishError(f"{path} is unreadable ({exc}): repair it or remove it") from None
    base = _feed_base_url(out / FEED)
    paper = _newest_paper(out)
    if base is None or paper is None:
        return None
    return Identity(paper=paper, base_url=base)


def _feed_base_url(feed: Path) -> str | None:
    try:
        root = ElementTree.parse(feed).getroot()
    except (OSError, ElementTree.ParseError):
        return None
    for link in root.iter("{http://www.w3.org/2005/Atom}link"):
        href = link.get("href") or ""
        if link.get("rel") == "self" and href.endswith("/" + FEED):
            return href[: -len(FEED)]
    return None


def settle(out: Path, paper: str | None, base_url: str | None, *, change_base_url: bool = False) -> Identity:
    """The identity to publish OUT under: the recorded one, unless told otherwise.

    One OUT is one paper's feed: another paper is refused rather than renaming the channel
    that listeners subscribed to. A new base URL moves every enclosure and the feed's guid,
    so it is taken only with `change_base_url`."""
    known = recorded(out)
    # Editions copied into an OUT that has no record yet still say whose feed it is.
    holder = (known.paper if known else "") or _newest_paper(out)
    if paper and holder and paper != holder:
        raise PublishError(f"{out} holds the feed of «{holder}»: give «{paper}» an output folder of its own (--out)")
    given = _slashed(base_url) if base_url else None
    if known is None:
        return Identity(paper=holder or paper or "", base_url=given or DEFAULT_BASE_URL)
    # The placeholder address was never one a listener could subscribe at: a real one replaces it.
    moving = given and given != known.base_url and known.base_url != DEFAULT_BASE_URL
    if moving and not change_base_url:
        raise PublishError(
            f"{out} is published at {known.base_url}; to move it to {given}, add --change-base-url "
            "(podcast apps then fetch the feed from its new address)"
        )
    return Identity(paper=holder or paper or "", base_url=given or known.base_url)


def _newest_paper(out: Path) -> str | None:
    return next((m.paper for m in map(read_manifest, edition_dirs(out)) if m is not None and m.paper), None)


def _slashed(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def write_identity(out: Path, identity: Identity) -> None:
    atomic_write_text(out / IDENTITY, json.dumps(asdict(identity), ensure_ascii=False, indent=1) + "\n")
