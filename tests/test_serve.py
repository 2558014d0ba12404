"""The preview server, over real HTTP: range requests as players make them, content types,
and nothing outside OUT reachable however the path is spelled."""

from __future__ import annotations

import http.client
import logging
import socket
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from audiopaper.publish.feed import write_feed
from audiopaper.publish.page import write_pages
from audiopaper.publish.serve import Running, Unsatisfiable, make_server, parse_range, start
from audiopaper.settings import Settings
from tests.publish_fixtures import BASE_URL, make_out

DATE = "2024-05-18"
AUDIO = f"/{DATE}/edition.mp3"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Running]]:
    root = tmp_path_factory.mktemp("serve")
    out = make_out(root / "out", (DATE,))
    settings = Settings(base_url=BASE_URL)
    write_feed(out, settings)
    write_pages(out, settings)
    (root / "secret.txt").write_text("secret", encoding="utf-8")
    (out / "escape.txt").symlink_to(root / "secret.txt")
    (out / "escape-dir").symlink_to(root, target_is_directory=True)
    (out / "inner.mp3").symlink_to(out / DATE / "edition.mp3")  # a link inside OUT is fine
    (out / ".staging-2024-05-19-1").mkdir()
    (out / ".staging-2024-05-19-1" / "edition.mp3").write_bytes(b"half")
    (out / "empty").mkdir()
    (out / "nothing.mp3").write_bytes(b"")
    srv = start(out)
    try:
        yield out, srv
    finally:
        srv.stop()


def request(
    srv: Running, path: str, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        # skip_host etc. are not needed: http.client sends the path exactly as given.
        conn.request(method, path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def raw_request(srv: Running, line: str) -> bytes:
    """A request line sent byte for byte, as an attacker would, bypassing any client quoting."""
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
        sock.sendall(f"{line}\r\nHost: x\r\nConnection: close\r\n\r\n".encode("latin-1"))
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_binds_to_loopback_on_a_free_port(site: tuple[Path, Running]) -> None:
    _, srv = site
    assert srv.server.server_address[0] == "127.0.0.1" and srv.port > 0
    assert srv.url == f"http://127.0.0.1:{srv.port}/"


def test_whole_file_with_content_types(site: tuple[Path, Running]) -> None:
    out, srv = site
    expected = {
        AUDIO: "audio/mpeg",
        f"/{DATE}/edition.vtt": "text/vtt",
        f"/{DATE}/chapters.json": "application/json",
        "/feed.xml": "application/rss+xml",
        "/index.html": "text/html",
        "/cover.png": "image/png",
    }
    for path, ctype in expected.items():
        status, headers, body = request(srv, path)
        assert status == 200, path
        assert headers["content-type"].split(";")[0] == ctype
        assert body == (out / path.lstrip("/")).read_bytes()
        assert headers["content-length"] == str(len(body))
        assert headers["accept-ranges"] == "bytes"


def test_folders_serve_their_page_and_never_a_listing(site: tuple[Path, Running]) -> None:
    out, srv = site
    status, _, body = request(srv, "/")
    assert status == 200 and body == (out / "index.html").read_bytes()
    status, _, body = request(srv, f"/{DATE}/")
    assert status == 200 and body == (out / DATE / "index.html").read_bytes()
    status, headers, _ = request(srv, f"/{DATE}")
    assert status == 301 and headers["location"] == f"/{DATE}/"
    assert request(srv, "/empty/")[0] == 404
    assert request(srv, f"/{DATE}/clips/")[0] == 404


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-", 0, None),
        ("bytes=0-99", 0, 99),
        ("bytes=100-199", 100, 199),
        ("bytes=-50", -50, None),
        ("bytes=10-999999", 10, None),
    ],
)
def test_range_requests_answer_206(site: tuple[Path, Running], header: str, first: int, last: int | None) -> None:
    out, srv = site
    data = (out / DATE / "edition.mp3").read_bytes()
    status, headers, body = request(srv, AUDIO, headers={"Range": header})
    assert status == 206
    start = first if first >= 0 else len(data) + first
    end = len(data) - 1 if last is None else last
    assert body == data[start : end + 1]
    assert headers["content-range"] == f"bytes {start}-{end}/{len(data)}"
    assert headers["content-length"] == str(end - start + 1)
    assert headers["accept-ranges"] == "bytes"
    assert headers["content-type"] == "audio/mpeg"


