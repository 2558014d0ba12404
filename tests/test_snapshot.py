"""No silent change: the sample builds to the same bytes as when it was recorded.

Every file of the sample build (clips, edition, tags, transcripts, feeds, pages, the DAISY
book) and the text commands' outputs are compared with tests/snapshot/sample.json, leaving
out only when the build ran. A refactoring must leave them all alone; a change of behaviour
re-records them (`python -m tests.snapshot.record`) in a commit that says why."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.snapshot.record import RECORD, ffmpeg_version, take


def test_sample_build_is_byte_identical_to_the_record(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    recorded = json.loads(RECORD.read_text("utf-8"))
    # MP3 bytes are the encoder's: another ffmpeg makes other bytes of the same speech.
    assert ffmpeg_version() == recorded["ffmpeg"], (
        "the bundled ffmpeg is not the one the record was taken with; check the build still sounds "
        "right, then re-record: python -m tests.snapshot.record"
    )
    taken = take(tmp_path, monkeypatch)
    changed = sorted(
        name
        for name in recorded["files"].keys() | taken["files"].keys()
        if recorded["files"].get(name) != taken["files"].get(name)
    )
    assert not changed, f"{len(changed)} output files changed: {changed}"
    for name, digest in recorded["commands"].items():
        assert taken["commands"][name] == digest, f"`audiopaper {name}` printed something else:\n{taken['texts'][name]}"
