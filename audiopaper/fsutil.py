"""Atomic file output: a reader (a podcast app, a radio's import) never sees half a file."""

from __future__ import annotations

import contextvars
import errno
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from audiopaper.errors import InputError


@dataclass(frozen=True)
class Deferred:
    """While a publication is being collected (publish/outdir.py), files under `root` are
    written in full to where `place(final)` says and renamed only at its commit; files
    removed there (`drop`) go only at its commit too."""

    root: Path
    place: Callable[[Path], Path]
    drop: Callable[[Path], None]


def _deferred_for(path: Path) -> Deferred | None:
    deferred = _deferred.get()
    if deferred is not None and path.absolute().is_relative_to(deferred.root.absolute()):
        return deferred
    return None


_deferred: contextvars.ContextVar[Deferred | None] = contextvars.ContextVar("deferred", default=None)


@contextmanager
def deferring(deferred: Deferred) -> Iterator[None]:
    token = _deferred.set(deferred)
    try:
        yield
    finally:
        _deferred.reset(token)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it replaces `path` in one rename
    (or, while a publication is collected, at its commit)."""
    deferred = _deferred_for(path)
    if deferred is not None:
        written = deferred.place(path)
        try:
            yield written
        except BaseException:
            written.unlink(missing_ok=True)
            raise
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp makes 0600 files; the feed and audio are for a web server and a radio to read.
    os.chmod(tmp_path, 0o666 & ~_umask())
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` atomically unless `path` holds it already (podcast apps fetch artwork
    again when its bytes change); whether it was written."""
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    atomic_write_bytes(path, data)
    return True


def remove_file(path: Path) -> None:
    """Remove `path` if it is there (while a publication is collected: at its commit)."""
    deferred = _deferred_for(path)
    if deferred is not None:
        deferred.drop(path)
    else:
        path.unlink(missing_ok=True)


def writable_folder(folder: Path, create: bool = True) -> Path:
    """`folder`, made if missing (and `create`), once a file could be written in it: a build
    learns that OUT is read-only, a file, or under /proc before it asks for any speech."""
    try:
        if folder.exists() and not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "not a folder")
        if create:
            folder.mkdir(parents=True, exist_ok=True)
        if not folder.is_dir():
            raise FileNotFoundError(errno.ENOENT, "no such folder")
        fd, probe = tempfile.mkstemp(prefix=".write-test-", suffix=".tmp", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InputError(f"cannot write {folder}: {exc.strerror or exc}") from None
    return folder