def test_unsatisfiable_range_answers_416(site: tuple[Path, Running]) -> None:
    out, srv = site
    size = (out / DATE / "edition.mp3").stat().st_size
    status, headers, _ = request(srv, AUDIO, headers={"Range": f"bytes={size}-"})
    assert status == 416 and headers["content-range"] == f"bytes */{size}"
    status, headers, _ = request(srv, "/nothing.mp3", headers={"Range": "bytes=0-"})
    assert status == 416 and headers["content-range"] == "bytes */0"


def test_malformed_or_multiple_ranges_get_the_whole_file(site: tuple[Path, Running]) -> None:
    out, srv = site
    data = (out / DATE / "edition.mp3").read_bytes()
    for header in ("bytes=5-2", "bytes=0-1,5-6", "items=0-1", "bytes=abc"):
        status, _, body = request(srv, AUDIO, headers={"Range": header})
        assert status == 200 and body == data, header


def test_head_sends_headers_only(site: tuple[Path, Running]) -> None:
    out, srv = site
    status, headers, body = request(srv, AUDIO, method="HEAD")
    assert status == 200 and body == b""
    assert headers["content-length"] == str((out / DATE / "edition.mp3").stat().st_size)


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E%2Fsecret.txt",
        "/..%2fsecret.txt",
        f"/{DATE}/..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/escape.txt",
        "/escape-dir/secret.txt",
        "/.staging-2024-05-19-1/edition.mp3",
        "/%2estaging-2024-05-19-1/edition.mp3",
        "/feed.xml%00.mp3",
        "/%ff%fe",
        f"/{DATE}/manifest.json/..",
        "//etc/passwd",
        "/etc/passwd",
        "http://evil.example/../secret.txt",
    ],
)
def test_nothing_outside_out_is_reachable(site: tuple[Path, Running], path: str) -> None:
    _, srv = site
    response = raw_request(srv, f"GET {path} HTTP/1.1")
    status = int(response.split(b" ", 2)[1])
    assert status in (400, 404), (path, response[:200])
    assert b"secret" not in response and b"root:" not in response


def test_symlink_within_out_is_served(site: tuple[Path, Running]) -> None:
    out, srv = site
    status, _, body = request(srv, "/inner.mp3")
    assert status == 200 and body == (out / DATE / "edition.mp3").read_bytes()


def test_other_methods_are_refused(site: tuple[Path, Running]) -> None:
    _, srv = site
    for method in ("POST", "PUT", "DELETE"):
        assert request(srv, "/feed.xml", method=method)[0] == 501


def test_parse_range_edges() -> None:
    assert parse_range("bytes=500-100", 100) is None  # invalid (last before first): ignored
    assert parse_range(f"bytes={'9' * 5000}-5", 100) is None
    assert parse_range(f"bytes=1{'0' * 5000}-{'9' * 5000}", 100) is None
    with pytest.raises(Unsatisfiable):
        parse_range(f"bytes={'9' * 5000}-1{'0' * 5000}", 100)
    assert parse_range(f"bytes=0{'0' * 5000}-{'0' * 4999}9", 100) == (0, 9)
    assert parse_range("bytes=0-0", 10) == (0, 0)
    assert parse_range("bytes=-20", 10) == (0, 9)
    assert parse_range("bytes=9-", 10) == (9, 9)
    assert parse_range("bytes=-", 10) is None
    assert parse_range(" bytes=1-2 ", 10) == (1, 2)


def test_start_and_stop_free_the_port(tmp_path: Path) -> None:
    srv = start(tmp_path)
    port = srv.port
    assert request(srv, "/")[0] == 404  # an empty OUT: no page yet, and no listing
    srv.stop()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_serve_blocks_until_stopped_and_reports_its_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from audiopaper.publish import serve as serve_module

    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>x</title>", encoding="utf-8")
    urls: list[str] = []
    servers: list[object] = []
    real_make = serve_module.make_server

    def capture(*args: object, **kwargs: object) -> object:
        server = real_make(*args, **kwargs)  # type: ignore[arg-type]
        servers.append(server)
        return server

    ready = threading.Event()
    thread = threading.Thread(
        target=serve_module.serve,
        args=(tmp_path, 0),
        kwargs={"verbose": False, "on_ready": lambda url: (urls.append(url), ready.set())},
        daemon=True,
    )
    monkeypatch.setattr(serve_module, "make_server", capture)
    thread.start()
    assert ready.wait(10)
    import urllib.request

    with urllib.request.urlopen(urls[0], timeout=10) as resp:
        assert resp.status == 200 and b"<title>x</title>" in resp.read()
    servers[0].shutdown()  # type: ignore[attr-defined]
    thread.join(10)
    assert not thread.is_alive()


