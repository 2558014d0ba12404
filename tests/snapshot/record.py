"""The sample's outputs, fingerprinted: what "no behaviour change" is checked against.

The sample is built with the online engine against the fake service (tests/fake_edge.py),
whose replies are the same bytes for the same text, so the whole build is repeatable to the
byte: clips, edition, tags, transcripts, feeds, pages, DAISY book. Only what records when it
ran is left out (`built_at`, `lastBuildDate`, the zip entries' dates, the writer's lock).
The text commands' outputs (normalize, script, lint, config) are recorded beside them.

Re-record only for a change of behaviour meant as one, and say so in its commit:

    python -m tests.snapshot.record
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
RECORD = HERE / "sample.json"
BASE_URL = "https://radio.example/p/"

# What says when the build ran, not what it made.
_WHEN = [
    (re.compile(rb'"built_at": "[^"]*"'), b'"built_at": "-"'),
    (re.compile(rb"<lastBuildDate>[^<]*</lastBuildDate>"), b"<lastBuildDate>-</lastBuildDate>"),
]
_LEFT_OUT = {".audiopaper.lock"}  # holds the writer's pid while a build runs


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".zip":
        # A zip's entries carry their files' dates; the names, order and contents are the book.
        with zipfile.ZipFile(path) as book:
            parts = [f"{i.filename} {i.compress_type} {_digest(book.read(i))}" for i in book.infolist()]
        return "\n".join(parts).encode()
    for pattern, fixed in _WHEN:
        data = pattern.sub(fixed, data)
    return data


def fingerprint(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(canonical(p)).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name not in _LEFT_OUT
    }


def ffmpeg_version() -> str:
    import subprocess

    from audiopaper.core import ffmpeg

    answer = subprocess.run([ffmpeg.ffmpeg_exe(), "-version"], capture_output=True, text=True, check=True)
    return answer.stdout.splitlines()[0]


def take(work: Path, monkeypatch: Any) -> dict[str, Any]:
    """Build the sample into `work` against the fake service and fingerprint everything."""
    from click.testing import CliRunner

    from audiopaper.cli import cli
    from audiopaper.resources import sample_page
    from tests.fake_edge import FakeEdgeService

    os.environ["XDG_CACHE_HOME"] = str(work / "cache")  # a cold speech cache, as on a new machine
    out = work / "out"
    runner = CliRunner()
    commands: dict[str, str] = {}
    with FakeEdgeService() as service:
        service.redirect(monkeypatch)
        build = runner.invoke(cli, ["build", "--sample", "--engine", "edge", "--out", str(out), "--base-url", BASE_URL])
        if build.exit_code != 0:
            raise AssertionError(f"the sample build failed ({build.exit_code}): {build.output}")
    page = str(sample_page())
    for name, args in {
        "normalize": ["normalize", page],
        "script": ["script", page],
        "lint": ["lint", "--sample"],
        "config": ["config"],
    }.items():
        result = runner.invoke(cli, args)
        commands[name] = f"exit {result.exit_code}\n{result.output}"
    return {
        "ffmpeg": ffmpeg_version(),
        "files": fingerprint(out),
        "commands": {k: hashlib.sha256(v.encode()).hexdigest() for k, v in commands.items()},
        "texts": commands,
    }


def main() -> None:
    import pytest

    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as monkeypatch:
        taken = take(Path(tmp), monkeypatch)
    taken.pop("texts")
    RECORD.write_text(json.dumps(taken, ensure_ascii=False, indent=1, sort_keys=True) + "\n", "utf-8")
    print(f"recorded {len(taken['files'])} files and {len(taken['commands'])} commands in {RECORD}")


if __name__ == "__main__":
    sys.exit(main())
