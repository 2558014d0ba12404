"""OUT as subscribers see it: one paper at one address, one writer at a time, and each
publication complete or not done."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from audiopaper import fsutil
from audiopaper.cli import cli
from audiopaper.publish import outdir
from audiopaper.publish.outdir import IDENTITY, JOURNAL, LOCK
from tests.conftest import SHORT, snapshot
from tests.publish_fixtures import BASE_URL, make_out

NS = {"podcast": "https://podcastindex.org/namespace/1.0", "atom": "http://www.w3.org/2005/Atom"}
DATES = ("2024-05-17", "2024-05-18")


def _feed(out: Path) -> etree._Element:
    return etree.fromstring((out / "feed.xml").read_bytes())


def _feed_cli(*args: str):
    return CliRunner().invoke(cli, ["feed", *args])


def _one_line_error(result, *parts: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, result.output
    message = result.output.strip()
    assert "\n" not in message and "Traceback" not in message, message
    for part in parts:
        assert part in message, message


@pytest.fixture
def out(tmp_path: Path) -> Path:
    out = make_out(tmp_path / "out", DATES)
    assert _feed_cli("--out", str(out), "--base-url", BASE_URL).exit_code == 0
    return out


# -- 9: the address and the paper are remembered ---------------------------------------------


def test_feed_without_a_base_url_keeps_the_address_and_guid(out: Path) -> None:
    before = _feed(out)
    guid = before.xpath("//podcast:guid/text()", namespaces=NS)
    result = _feed_cli("--out", str(out))
    assert result.exit_code == 0, result.output
    after = _feed(out)
    assert after.xpath("//podcast:guid/text()", namespaces=NS) == guid
    enclosures = after.xpath("//enclosure/@url")
    assert enclosures and all(url.startswith(BASE_URL) for url in enclosures)
    assert json.loads((out / IDENTITY).read_text("utf-8"))["base_url"] == BASE_URL


def test_a_new_address_needs_an_explicit_flag(out: Path) -> None:
    before = snapshot(out)
    moved = "https://cdn.example/pinghu/"
    _one_line_error(_feed_cli("--out", str(out), "--base-url", moved), BASE_URL, "--change-base-url")
    assert snapshot(out) == before
    result = _feed_cli("--out", str(out), "--base-url", moved, "--change-base-url")
    assert result.exit_code == 0, result.output
    assert all(url.startswith(moved) for url in _feed(out).xpath("//enclosure/@url"))
    assert _feed_cli("--out", str(out)).exit_code == 0  # and the new address is kept from now on
    assert all(url.startswith(moved) for url in _feed(out).xpath("//enclosure/@url"))


def test_an_out_published_before_the_record_keeps_its_address(out: Path) -> None:
    (out / IDENTITY).unlink()  # as an OUT built by an earlier version
    assert _feed_cli("--out", str(out)).exit_code == 0
    assert all(url.startswith(BASE_URL) for url in _feed(out).xpath("//enclosure/@url"))


# -- 10: one OUT, one paper ------------------------------------------------------------------


def test_a_second_paper_is_refused_and_out_untouched(out: Path) -> None:
    before = snapshot(out)
    # SHORT is 临溪日报; OUT publishes 平湖日报.
    result = CliRunner().invoke(cli, ["build", str(SHORT), "--engine", "espeak", "--out", str(out), "--quiet"])
    _one_line_error(result, "平湖日报", "临溪日报", "--out")
    assert snapshot(out) == before


# -- 12: one writer at a time ----------------------------------------------------------------


def test_a_second_build_into_the_same_out_fails_naming_the_first(out: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "from audiopaper.publish.outdir import locked\nfrom pathlib import Path\nimport sys\n"
         f"with locked(Path({str(out)!r})):\n    print('held', flush=True)\n    sys.stdin.read()"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        before = snapshot(out)
        args = ["build", str(SHORT), "--paper", "平湖日报", "--engine", "espeak", "--out", str(out), "--quiet"]
        _one_line_error(CliRunner().invoke(cli, args), f"another build (pid {holder.pid}) is writing")
        _one_line_error(_feed_cli("--out", str(out)), f"pid {holder.pid}")
        assert snapshot(out) == before
    finally:
        holder.communicate("")
    assert _feed_cli("--out", str(out)).exit_code == 0  # released when its holder ends


def test_a_killed_holder_leaves_no_lock(out: Path) -> None:
    code = f"from audiopaper.publish.outdir import locked\nfrom pathlib import Path\nimport os\nwith locked(Path({str(out)!r})):\n    os._exit(9)"  # noqa: E501
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 9
    assert (out / LOCK).exists()
    assert _feed_cli("--out", str(out)).exit_code == 0


# -- 13: publishing is one step --------------------------------------------------------------


def _enclosure_lengths_match(out: Path) -> None:
    for enclosure in _feed(out).xpath("//item/enclosure"):
        path = out / enclosure.get("url")[len(BASE_URL) :]
        assert int(enclosure.get("length")) == path.stat().st_size


def test_killed_after_the_commit_the_next_command_completes_it(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (out / "2024-05-18" / "edition.mp3").write_bytes((out / "2024-05-18" / "edition.mp3").read_bytes() * 3)
    real_replace = os.replace
    calls = {"n": 0}

    def dies_midway(src, dst):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:  # the journal's own rename, then one file: then the process "dies"
            raise KeyboardInterrupt
        return real_replace(src, dst)

    monkeypatch.setattr(outdir.os, "replace", dies_midway)
    monkeypatch.setattr(fsutil.os, "replace", dies_midway)
    result = _feed_cli("--out", str(out))
    assert result.exit_code == 1  # interrupted
    assert (out / JOURNAL).exists()
    monkeypatch.undo()
    assert _feed_cli("--out", str(out)).exit_code == 0
    assert not (out / JOURNAL).exists()
    _enclosure_lengths_match(out)
    assert not [p for p in out.rglob("*") if p.name.startswith(".") and p.name != LOCK]


def test_a_full_disk_while_publishing_changes_nothing(out: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = snapshot(out)
    real = fsutil.atomic_write_bytes

    def full(path: Path, data: bytes) -> None:
        if path.name == "index.html":  # the feeds are written, the pages find the disk full
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(path, data)

    monkeypatch.setattr(fsutil, "atomic_write_bytes", full)  # atomic_write_text's, the pages'
    monkeypatch.setattr(sys.modules["audiopaper.publish.feed"], "atomic_write_bytes", full)
    result = _feed_cli("--out", str(out), "--base-url", BASE_URL)
    _one_line_error(result, "No space left on device", "nothing there was changed")
    assert snapshot(out) == before
    assert not [p for p in out.rglob("*") if p.name.startswith(".") and p.name != LOCK]


def test_a_build_is_published_whole(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["build", str(SHORT), "--engine", "espeak", "--out", str(out), "--quiet", "--base-url", BASE_URL]
    assert CliRunner().invoke(cli, args).exit_code == 0
    _enclosure_lengths_match(out)
    assert json.loads((out / IDENTITY).read_text("utf-8")) == {"paper": "临溪日报", "base_url": BASE_URL}


def test_artwork_replaced_by_another_format_goes_only_with_the_publication(
    out: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PIL import Image

    for kind in ("PNG", "JPEG"):
        Image.new("RGB", (1400, 1400), "navy").save(tmp_path / f"art.{kind.lower()}", kind)
    config = tmp_path / "art.toml"
    config.write_text(f"[feed]\nimage = '{tmp_path / 'art.png'}'\n", encoding="utf-8")
    assert _feed_cli("--out", str(out), "--config", str(config)).exit_code == 0
    assert (out / "artwork.png").exists()
    before = snapshot(out)
    config.write_text(f"[feed]\nimage = '{tmp_path / 'art.jpeg'}'\n", encoding="utf-8")
    real = fsutil.atomic_write_bytes

    def full(path: Path, data: bytes) -> None:
        if path.name == "index.html":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(path, data)

    monkeypatch.setattr(fsutil, "atomic_write_bytes", full)
    monkeypatch.setattr(sys.modules["audiopaper.publish.feed"], "atomic_write_bytes", full)
    _one_line_error(_feed_cli("--out", str(out), "--config", str(config)), "nothing there was changed")
    assert snapshot(out) == before  # the feed's artwork.png is still there
    monkeypatch.undo()
    assert _feed_cli("--out", str(out), "--config", str(config)).exit_code == 0
    assert (out / "artwork.jpg").exists() and not (out / "artwork.png").exists()
