from __future__ import annotations

import sys
import typing
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiopaper.cli import cli
from audiopaper.core import ffmpeg

# daisy-dtb 0.0.17 imports typing.override, new in Python 3.12: give 3.11 typing_extensions' own
# before anything imports it.
if sys.version_info < (3, 12) and not hasattr(typing, "override"):
    import typing_extensions

    typing.override = typing_extensions.override  # type: ignore[attr-defined]

DATA = Path(__file__).parent / "data"
SAMPLE_TXT = DATA / "000_cbe0a290ce09cb7e.txt"
SAMPLE_GOLD = DATA / "000_cbe0a290ce09cb7e.gold.json"
SHORT = DATA / "short.json"  # two short articles and a notice: for tests where size is not the point


def golden_rows(folder: Path) -> list[tuple[str, int, list[str]]]:
    """The tab-separated rows of every golden *.tsv in `folder`: (file stem, line number,
    fields), blank lines and # comments skipped."""
    rows = []
    for tsv in sorted(folder.glob("*.tsv")):
        for n, line in enumerate(tsv.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip() and not line.startswith("#"):
                rows.append((tsv.stem, n, line.split("\t")))
    return rows


def decoded_seconds(path: Path) -> float:
    """Decode the file for real and measure it: what a listener would hear."""
    pcm = ffmpeg.decode_file(path, 8000)
    return len(pcm) / 2 / 8000


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    """The bundled sample built once with espeak, as a user would from the README."""
    out = tmp_path_factory.mktemp("out")
    result = CliRunner().invoke(
        cli,
        ["build", "--sample", "--engine", "espeak", "--out", str(out), "--base-url", "https://radio.example/p/"],
        catch_exceptions=False,
    )
    return out, result


@pytest.fixture(autouse=True, scope="session")
def _private_speech_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never read or fill the user's speech cache."""
    import os

    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
