"""A content-addressed speech cache: (engine, voice, prosody, spoken text) -> audio + timings.

An identical rebuild sends no request; editing one paragraph re-synthesizes only the calls
whose spoken text changed. Entries are written atomically, so a build killed at any point
leaves either a whole entry or none, and the cache is capped in size, evicting the least
recently used entries (a hit refreshes an entry's mtime).

Each entry carries a digest of its key, its timings and its audio, checked on every read:
a damaged entry (a bad disk, a stray write, two files swapped) is never played; it is
removed, synthesized again, and counted in `damaged` for the build to report.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from audiopaper.core.speech import Sentence, Speech, SpeechRequest
from audiopaper.fsutil import atomic_write_bytes
from audiopaper.resources import cache_root
from audiopaper.tts import Engine, Progress, ServiceStats, Stream

FORMAT = 2  # bump when the entry layout changes: old entries then simply miss


def default_cache_dir() -> Path:
    return cache_root() / "speech"


class SpeechCache:
    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0
        self.damaged: list[Path] = []  # entries that failed their check, removed and synthesized again

    def key(self, engine: str, request: SpeechRequest) -> str:
        v = request.voice
        ident = [FORMAT, engine, v.name, v.rate, v.pitch, v.volume, request.text]
        return hashlib.sha256(json.dumps(ident, ensure_ascii=False).encode()).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.speech"

    def has(self, key: str) -> bool:
        return self._path(key).is_file()

    def get(self, key: str) -> Speech | None:
        """The entry for `key`; None when there is none, or when it fails its check (then
        it is removed and recorded in `damaged`)."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        speech = self._verified(key, data)
        if speech is None:
            self.damaged.append(path)
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(path)
        return speech

    @staticmethod
    def _digest(key: str, meta: bytes, pcm: bytes) -> str:
        # The key is in the digest: an entry moved or copied under another key fails too.
        return hashlib.sha256(b"%s\n%s\n%s" % (key.encode(), meta, pcm)).hexdigest()

    def _verified(self, key: str, data: bytes) -> Speech | None:
        try:
            digest, meta_line, pcm = data.split(b"\n", 2)
            if digest.decode("ascii") != self._digest(key, meta_line, pcm):
                return None
            meta = json.loads(meta_line)
            return Speech(
                pcm=pcm,
                sample_rate=int(meta["rate"]),
                sentences=tuple(Sentence(int(a), int(b), str(t)) for a, b, t in meta["sentences"]),
            )
        except (ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, speech: Speech) -> None:
        meta = {
            "rate": speech.sample_rate,
            "sentences": [[s.start_ms, s.end_ms, s.text] for s in speech.sentences],
        }
        meta_line = json.dumps(meta, ensure_ascii=False).encode()
        digest = self._digest(key, meta_line, speech.pcm).encode()
        try:
            atomic_write_bytes(self._path(key), b"\n".join((digest, meta_line, speech.pcm)))
        except OSError:
            pass  # a full or read-only cache must not fail the build

    def evict(self) -> int:
        """Remove least recently used entries until the cache fits; return bytes freed."""
        try:
            entries = [(p.stat(), p) for p in self.folder.glob("*/*.speech")]
        except OSError:
            return 0
        total = sum(st.st_size for st, _ in entries)
        freed = 0
        for st, path in sorted(entries, key=lambda e: e[0].st_mtime):
            if total - freed <= self.max_bytes:
                break
            try:
                path.unlink()
                freed += st.st_size
            except OSError:
                pass
        return freed


class CachedEngine(Engine):
    """Wraps an engine: answers from the cache, sends only the misses, keeps what succeeds."""

    def __init__(self, inner: Engine, cache: SpeechCache) -> None:
        self.inner = inner
        self.cache = cache
        self.NAME = inner.NAME  # type: ignore[misc]  # reports and voices follow the real engine
        self.ROUND_TRIPS = inner.ROUND_TRIPS  # type: ignore[misc]

    @classmethod
    def availability(cls) -> str | None:
        return None

    @property
    def stats(self) -> ServiceStats | None:
        return self.inner.stats

    def synthesize_many(
        self, requests: Sequence[SpeechRequest], progress: Progress | None = None
    ) -> list[Speech | BaseException]:
        keys = [self.cache.key(self.inner.NAME, r) for r in requests]
        results: list[Speech | BaseException | None] = [self.cache.get(k) for k in keys]
        missing = [i for i, r in enumerate(results) if r is None]
        self.cache.hits += len(requests) - len(missing)
        self.cache.misses += len(missing)
        if progress and len(requests) > len(missing):
            progress(len(requests) - len(missing))
        if missing:
            fresh = self.inner.synthesize_many([requests[i] for i in missing], progress)
            for i, speech in zip(missing, fresh, strict=True):
                results[i] = speech
                if isinstance(speech, Speech):
                    self.cache.put(keys[i], speech)
        return [r for r in results if r is not None]

    def stream(self, requests: Sequence[SpeechRequest], progress: Progress | None = None) -> Stream:
        """In order: hits read from disk only when their turn comes (a warm rebuild of a long
        edition is not loaded at once), misses streamed from the engine meanwhile."""
        keys = [self.cache.key(self.inner.NAME, r) for r in requests]
        missing = [i for i, k in enumerate(keys) if not self.cache.has(k)]
        self.cache.hits += len(requests) - len(missing)
        self.cache.misses += len(missing)
        fresh = self.inner.stream([requests[i] for i in missing], progress)
        with contextlib.closing(fresh):  # closed, an engine's stream stops its requests in flight
            yield from self._merge(requests, keys, set(missing), fresh, progress)

    def _merge(
        self,
        requests: Sequence[SpeechRequest],
        keys: Sequence[str],
        wanted: set[int],
        fresh: Iterator[Speech | BaseException],
        progress: Progress | None,
    ) -> Iterator[Speech | BaseException]:
        for i, key in enumerate(keys):
            if i in wanted:
                result = next(fresh)
                if isinstance(result, Speech):
                    self.cache.put(key, result)
                yield result
                continue
            found: Speech | BaseException | None = self.cache.get(key)
            if found is None:  # evicted or damaged since we looked: render it now
                self.cache.hits -= 1
                self.cache.misses += 1
                found = self.inner.synthesize_many([requests[i]], progress)[0]
                if isinstance(found, Speech):
                    self.cache.put(key, found)
            elif progress:
                progress(1)
            yield found
