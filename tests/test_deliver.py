"""`audiopaper deliver`: an edition's clips at a station, as its playout system receives
them: files in a drop folder with sidecars an importer parses, a playlist Liquidsoap plays,
and uploads checked by loopback stand-ins for AzuraCast's and LibreTime's APIs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from xml.etree import ElementTree

import pytest
from click.testing import CliRunner, Result

from audiopaper.cli import cli
from audiopaper.deliver.base import Clip
from audiopaper.deliver.folder import json_sidecar, rdxml
from audiopaper.deliver.liquidsoap import annotate
from audiopaper.publish.manifest import load_manifest
from audiopaper.settings import load_settings
from tests.conftest import decoded_seconds, snapshot
from tests.fake_stations import AzuraCast, LibreTime, serving
from tests.publish_fixtures import HOSTILE_TITLE, TITLES, make_edition

DATE = "2024-05-18"
KEY = "s3cr3t-key"


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env)


def edition(tmp_path: Path, date: str = DATE, titles: tuple[str, ...] = TITLES) -> Path:
    out = tmp_path / "out"
    make_edition(out, date, titles=titles)
    return out


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "audiopaper.toml"
    path.write_text(text, encoding="utf-8")
    return path


def deliver(out: Path, cfg: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return run("deliver", *args, "--out", str(out), "--config", str(cfg), env=env)


def one_line_error(result: Result) -> str:
    """The error a user sees: exit 1, one line, no traceback."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    return errors[0]


# -- drop folder ---------------------------------------------------------------------------


def test_folder_json_sidecars_carry_what_a_station_files_clips_under(tmp_path: Path):
    out = edition(tmp_path)
    drop = tmp_path / "drop"
    drop.mkdir()
    cfg = config(tmp_path, f'[deliver.station]\ntype = "folder"\npath = "{drop}"\nexpire_days = 2\ntranscript = true\n')
    result = deliver(out, cfg)
    assert result.exit_code == 0, result.output
    manifest = load_manifest(out / DATE)
    audio = sorted(drop.glob("*.mp3"))
    assert [p.name for p in audio] == [f"{DATE}-{c.file.split('/')[-1]}" for c in manifest.clips]
    for clip, mp3 in zip(manifest.clips, audio, strict=True):
        assert mp3.read_bytes() == (out / DATE / clip.file).read_bytes()
        assert decoded_seconds(mp3) == pytest.approx(1.0, abs=0.1)
        side = json.loads(mp3.with_suffix(".json").read_text(encoding="utf-8"))
        assert side["file"] == mp3.name
        assert side["title"] == clip.title
        assert side["credits"] == "记者 张三、通讯员 李四"
        assert side["paper"] == "平湖日报" and side["date"] == DATE
        assert side["duration"] == clip.duration_ms / 1000
        assert side["loudness_lufs"] == clip.lufs
        assert side["starts"] == f"{DATE}T00:00:00"
        assert side["expires"] == "2024-05-19T23:59:59"  # two days on air
        assert mp3.with_suffix(".vtt").read_bytes() == (out / DATE / str(clip.vtt)).read_bytes()
    assert "station: 3 of 3 clips of 2024-05-18 delivered" in result.output


