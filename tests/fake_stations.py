"""Loopback stand-ins for the playout systems' HTTP APIs, strict about what their
documentation requires, so a request that a real server would refuse fails here too.

- AzuraCast (OpenAPI of 0.23.1): X-API-Key on every request; GET playlists; POST
  /api/station/{id}/files as JSON {path, file: base64}, overwriting by path; PUT
  /api/station/{id}/file/{id} as JSON with playlists [{id, weight}]; DELETE.
- LibreTime (legacy REST MediaController): HTTP Basic with the API key as user and an
  empty password; POST /rest/media as multipart/form-data with the MP3 in field "file"
  (201 and the record); DELETE /rest/media/{id} (204).

`fail` maps a substring of a request line to how many times to answer it 503 (-1: always
500), to test retries and a clip that cannot be delivered."""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Station:
    def __init__(self, key: str) -> None:
        self.key = key
        self.log: list[tuple[str, str, int]] = []  # (method, path, status)
        self.fail: dict[str, int] = {}
        self.lock = threading.Lock()
        self.ids = itertools.count(1)

    def refusal(self, method: str, path: str) -> int | None:
        for needle, left in self.fail.items():
            if needle in f"{method} {path}":
                if left < 0:
                    return 500
                if left > 0:
                    self.fail[needle] = left - 1
                    return 503
        return None


class AzuraCast(Station):
    def __init__(self, key: str, station: str = "1", playlists: dict[int, str] | None = None) -> None:
        super().__init__(key)
        self.station = station
        self.playlists = playlists if playlists is not None else {7: "本地新闻", 3: "Music"}
        self.media: dict[int, dict[str, Any]] = {}  # id -> {path, data, title, artist, album, playlists}

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, Any]:
        if headers.get("X-API-Key") != self.key:
            return 403, {"code": 403, "message": "You do not have permission to access this portion of the site."}
        prefix = f"/api/station/{self.station}"
        if method == "GET" and path == f"{prefix}/playlists":
            return 200, [{"id": i, "name": n, "order": "sequential"} for i, n in self.playlists.items()]
        if method == "POST" and path == f"{prefix}/files":
            if not headers.get("Content-Type", "").startswith("application/json"):
                return 400, {"message": "expected JSON"}
            doc = json.loads(body)
            if not isinstance(doc.get("path"), str) or not doc["path"] or not isinstance(doc.get("file"), str):
                return 400, {"message": "path and file are required"}
            try:
                data = base64.b64decode(doc["file"], validate=True)
            except binascii.Error:
                return 400, {"message": "file is not base64"}
            same = [i for i, m in self.media.items() if m["path"] == doc["path"]]  # getOrCreate by path
            media_id = same[0] if same else next(self.ids)
            self.media.setdefault(media_id, {"playlists": []}).update(path=doc["path"], data=data)
            return 200, {"id": media_id, "unique_id": f"u{media_id}", "path": doc["path"]}
        match = re.fullmatch(rf"{prefix}/file/(\d+)", path)
        if match:
            media_id = int(match.group(1))
            if media_id not in self.media:
                return 404, {"code": 404, "message": "Record not found"}
            if method == "PUT":
                doc = json.loads(body)
                for item in doc.get("playlists", []):
                    if not isinstance(item, dict) or item.get("id") not in self.playlists:
                        return 400, {"message": f"bad playlist {item!r}"}
                self.media[media_id].update({k: doc[k] for k in ("title", "artist", "album", "playlists") if k in doc})
                return 200, {"success": True, "message": "Changes saved successfully."}
            if method == "DELETE":
                del self.media[media_id]
                return 200, {"success": True, "message": "Record deleted successfully."}
        return 404, {"code": 404, "message": f"no route {method} {path}"}

    def playlist(self, playlist_id: int) -> list[dict[str, Any]]:
        """The playlist's media in play order (by weight)."""
        on = [(p["weight"], m) for m in self.media.values() for p in m["playlists"] if p["id"] == playlist_id]
        return [m for _, m in sorted(on, key=lambda pair: pair[0])]


class LibreTime(Station):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.files: dict[int, dict[str, Any]] = {}

    def handle(self, method: str, path: str, headers: Any, body: bytes) -> tuple[int, Any]:
        expected = "Basic " + base64.b64encode(f"{self.key}:".encode()).decode()
        if headers.get("Authorization") != expected:
            return 401, "ERROR: Incorrect API key."
        if method == "POST" and path == "/rest/media":
            ctype = headers.get("Content-Type", "")
            if not ctype.startswith("multipart/form-data"):
                return 400, "ERROR: expected multipart/form-data"
            message = BytesParser(policy=HTTP).parsebytes(f"Content-Type: {ctype}\r\n\r\n".encode() + body)
            parts = {p.get_param("name", header="content-disposition"): p for p in message.iter_parts()}
            part = parts.get("file")
            if part is None or not part.get_filename():
                return 400, "ERROR: invalid file uploaded"
            file_id = next(self.ids)
            self.files[file_id] = {"name": part.get_filename(), "data": part.get_payload(decode=True)}
            return 201, {"id": file_id, "name": part.get_filename(), "import_status": 1}
        match = re.fullmatch(r"/rest/media/(\d+)", path)
        if match and method == "DELETE":
            if self.files.pop(int(match.group(1)), None) is None:
                return 404, "ERROR: Media not found."
            return 204, None
        return 404, f"no route {method} {path}"


@contextmanager
def serving(station: Station) -> Iterator[str]:
    """Serve `station` on loopback; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with station.lock:
                status = station.refusal(self.command, self.path)
                if status is None:
                    status, answer = station.handle(self.command, self.path, self.headers, body)
                else:
                    answer = {"message": "busy"}
                station.log.append((self.command, self.path, status))
            text = answer if isinstance(answer, str) or answer is None else json.dumps(answer)
            data = (text or "").encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain" if isinstance(answer, str) else "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = _any

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
