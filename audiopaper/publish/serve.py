"""A small web server for OUT: to preview the page and feed, or to serve a newsroom's LAN.

Players need HTTP range requests to seek in (and on iOS to play at all) an MP3, which
Python's SimpleHTTPRequestHandler does not answer; it also follows symlinks anywhere. This
handler serves GET and HEAD for regular files inside OUT only: no directory listings, no
dotfiles (staging folders, temporary files of atomic writes), nothing a symlink or an
encoded `../` points at outside OUT.

It is also made to survive a careless or hostile network: a connection idle for
IDLE_TIMEOUT seconds is dropped, at most MAX_CONNECTIONS are served at once (one more is
told 503 straight away), and a client that hangs up mid-request is a debug line, not a
traceback.
"""

from __future__ import annotations

import email.utils
import logging
import os
import re
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from audiopaper.publish.layout import INDEX

CONTENT_TYPES = {
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/x-subrip; charset=utf-8",
    ".xml": "application/rss+xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".m3u": "audio/x-mpegurl; charset=utf-8",
    ".m3u8": "application/vnd.apple.mpegurl",
    ".smil": "application/smil+xml; charset=utf-8",  # a DAISY book's synchronisation
    ".zip": "application/zip",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".svg": "image/svg+xml",
    ".ico": "image/vnd.microsoft.icon",
}
CHUNK = 64 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
# Seconds a connection may say nothing (between requests, or within one) before it is
# dropped: browsers keep idle connections open for minutes, and each one holds a thread.
IDLE_TIMEOUT = 20.0
# Connections served at once, each by its own thread. A page with its feed, cover and a few
# players needs six or so per listener; a thousand idle sockets must not become a thousand threads.
MAX_CONNECTIONS = 64
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: 24\r\nConnection: close\r\n\r\n503 Service Unavailable\n"
)

logger = logging.getLogger(__name__)


def content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")


def url_path(target: str) -> str:
    """The decoded path of a request target, without query or fragment."""
    raw = target if target.startswith("/") else urlsplit(target).path  # absolute-form: http://host/x
    return unquote(raw.split("?", 1)[0].split("#", 1)[0], errors="strict")


def resolve(root: Path, path: str) -> Path | None:
    """The file or folder under `root` that the decoded URL `path` names, or None.

    `root` must already be resolved. Every segment is checked after decoding (so %2e%2e and
    %2f are seen for what they are) and the result resolved again, so a symlink leading out
    of OUT is refused like `../`."""
    if "\x00" in path or "\\" in path:
        return None
    segments = [s for s in path.split("/") if s]
    if any(s.startswith(".") for s in segments):  # "..", ".", and every dotfile
        return None
    try:
        target = root.joinpath(*segments).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        return None
    if not target.is_relative_to(root) or not (target.is_file() or target.is_dir()):
        return None
    return target


class Unsatisfiable(ValueError):
    """A Range no byte of the file satisfies: answered with 416."""


def _position(digits: str, size: int) -> int:
    """A byte position as the header spells it, capped just past the file's end: any digits
    beyond that say nothing more, and int() refuses strings over 4,300 digits."""
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= len(str(size)) else size + 1


def _less(a: str, b: str) -> bool:
    """a < b for decimal digit strings of any length, without int()."""
    a, b = a.lstrip("0"), b.lstrip("0")
    return (len(a), a) < (len(b), b)