# -- hostile and careless clients ------------------------------------------------------------

HUGE = "9" * 5000  # past Python's 4,300-digit limit for int()


@pytest.mark.parametrize(
    ("header", "status", "part"),
    [
        (f"bytes={HUGE}-", 416, None),  # starts past any file's end
        (f"bytes={HUGE}-{HUGE}", 416, None),
        (f"bytes=0-{HUGE}", 206, (0, None)),  # RFC 9110: a last byte past the end is the end
        (f"bytes=-{HUGE}", 206, (0, None)),  # a suffix longer than the file is the whole file
        (f"bytes={'0' * 5000}7-9", 206, (7, 9)),  # leading zeros are still a number
    ],
)
def test_range_with_thousands_of_digits_is_answered(
    site: tuple[Path, Running], header: str, status: int, part: tuple[int, int | None] | None
) -> None:
    out, srv = site
    data = (out / DATE / "edition.mp3").read_bytes()
    got, headers, body = request(srv, AUDIO, headers={"Range": header})
    assert got == status
    if part is None:
        assert headers["content-range"] == f"bytes */{len(data)}"
    else:
        first, last = part[0], len(data) - 1 if part[1] is None else part[1]
        assert body == data[first : last + 1]
        assert headers["content-range"] == f"bytes {first}-{last}/{len(data)}"


def _thread_count() -> int:
    return threading.active_count()


def test_idle_connections_time_out_and_are_bounded(tmp_path: Path) -> None:
    """A client that connects and says nothing is dropped after the idle timeout, and no more
    than `max_connections` are served at once: one more is told 503 at once, not queued."""
    (tmp_path / "index.html").write_text("<!DOCTYPE html><title>x</title>", encoding="utf-8")
    timeout = 2.0
    server = make_server(tmp_path, 0, max_connections=8, idle_timeout=timeout)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    before = _thread_count()
    opened = time.monotonic()
    idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(40)]
    try:
        time.sleep(0.3)
        assert _thread_count() - before <= 8
        # Over the bound: refused with 503 without reading a request, not left hanging.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as extra:
            assert extra.recv(4096).startswith(b"HTTP/1.1 503")
        # Those being served are dropped once idle for the timeout: recv sees the close.
        assert idle[0].recv(1) == b""
        assert timeout - 0.2 <= time.monotonic() - opened < timeout + 3
        deadline = time.monotonic() + 5
        while _thread_count() > before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _thread_count() <= before
        # And the server serves again.
        with socket.create_connection(("127.0.0.1", port), timeout=10) as again:
            again.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            assert again.recv(4096).startswith(b"HTTP/1.1 200")
    finally:
        for sock in idle:
            sock.close()
        server.shutdown()
        server.server_close()
        thread.join(5)


def _reset(sock: socket.socket) -> None:
    """Close as a browser that gave up does: a TCP reset, not a FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


def test_a_client_resetting_its_connection_is_one_debug_line(
    site: tuple[Path, Running], capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    _, srv = site
    caplog.set_level(logging.DEBUG, logger="audiopaper.publish.serve")
    # Reset while the server reads the request, and while it sends a file.
    sock = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    sock.sendall(b"GET /feed.xml HTTP/1.1\r\nHost: x\r\n")
    time.sleep(0.2)
    _reset(sock)
    sock = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(f"GET {AUDIO} HTTP/1.1\r\nHost: x\r\n\r\nGET {AUDIO} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    sock.recv(100)
    _reset(sock)
    deadline = time.monotonic() + 5
    while len(caplog.records) < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    assert "Traceback" not in capsys.readouterr().err
    lines = [r for r in caplog.records if r.name == "audiopaper.publish.serve"]
    assert lines and all(r.levelno == logging.DEBUG and "\n" not in r.getMessage() for r in lines)
    assert any("reset" in r.getMessage().lower() for r in lines)
    assert request(srv, "/feed.xml")[0] == 200  # and the server goes on
