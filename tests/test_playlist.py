"""The edition's playlists as radio automation reads them: absolute URLs in playlist.m3u8 once
the public base URL is known (Liquidsoap reads a relative path in a playlist fetched over
HTTP as a local file), relative paths in playlist-local.m3u8 for a copy on disk."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from audiopaper.cli import cli
from audiopaper.publish.catalog import editions
from audiopaper.publish.feed import url_for
from audiopaper.publish.serve import running
from audiopaper.publish.site import rebuild
from audiopaper.settings import Settings
from tests.publish_fixtures import BASE_URL, HOSTILE_TITLE, TITLES, make_edition, make_out

DATE = "2024-05-18"
# Unicode's Bidi_Control characters: marks, embeddings, overrides, isolates.
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def entries(path: Path) -> list[tuple[str, str]]:
    """(title, location) of every entry, checking the extended M3U shape on the way."""
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "#EXTM3U" and lines[-1] == ""
    body = lines[1:-1]
    assert len(body) % 2 == 0, body
    found = []
    for extinf, location in zip(body[::2], body[1::2], strict=True):
        match = re.fullmatch(r"#EXTINF:(\d+),(.*)", extinf)
        assert match and not location.startswith("#"), (extinf, location)
        found.append((match[2], location))
    return found


def test_known_base_url_gives_absolute_urls_and_a_local_copy(tmp_path: Path) -> None:
    out = make_out(tmp_path / "out", (DATE,))
    settings = Settings(base_url=BASE_URL)
    rebuild(out, settings)
    (edition,) = editions(out)
    published = entries(out / DATE / "playlist.m3u8")
    local = entries(out / DATE / "playlist-local.m3u8")
    assert [t for t, _ in published] == [t for t, _ in local] == list(TITLES)
    assert [u for _, u in published] == [url_for(settings, a.audio) for a in edition.articles]
    assert all(u.startswith(BASE_URL) for _, u in published)
    for _, path in local:  # relative to the edition folder, as a copy on disk needs
        assert not path.startswith(("/", "http")) and (out / DATE / path).is_file()


def test_without_a_base_url_both_playlists_are_relative(tmp_path: Path) -> None:
    out = make_out(tmp_path / "out", (DATE,))
    rebuild(out, Settings())  # the built-in placeholder base URL is no address to fetch from
    text = (out / DATE / "playlist.m3u8").read_text("utf-8")
    assert text == (out / DATE / "playlist-local.m3u8").read_text("utf-8")
    assert all((out / DATE / path).is_file() for _, path in entries(out / DATE / "playlist.m3u8"))


def test_a_new_base_url_reaches_every_editions_playlist(tmp_path: Path) -> None:
    out = make_out(tmp_path / "out", ("2024-05-17", DATE))
    rebuild(out, Settings(base_url=BASE_URL))
    moved = "https://audio.example.net/pinghu/"
    result = CliRunner().invoke(cli, ["feed", "--out", str(out), "--base-url", moved, "--change-base-url"])
    assert result.exit_code == 0, result.output
    for date in ("2024-05-17", DATE):
        assert all(url.startswith(f"{moved}{date}/clips/") for _, url in entries(out / date / "playlist.m3u8"))


def test_titles_lose_bidi_and_control_characters_and_stay_on_one_line(tmp_path: Path) -> None:
    out = tmp_path / "out"
    titles = ("\u202e反向标题\u202c正常\u200f", "两行\n标题\u2066隔离\u2069\u061c\u200e", HOSTILE_TITLE)
    make_edition(out, DATE, titles=titles)
    rebuild(out, Settings(base_url=BASE_URL))
    for name in ("../feed.xml", "../articles.xml", "index.html"):  # as the feeds and pages have it
        assert not BIDI.search((out / DATE / name).read_text("utf-8")), name
    for name in ("playlist.m3u8", "playlist-local.m3u8"):
        text = (out / DATE / name).read_text("utf-8")
        assert not BIDI.search(text) and not re.search("[\x00-\x08\x0b-\x1f\x7f]", text)
        found = entries(out / DATE / name)
        assert [t for t, _ in found][:2] == ["反向标题正常", "两行 标题隔离"]


PUBLIC_URL = "https://radio.pinghu.cn/audio/"  # an address the internet reaches, unlike *.example


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Result]:
    """A two-article edition built with espeak for a public base URL, one title carrying a
    right-to-left override."""
    root = tmp_path_factory.mktemp("built")
    edition = {
        "paper": "临溪日报",
        "date": DATE,
        "articles": [
            {"page": 1, "kind": "news", "title": "\u202e倒读的标题", "paragraphs": ["第一段。"]},
            {"page": 1, "kind": "news", "title": "第二篇", "paragraphs": ["第二段。"]},
        ],
    }
    source = root / "edition.json"
    source.write_text(json.dumps(edition, ensure_ascii=False), encoding="utf-8")
    out = root / "out"
    args = ["build", str(source), "--engine", "espeak", "--out", str(out), "--quiet", "--base-url", PUBLIC_URL]
    return out, CliRunner().invoke(cli, args)


def test_a_build_writes_both_playlists(built: tuple[Path, Result]) -> None:
    out, result = built
    assert result.exit_code == 0, result.output
    published = entries(out / DATE / "playlist.m3u8")
    local = entries(out / DATE / "playlist-local.m3u8")
    clips = sorted((out / DATE / "clips").glob("*.mp3"))
    assert [u for _, u in published] == [f"{PUBLIC_URL}{DATE}/clips/{c.name}" for c in clips]
    assert [p for _, p in local] == [f"clips/{c.name}" for c in clips]
    assert [t for t, _ in published] == ["倒读的标题", "第二篇"]


def test_a_public_build_with_the_placeholder_email_warns(built: tuple[Path, Result]) -> None:
    _, result = built
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "audio@example.invalid" in warnings[0] and "[feed]" in warnings[0]
    assert PUBLIC_URL in warnings[0]


def test_published_urls_fetch_the_clips(tmp_path: Path) -> None:
    out = make_out(tmp_path / "out", (DATE,))
    with running(out) as srv:
        rebuild(out, Settings(base_url=srv.url))
        for _, url in entries(out / DATE / "playlist.m3u8"):
            with urllib.request.urlopen(url, timeout=10) as resp:
                assert resp.status == 200 and resp.read()[:3] in (b"ID3", b"\xff\xf3", b"\xff\xfb")


LIQUIDSOAP_SCRIPT = """
settings.log.stdout.set(true)
settings.log.file.set(false)
settings.init.allow_root.set(true)
s = playlist(mode="normal", reload_mode="never", "{url}")
s.on_track(fun (m) -> print("TRACK #{{m['initial_uri']}}"))
output.dummy(fallible=true, s)
thread.run(delay={seconds}, shutdown)
"""


def test_liquidsoap_plays_the_published_playlist_from_its_url(tmp_path: Path) -> None:
    liquidsoap = shutil.which("liquidsoap")
    if liquidsoap is None:
        pytest.skip("liquidsoap is not installed (apt-get install liquidsoap)")
    out = tmp_path / "out"
    make_edition(out, DATE, seconds=0.5)
    with running(out) as srv:
        rebuild(out, Settings(base_url=srv.url))
        script = tmp_path / "play.liq"
        url = f"{srv.url}{DATE}/playlist.m3u8"
        script.write_text(LIQUIDSOAP_SCRIPT.format(url=url, seconds=0.5 * len(TITLES) + 0.3), encoding="utf-8")
        # Run elsewhere than OUT: a relative path must not happen to resolve from the cwd.
        done = subprocess.run(
            [liquidsoap, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
        )
    # Liquidsoap names a track by its URI, after the #EXTINF's annotations.
    played = re.findall(r"^TRACK .*?(http://\S+)$", done.stdout, re.M)
    expected = [url for _, url in entries(out / DATE / "playlist.m3u8")]
    assert played[: len(expected)] == expected, done.stdout[-3000:]