def test_folder_rdxml_is_what_rdimport_reads_and_expires_the_next_day(tmp_path: Path):
    out = edition(tmp_path, titles=(*TITLES, HOSTILE_TITLE))
    drop = tmp_path / "drop"
    drop.mkdir()
    cfg = config(
        tmp_path,
        f'[deliver.rivendell]\ntype = "folder"\npath = "{drop}"\nsidecar = "rdxml"\n'
        'pattern = "{nn}_{title}"\ngroup = "NEWS"\ncart_start = 100001\n',
    )
    result = deliver(out, cfg)
    assert result.exit_code == 0, result.output
    sidecars = sorted(drop.glob("*.xml"))
    assert len(sidecars) == 4
    for n, (xml, title) in enumerate(zip(sidecars, (*TITLES, HOSTILE_TITLE), strict=True), 1):
        # rdimport --xml reads BASENAME.xml beside BASENAME.mp3
        assert xml.with_suffix(".mp3").is_file()
        assert "/" not in xml.stem and not xml.name.startswith(".")
        text = xml.read_text(encoding="utf-8")
        cart = ElementTree.fromstring(text.encode())
        assert cart.tag == "cart"
        assert cart.findtext("number") == str(100000 + n)
        assert cart.findtext("groupName") == "NEWS"
        assert cart.findtext("artist") == "记者 张三、通讯员 李四"
        assert cart.findtext("album") == "平湖日报 2024-05-18 有声版"
        expected_title = " ".join("".join(" " if not ch.isprintable() else ch for ch in title).split())
        assert cart.findtext("title") == expected_title
        cut = cart.find("cutList/cut")
        assert cut is not None
        assert cut.findtext("startDatetime") == "2024-05-18T00:00:00"
        assert cut.findtext("endDatetime") == "2024-05-18T23:59:59"  # yesterday's news expires by itself
        assert cut.findtext("evergreen") == "false"
        # Rivendell's reader (RDCart::readXml) goes a line at a time: the structural tags
        # stand alone on their lines and every value opens and closes on one line.
        lines = [line.strip() for line in text.splitlines()]
        for tag in ("<cart>", "<cutList>", "<cut>", "</cut>", "</cutList>", "</cart>"):
            assert tag in lines
        for line in lines[2:]:
            if line.count("<") == 2:
                name = line[1 : line.index(">")]
                assert line.endswith(f"</{name}>")


def test_delivering_again_replaces_and_a_rebuild_takes_back_what_it_dropped(tmp_path: Path):
    out = edition(tmp_path)
    drop = tmp_path / "drop"
    drop.mkdir()
    cfg = config(tmp_path, f'[deliver.station]\ntype = "folder"\npath = "{drop}"\n')
    assert deliver(out, cfg).exit_code == 0
    first = snapshot(drop)
    assert deliver(out, cfg, DATE).exit_code == 0
    assert snapshot(drop) == first  # the same files, no second copy
    # A rebuild that lost its third article: its clip and sidecar go from the drop folder.
    shutil.rmtree(out / DATE)
    make_edition(out, DATE, titles=TITLES[:2])
    result = deliver(out, cfg)
    assert result.exit_code == 0, result.output
    assert sorted(snapshot(drop)) == sorted(name for name in first if "-03-" not in name)
    assert "1 taken back" in result.output


def test_the_next_edition_takes_the_expired_one_back(tmp_path: Path):
    out = edition(tmp_path)
    drop = tmp_path / "drop"
    drop.mkdir()
    cfg = config(tmp_path, f'[deliver.station]\ntype = "folder"\npath = "{drop}"\n')
    assert deliver(out, cfg).exit_code == 0
    make_edition(out, "2024-05-19")
    assert deliver(out, cfg).exit_code == 0  # the newest edition, by default
    names = sorted(p.name for p in drop.iterdir())
    assert len(names) == 6 and all(name.startswith("2024-05-19-") for name in names)
    state = json.loads((out / ".delivered.json").read_text(encoding="utf-8"))
    assert list(state["targets"]["station"]["editions"]) == ["2024-05-19"]


def test_an_importer_that_took_the_files_is_no_failure(tmp_path: Path):
    out = edition(tmp_path)
    drop = tmp_path / "drop"
    drop.mkdir()
    cfg = config(tmp_path, f'[deliver.station]\ntype = "folder"\npath = "{drop}"\n')
    assert deliver(out, cfg).exit_code == 0
    for path in drop.iterdir():  # rdimport --drop-box deletes what it imported
        path.unlink()
    make_edition(out, "2024-05-19")
    result = deliver(out, cfg)
    assert result.exit_code == 0, result.output
    assert len(list(drop.glob("*.mp3"))) == 3


# -- Liquidsoap ----------------------------------------------------------------------------

LIQ_SCRIPT = """
{root}
settings.log.stdout.set(false)
settings.log.file.set(false)
s = playlist(mode="normal", reload_mode="never", loop=false, "{playlist}")
s.on_track(fun (m) -> print("TRACK\\t" ^ m["tracknumber"] ^ "\\t" ^ m["title"] ^ "\\t" ^ m["artist"]))
output.dummy(fallible=true, clock(sync="none", s))
"""


