"""Which ffmpeg runs: the bundled one, whatever a station's PATH holds; a configured one only
after it has been probed for everything the build uses."""

from __future__ import annotations

import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiopaper.cli import cli
from audiopaper.core import ffmpeg
from tests.conftest import SHORT, decoded_seconds

# ffmpeg 5.1's own words for the option it lacks (Debian 12), as a station saw them.
OLD_FFMPEG_ERROR = "[ebur128 @ 0x55] Error setting option framelog to value quiet."


@pytest.fixture(autouse=True)
def _bundled_after() -> None:
    yield
    ffmpeg.use(None)


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def _old_ffmpeg(folder: Path) -> Path:
    """The bundled ffmpeg behind a wrapper that refuses what ffmpeg 4.4 and 5.1 lack, as they do."""
    real = ffmpeg.ffmpeg_exe()
    return _script(
        folder / "ffmpeg",
        f'for a in "$@"; do case "$a" in *framelog=quiet*) echo "{OLD_FFMPEG_ERROR}" >&2; exit 1;; esac; done\n'
        f'exec "{real}" "$@"\n',
    )


def _build(tmp_path: Path, config: str = "", env: dict[str, str] | None = None) -> tuple[object, Path]:
    out = tmp_path / "out"
    args = ["build", str(SHORT), "--engine", "espeak", "--out", str(out), "--quiet"]
    if config:
        (tmp_path / "audiopaper.toml").write_text(config, encoding="utf-8")
        args += ["--config", str(tmp_path / "audiopaper.toml")]
    return CliRunner().invoke(cli, args, env=env), out


def _check_published(out: Path) -> None:
    manifest = json.loads((out / "2023-05-18" / "manifest.json").read_text(encoding="utf-8"))
    assert len(manifest["clips"]) == 2
    for clip in manifest["clips"]:
        assert abs(clip["lufs"] - -23.0) <= 0.5
        assert decoded_seconds(out / "2023-05-18" / clip["file"]) > 2


def test_an_ffmpeg_on_path_does_not_change_the_build(tmp_path: Path) -> None:
    folder = tmp_path / "bin"
    folder.mkdir()
    _old_ffmpeg(folder)
    result, out = _build(tmp_path, env={"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"})
    assert result.exit_code == 0, result.output
    _check_published(out)


def test_a_configured_ffmpeg_without_framelog_quiet_builds(tmp_path: Path) -> None:
    old = _old_ffmpeg(tmp_path)
    result, out = _build(tmp_path, f'ffmpeg = "{old}"\n')
    assert result.exit_code == 0, result.output
    _check_published(out)


def test_a_configured_ffmpeg_is_probed_and_what_it_lacks_named(tmp_path: Path) -> None:
    real = ffmpeg.ffmpeg_exe()
    # A build without LAME: the encoders listing lacks it, all else is the real ffmpeg's.
    lame_less = _script(
        tmp_path / "ffmpeg",
        f'if [ "$2" = "-encoders" ]; then "{real}" "$@" | grep -v libmp3lame; exit 0; fi\nexec "{real}" "$@"\n',
    )
    result, out = _build(tmp_path, f'ffmpeg = "{lame_less}"\n')
    assert result.exit_code == 1
    message = result.output.strip()
    assert "\n" not in message and "Traceback" not in message
    assert "lacks encoder libmp3lame" in message and str(lame_less) in message
    assert not out.exists()


def test_a_configured_ffmpeg_that_is_missing_is_one_line(tmp_path: Path) -> None:
    result, _ = _build(tmp_path, 'ffmpeg = "/nonexistent/ffmpeg"\n')
    assert result.exit_code == 1
    assert result.output.strip() == "Error: config: ffmpeg '/nonexistent/ffmpeg' not found"


DEBIAN_FFMPEG = shutil.which("ffmpeg", path="/usr/bin")


@pytest.mark.skipif(DEBIAN_FFMPEG is None, reason="no distribution ffmpeg in /usr/bin (.ci/run installs Debian's)")
def test_builds_with_the_distributions_ffmpeg(tmp_path: Path) -> None:
    result, out = _build(tmp_path, f'ffmpeg = "{DEBIAN_FFMPEG}"\n')
    assert result.exit_code == 0, result.output
    _check_published(out)