def parse_range(header: str, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a single satisfiable range, or None to ignore the header and
    send the whole file (malformed, or several ranges, which players never ask for).
    Raises Unsatisfiable when the range starts past the end."""
    match = _RANGE.match(header.strip())
    if not match or (not match[1] and not match[2]):
        return None
    first, last = match[1], match[2]
    if not first:  # suffix: the last N bytes
        n = _position(last, size)
        if n == 0 or size == 0:
            raise Unsatisfiable(header)
        return max(size - n, 0), size - 1
    if last and _less(last, first):
        return None  # RFC 9110: an invalid range is ignored
    start = _position(first, size)
    end = _position(last, size) if last else size - 1
    if start >= size:
        raise Unsatisfiable(header)
    return start, min(end, size - 1)


class Handler(BaseHTTPRequestHandler):
    server_version = "audiopaper"
    protocol_version = "HTTP/1.1"
    root: Path  # set on the subclass made per server
    # The socket's timeout (StreamRequestHandler applies it): a read or write that waits
    # longer ends the connection. Set per server by make_server.
    timeout = IDLE_TIMEOUT

    def log_message(self, format: str, *args: Any) -> None:
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)

    def do_HEAD(self) -> None:
        self._serve(body=False)

    def do_GET(self) -> None:
        self._serve(body=True)

    def _error(self, status: HTTPStatus, headers: dict[str, str] | None = None) -> None:
        body = f"{status.value} {status.phrase}\n".encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _serve(self, body: bool) -> None:
        try:
            wanted_path = url_path(self.path)
        except UnicodeDecodeError:
            self._error(HTTPStatus.NOT_FOUND)
            return
        path = resolve(self.root, wanted_path)
        if path is not None and path.is_dir():
            if not wanted_path.endswith("/"):
                # Relative links in the folder's page only work below its slash.
                self._error(HTTPStatus.MOVED_PERMANENTLY, {"Location": quote(wanted_path) + "/"})
                return
            path = resolve(self.root, wanted_path + INDEX)  # no listings: a folder is its page
        if path is None or not path.is_file():
            self._error(HTTPStatus.NOT_FOUND)
            return
        try:
            fh = open(path, "rb")
        except OSError:
            self._error(HTTPStatus.NOT_FOUND)
            return
        with fh:
            stat = os.fstat(fh.fileno())
            size = stat.st_size
            status, first, last = HTTPStatus.OK, 0, size - 1
            header = self.headers.get("Range")
            if header:
                try:
                    wanted = parse_range(header, size)
                except Unsatisfiable:
                    self._error(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE, {"Content-Range": f"bytes */{size}"})
                    return
                if wanted:
                    status, (first, last) = HTTPStatus.PARTIAL_CONTENT, wanted
            length = max(last - first + 1, 0)
            self.send_response(status)
            self.send_header("Content-Type", content_type(path))
            self.send_header("Content-Length", str(length))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Last-Modified", email.utils.formatdate(stat.st_mtime, usegmt=True))
            # Feeds and pages change with every build; audio for a date is rebuilt rarely.
            self.send_header("Cache-Control", "no-cache")
            self.send_header("X-Content-Type-Options", "nosniff")
            if status == HTTPStatus.PARTIAL_CONTENT:
                self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
            self.end_headers()
            if not body:
                return
            fh.seek(first)
            remaining = length
            while remaining > 0:
                chunk = fh.read(min(CHUNK, remaining))
                if not chunk:
                    break
                try:
                    self.wfile.write(chunk)
                except OSError as exc:  # reset, broken pipe, or a paused player that stopped reading
                    # A player that seeks drops the connection mid-file: normal.
                    self.close_connection = True
                    logger.debug("%s stopped receiving %s: %s", self.address_string(), self.path, exc)
                    return
                remaining -= len(chunk)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # Malformed request lines land here; answer plainly, and close.
        self.close_connection = True
        try:
            self._error(HTTPStatus(code))
        except ValueError:
            self._error(HTTPStatus.BAD_REQUEST)


class Server(ThreadingHTTPServer):
    """A thread per connection, at most `max_connections` of them: over that, a connection
    is answered 503 from the listening thread, without a read that could wait."""

    daemon_threads = True
    verbose = False
    request_queue_size = 128  # socketserver's 5 makes a burst of connections wait for SYN retries

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BaseHTTPRequestHandler],
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        super().__init__(address, handler)
        self.max_connections = max_connections
        self.slots = threading.BoundedSemaphore(max_connections)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            self._refuse(request, client_address)
            return
        try:
            super().process_request(request, client_address)  # starts the connection's thread
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def _refuse(self, request: socket.socket, client_address: Any) -> None:
        try:
            request.setblocking(False)  # a fresh socket's send buffer takes this at once, or never
            request.send(_BUSY)
        except OSError:
            pass
        if self.verbose:
            logger.warning("refused %s: %d connections already open", client_address[0], self.max_connections)
        self.shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up or goes quiet is routine on the web: one debug line.
        Anything else is a bug in the handler, and gets socketserver's traceback."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            logger.debug("connection from %s ended: %s", client_address[0], exc.strerror or exc)
            return
        super().handle_error(request, client_address)


def make_server(
    out: Path,
    port: int = 8000,
    host: str = "127.0.0.1",
    *,
    verbose: bool = False,
    max_connections: int = MAX_CONNECTIONS,
    idle_timeout: float = IDLE_TIMEOUT,
) -> Server:
    """A server for OUT bound to host:port (port 0: any free port), not yet serving."""
    root = Path(out).resolve(strict=True)
    handler = type("OutHandler", (Handler,), {"root": root, "timeout": idle_timeout})
    server = Server((host, port), handler, max_connections)
    server.verbose = verbose
    return server


def serve(
    out: Path,
    port: int = 8000,
    host: str = "127.0.0.1",
    *,
    verbose: bool = True,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve OUT until interrupted (Ctrl-C raises KeyboardInterrupt to the caller).

    127.0.0.1 by default: the preview is for this machine; pass host="0.0.0.0" to share it.
    `on_ready` gets the URL once listening (the real port when `port` is 0)."""
    with make_server(out, port, host, verbose=verbose) as server:
        if on_ready is not None:
            on_ready(f"http://{host}:{server.server_address[1]}/")
        server.serve_forever()


@dataclass(frozen=True)
class Running:
    server: Server
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        host = str(self.server.server_address[0])
        return f"http://{host}:{self.port}/"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def start(out: Path, port: int = 0, host: str = "127.0.0.1") -> Running:
    """Serve OUT from a background thread (port 0: a free port); call .stop() when done."""
    server = make_server(out, port, host, verbose=False)
    thread = threading.Thread(target=server.serve_forever, name="audiopaper-serve", daemon=True)
    thread.start()
    return Running(server, thread)


@contextmanager
def running(out: Path, port: int = 0, host: str = "127.0.0.1") -> Iterator[Running]:
    """`with running(out) as srv:` serves OUT in a thread for the block's duration."""
    srv = start(out, port, host)
    try:
        yield srv
    finally:
        srv.stop()