def test_liquidsoap_plays_the_delivered_playlist_in_order_with_titles(tmp_path: Path):
    liquidsoap = shutil.which("liquidsoap")
    if liquidsoap is None:
        pytest.skip("liquidsoap is not installed (on Debian: apt-get install liquidsoap)")
    titles = (*TITLES, HOSTILE_TITLE)
    out = tmp_path / "paper site: 2024"  # a space and a colon in the clips' paths
    make_edition(out, DATE, titles=titles)
    playlist = tmp_path / "radio" / "news.m3u"
    playlist.parent.mkdir()
    cfg = config(tmp_path, f'[deliver.liq]\ntype = "liquidsoap"\npath = "{playlist}"\n')
    result = deliver(out, cfg)
    assert result.exit_code == 0, result.output
    script = tmp_path / "play.liq"
    root = "settings.init.allow_root.set(true)" if os.geteuid() == 0 else ""
    script.write_text(LIQ_SCRIPT.format(root=root, playlist=playlist), encoding="utf-8")
    # Liquidsoap runs until stopped: read what it played until every clip has started.
    process = subprocess.Popen(
        [liquidsoap, str(script)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, encoding="utf-8"
    )
    played: list[list[str]] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("TRACK\t"):
                played.append(line.rstrip("\n").split("\t")[1:])
                if len(played) == len(titles):
                    break
    finally:
        process.kill()
        process.wait(timeout=30)
    flat = [" ".join("".join(ch if ch.isprintable() else " " for ch in t).split()) for t in titles]
    assert played == [[str(n), title, "记者 张三、通讯员 李四"] for n, title in enumerate(flat, 1)]


def test_liquidsoap_playlist_is_rewritten_not_appended(tmp_path: Path):
    out = edition(tmp_path)
    playlist = tmp_path / "news.m3u8"
    cfg = config(tmp_path, f'[deliver.liq]\ntype = "liquidsoap"\npath = "{playlist}"\n')
    assert deliver(out, cfg).exit_code == 0
    assert deliver(out, cfg).exit_code == 0
    entries = [line for line in playlist.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    assert len(entries) == 3
    assert all(line.startswith("annotate:title=") and line.endswith(".mp3") for line in entries)
    make_edition(out, "2024-05-19", titles=TITLES[:1])
    assert deliver(out, cfg).exit_code == 0
    entries = [line for line in playlist.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    assert len(entries) == 1 and "/2024-05-19/clips/" in entries[0]


# -- AzuraCast -----------------------------------------------------------------------------


def azuracast_config(tmp_path: Path, url: str, extra: str = "") -> Path:
    return config(
        tmp_path,
        f'[deliver.az]\ntype = "azuracast"\nurl = "{url}"\nstation = "1"\nplaylist = "本地新闻"\n'
        f"retry_delay_ms = 10\n{extra}",
    )


def test_azuracast_uploads_each_clip_and_puts_it_on_the_playlist_in_order(tmp_path: Path):
    out = edition(tmp_path)
    station = AzuraCast(KEY)
    with serving(station) as url:
        cfg = azuracast_config(tmp_path, url)
        result = deliver(out, cfg, "--to", "az", env={"AUDIOPAPER_AZ_API_KEY": KEY})
        assert result.exit_code == 0, result.output
        manifest = load_manifest(out / DATE)
        on_air = station.playlist(7)
        assert [m["title"] for m in on_air] == list(TITLES)
        for media, clip in zip(on_air, manifest.clips, strict=True):
            assert media["data"] == (out / DATE / clip.file).read_bytes()
            assert media["path"] == f"audiopaper/{DATE}/{clip.file.split('/')[-1]}"
            assert media["artist"] == "记者 张三、通讯员 李四"
            assert media["album"] == "平湖日报 2024-05-18 有声版"
        ids = sorted(station.media)
        # Delivered again (a rebuild): replaced in place, nothing duplicated.
        assert deliver(out, cfg, env={"AUDIOPAPER_AZ_API_KEY": KEY}).exit_code == 0
        assert sorted(station.media) == ids and len(station.playlist(7)) == 3
        # The next day's edition: yesterday's clips are taken off the station.
        make_edition(out, "2024-05-19")
        assert deliver(out, cfg, env={"AUDIOPAPER_AZ_API_KEY": KEY}).exit_code == 0
        assert {m["path"].split("/")[1] for m in station.media.values()} == {"2024-05-19"}
    assert ("GET", "/api/station/1/playlists", 200) in station.log


def test_azuracast_retries_a_busy_server(tmp_path: Path):
    out = edition(tmp_path)
    station = AzuraCast(KEY)
    station.fail["POST /api/station/1/files"] = 2  # two 503s, then it answers
    with serving(station) as url:
        result = deliver(out, azuracast_config(tmp_path, url), env={"AUDIOPAPER_AZ_API_KEY": KEY})
    assert result.exit_code == 0, result.output
    assert len(station.media) == 3
    assert [s for m, p, s in station.log if m == "POST"] == [503, 503, 200, 200, 200]


def test_one_clip_that_fails_is_reported_and_the_others_go_on(tmp_path: Path):
    out = edition(tmp_path)
    feed = out / "feed.xml"
    feed.write_text("<rss/>", encoding="utf-8")
    before = snapshot(out)
    station = AzuraCast(KEY)
    with serving(station) as url:
        cfg = azuracast_config(tmp_path, url)
        # The second clip's metadata is refused every time.
        station.fail["PUT /api/station/1/file/2"] = -1
        result = deliver(out, cfg, env={"AUDIOPAPER_AZ_API_KEY": KEY})
    error = one_line_error(result)
    assert error == "Error: 1 delivery failure(s)"
    assert "failed: deliver.az: 02-" in result.output and "HTTP 500" in result.output
    assert [m["title"] for m in station.playlist(7)] == [TITLES[0], TITLES[2]]
    after = snapshot(out)
    assert after.pop(".delivered.json")
    after.pop(".audiopaper.lock")  # the hold on OUT while delivering
    assert after == before  # the edition and the published feed are untouched


def test_azuracast_without_the_playlist_says_how_to_fix_it(tmp_path: Path):
    out = edition(tmp_path)
    station = AzuraCast(KEY, playlists={3: "Music"})
    with serving(station) as url:
        result = deliver(out, azuracast_config(tmp_path, url), env={"AUDIOPAPER_AZ_API_KEY": KEY})
    assert result.exit_code == 1
    assert "has no playlist named '本地新闻': create it in AzuraCast" in result.output
    assert not station.media


def test_a_wrong_key_is_refused_by_the_station_and_reported(tmp_path: Path):
    out = edition(tmp_path)
    station = AzuraCast(KEY)
    with serving(station) as url:
        result = deliver(out, azuracast_config(tmp_path, url), env={"AUDIOPAPER_AZ_API_KEY": "wrong"})
    assert result.exit_code == 1
    assert "failed: deliver.az: GET /api/station/1/playlists: HTTP 403" in result.output
    assert KEY not in result.output and "wrong" not in result.output


# -- secrets -------------------------------------------------------------------------------


def test_a_key_file_others_can_read_is_refused(tmp_path: Path):
    out = edition(tmp_path)
    key_file = tmp_path / "azuracast.key"
    key_file.write_text(KEY + "\n", encoding="utf-8")
    station = AzuraCast(KEY)
    with serving(station) as url:
        cfg = azuracast_config(tmp_path, url, f'api_key_file = "{key_file}"\n')
        key_file.chmod(0o644)
        result = deliver(out, cfg)
        assert result.exit_code == 1
        assert "can be read by others (mode 644): chmod 600 it" in result.output
        assert not station.media and not station.log  # nothing was sent
        key_file.chmod(0o600)
        result = deliver(out, cfg)
        assert result.exit_code == 0, result.output
        assert len(station.media) == 3


def test_no_key_says_where_to_put_it(tmp_path: Path):
    out = edition(tmp_path)
    cfg = azuracast_config(tmp_path, "http://127.0.0.1:9")
    result = deliver(out, cfg, env={"AUDIOPAPER_AZ_API_KEY": ""})
    assert result.exit_code == 1
    assert "no API key: set $AUDIOPAPER_AZ_API_KEY, or name a file only you can read" in result.output


def test_a_key_in_the_config_is_refused(tmp_path: Path):
    cfg = azuracast_config(tmp_path, "http://127.0.0.1:9", f'api_key = "{KEY}"\n')
    error = one_line_error(deliver(edition(tmp_path), cfg))
    assert "no secrets in the config" in error and "$AUDIOPAPER_AZ_API_KEY" in error
    assert KEY not in error


def test_deliver_takes_no_key_on_the_command_line():
    result = run("deliver", "--api-key", KEY)
    assert result.exit_code == 2 and "No such option" in result.output


# -- LibreTime -----------------------------------------------------------------------------


def test_libretime_uploads_multipart_with_basic_auth_and_replaces_on_a_rebuild(tmp_path: Path):
    out = edition(tmp_path)
    station = LibreTime(KEY)
    with serving(station) as url:
        cfg = config(tmp_path, f'[deliver.lt]\ntype = "libretime"\nurl = "{url}/"\napi_key_env = "LT_KEY"\n')
        result = deliver(out, cfg, env={"LT_KEY": KEY})
        assert result.exit_code == 0, result.output
        manifest = load_manifest(out / DATE)
        assert [f["name"] for f in station.files.values()] == [c.file.split("/")[-1] for c in manifest.clips]
        sent = [f["data"] for f in station.files.values()]
        assert sent == [(out / DATE / c.file).read_bytes() for c in manifest.clips]
        # Delivered again: every upload makes a new file, and the one it replaces is deleted.
        assert deliver(out, cfg, env={"LT_KEY": KEY}).exit_code == 0
        assert sorted(station.files) == [4, 5, 6]
        assert [s for m, _, s in station.log if m == "DELETE"] == [204, 204, 204]


# -- configuration -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('path = "x"\n', "type must be one of folder, azuracast, libretime, liquidsoap"),
        ('type = "ftp"\n', "type must be one of folder, azuracast, libretime, liquidsoap, not 'ftp'"),
        ('type = "folder"\n', "deliver.s: path is required"),
        ('type = "folder"\npath = "d"\ncolour = 1\n', "unknown setting 'colour'"),
        ('type = "folder"\npath = "d"\nexpire_days = "2"\n', "deliver.s.expire_days must be int"),
        ('type = "folder"\npath = "d"\nexpire_days = 0\n', "expire_days must be at least 1"),
        ('type = "folder"\npath = "d"\nsidecar = "xml"\n', "sidecar must be one of json, rdxml, none"),
        ('type = "folder"\npath = "d"\npattern = "{slug}"\n', "pattern must hold {nn} or {index}"),
        ('type = "folder"\npath = "d"\npattern = "{nn}-{artist}"\n', "unknown field {artist}"),
        ('type = "folder"\npath = "d"\npattern = "a/{nn}"\n', "pattern is a file name"),
        ('type = "liquidsoap"\npath = "news.txt"\n', "must end in .m3u or .m3u8"),
        ('type = "azuracast"\nurl = "radio.example.org"\nstation = "1"\nplaylist = "p"\n', "url must be an http(s)"),
        ('type = "libretime"\n', "deliver.s: url is required"),
    ],
)
def test_bad_target_config_is_one_line(tmp_path: Path, table: str, message: str):
    cfg = config(tmp_path, "[deliver.s]\n" + table)
    error = one_line_error(deliver(edition(tmp_path), cfg))
    assert message in error
    # Any command reading the config names it, before a build spends time on speech.
    assert message in one_line_error(run("config", "--config", str(cfg)))


def test_unknown_target_and_no_targets_are_one_line(tmp_path: Path):
    out = edition(tmp_path)
    cfg = config(tmp_path, f'[deliver.station]\ntype = "folder"\npath = "{tmp_path}"\n')
    assert "no delivery target named 'radio' in the config (configured: station)" in one_line_error(
        deliver(out, cfg, "--to", "radio")
    )
    assert "no edition 2024-01-01" in one_line_error(deliver(out, cfg, "2024-01-01"))
    assert "'yesterday': expected YYYY-MM-DD" in one_line_error(deliver(out, cfg, "yesterday"))
    empty = config(tmp_path, 'paper = "平湖日报"\n')
    assert "no delivery target configured" in one_line_error(deliver(out, empty))


def test_deliver_with_no_edition_in_out(tmp_path: Path):
    cfg = config(tmp_path, f'[deliver.station]\ntype = "folder"\npath = "{tmp_path}"\n')
    (tmp_path / "out").mkdir()
    assert "no edition in" in one_line_error(deliver(tmp_path / "out", cfg))


def test_config_prints_targets_as_toml_that_reads_back(tmp_path: Path):
    cfg = config(
        tmp_path,
        '[deliver.station]\ntype = "folder"\npath = "/srv/drop"\nsidecar = "rdxml"\ncart_start = 100001\n'
        '[deliver.az]\ntype = "azuracast"\nurl = "https://radio.example.org"\nstation = "news"\n'
        'playlist = "早间新闻"\n',
    )
    result = run("config", "--config", str(cfg))
    assert result.exit_code == 0, result.output
    again = tmp_path / "again.toml"
    again.write_text(result.output, encoding="utf-8")
    assert load_settings(again).deliver == load_settings(cfg).deliver


# -- at the end of build -------------------------------------------------------------------


def test_build_delivers_to_the_configured_targets_after_publishing(tmp_path: Path):
    from tests.conftest import SHORT

    drop = tmp_path / "drop"
    drop.mkdir()
    cfg = config(
        tmp_path,
        f'[deliver.station]\ntype = "folder"\npath = "{drop}"\n'
        f'[deliver.broken]\ntype = "folder"\npath = "{tmp_path / "missing"}"\n'
        f'[deliver.later]\ntype = "folder"\npath = "{tmp_path / "missing"}"\nafter_build = false\n',
    )
    out = tmp_path / "out"
    result = run("build", str(SHORT), "--engine", "espeak", "--date", DATE, "--out", str(out), "--config", str(cfg))
    # Published whatever the stations make of it; a target that failed makes the exit 1.
    assert one_line_error(result) == "Error: 1 delivery failure(s); the edition is published"
    assert f"failed: deliver.broken: no such folder {tmp_path / 'missing'}" in result.output
    manifest = load_manifest(out / DATE)
    assert (out / "feed.xml").is_file() and manifest.complete
    assert len(list(drop.glob("*.mp3"))) == len(manifest.clips) > 0
    assert f"station: {len(manifest.clips)} of {len(manifest.clips)} clips of {DATE} delivered" in result.output
    assert "later" not in json.loads((out / ".delivered.json").read_text(encoding="utf-8"))["targets"]


def test_an_unreadable_delivery_record_stops_before_anything_is_sent(tmp_path: Path):
    out = edition(tmp_path)
    drop = tmp_path / "drop"
    drop.mkdir()
    (out / ".delivered.json").write_text("{not json", encoding="utf-8")
    cfg = config(tmp_path, f'[deliver.station]\ntype = "folder"\npath = "{drop}"\n')
    error = one_line_error(deliver(out, cfg))
    assert ".delivered.json is unreadable" in error and "could duplicate clips" in error
    assert not list(drop.iterdir())
    assert (out / ".delivered.json").read_text(encoding="utf-8") == "{not json"


def test_a_missing_drop_folder_is_one_failure_saying_how_to_fix_it(tmp_path: Path):
    out = edition(tmp_path)
    cfg = config(tmp_path, f'[deliver.station]\ntype = "folder"\npath = "{tmp_path / "nowhere"}"\n')
    result = deliver(out, cfg)
    assert result.exit_code == 1
    assert f"failed: deliver.station: no such folder {tmp_path / 'nowhere'}: create it" in result.output


def test_a_station_that_does_not_answer_stops_its_target_after_one_clip(tmp_path: Path):
    import socket

    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = edition(tmp_path)
    cfg = config(
        tmp_path, f'[deliver.lt]\ntype = "libretime"\nurl = "http://127.0.0.1:{port}"\ntries = 2\nretry_delay_ms = 10\n'
    )
    result = deliver(out, cfg, env={"AUDIOPAPER_LT_API_KEY": KEY})
    assert result.exit_code == 1
    failures = [line for line in result.output.splitlines() if line.startswith("failed:")]
    assert failures == [
        f"failed: deliver.lt: 01-quan-shi-qiu-liang-shou-gou-gong-zuo-quan-mian.mp3: POST /rest/media: "
        f"no answer from http://127.0.0.1:{port} (Connection refused)",
        "failed: deliver.lt: the station does not answer: 2 more clip(s) not sent",
    ]


# -- golden: the text each station reads ----------------------------------------------------

GOLDEN = Path(__file__).parent / "golden" / "delivery"


def golden_clip() -> Clip:
    import datetime as dt

    return Clip(
        index=4,
        title=HOSTILE_TITLE,
        credits="记者 张三、通讯员 李四",
        paper="平湖日报",
        date=DATE,
        duration_ms=83412,
        lufs=-23.08,
        path=Path("/srv/site") / DATE / "clips" / "04-script-alert.mp3",
        vtt=None,
        starts=dt.datetime(2024, 5, 18, 0, 0, 0),
        expires=dt.datetime(2024, 5, 19, 23, 59, 59),
    )


@pytest.mark.parametrize(
    ("golden", "render"),
    [
        ("rdxml.xml", lambda c: rdxml(c, {"group": "NEWS", "cart_start": 100001})),
        ("sidecar.json", lambda c: json_sidecar(c, "2024-05-18-04-script-alert.mp3")),
        ("annotate.txt", lambda c: annotate(c) + "\n"),
    ],
)
def test_what_stations_read_matches_the_golden_file(golden: str, render):
    assert render(golden_clip()) == (GOLDEN / golden).read_text(encoding="utf-8")


def test_a_clip_the_station_will_not_give_back_is_a_failure_and_is_tried_again(tmp_path: Path):
    out = edition(tmp_path)
    station = AzuraCast(KEY)
    env = {"AUDIOPAPER_AZ_API_KEY": KEY}
    with serving(station) as url:
        cfg = azuracast_config(tmp_path, url)
        assert deliver(out, cfg, env=env).exit_code == 0
        make_edition(out, "2024-05-19")
        station.fail["DELETE /api/station/1/file/1"] = -1  # yesterday's first clip sticks
        result = deliver(out, cfg, env=env)
        assert one_line_error(result) == "Error: 1 delivery failure(s)"
        assert "failed: deliver.az: 2024-05-18 01-quan-shi" in result.output and "not taken back" in result.output
        assert len(station.playlist(7)) == 4  # today's three, and the one that stuck
        del station.fail["DELETE /api/station/1/file/1"]
        result = deliver(out, cfg, env=env)
        assert result.exit_code == 0, result.output
        assert {m["path"].split("/")[1] for m in station.playlist(7)} == {"2024-05-19"}


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        ({"date": "2024-05-32"}, "date: '2024-05-32' is not a date YYYY-MM-DD"),
        ({"clips": [{"index": "1"}]}, "clips[0].index: expected int, got str"),
    ],
)
def test_a_damaged_manifest_is_named_before_anything_is_sent(tmp_path: Path, damage: dict, named: str):
    out = edition(tmp_path)
    path = out / DATE / "manifest.json"
    path.write_text(json.dumps({**json.loads(path.read_text("utf-8")), **damage}), encoding="utf-8")
    drop = tmp_path / "drop"
    drop.mkdir()
    result = deliver(out, config(tmp_path, f'[deliver.station]\ntype = "folder"\npath = "{drop}"\n'))
    assert one_line_error(result) == f"Error: cannot deliver: {DATE}/manifest.json is unreadable ({named})"
    assert not any(drop.iterdir())
