"""AzuraCast, through its REST API (followed: web/static/openapi.yml of AzuraCast 0.23.1, and
FilesController.php for the `playlists` of a file update): every request carries the key
as `X-API-Key`.

- GET  /api/station/{station}/playlists            the named playlist's id
- POST /api/station/{station}/files                JSON {"path", "file": base64}; answers
                                                   the StationMedia record (its "id").
                                                   A path that exists is overwritten.
- PUT  /api/station/{station}/file/{id}            JSON title, artist, album and
                                                   "playlists": [{"id", "weight"}]: the
                                                   weight is the reading order
- DELETE /api/station/{station}/file/{id}          a clip taken back"""

from __future__ import annotations

import base64
from typing import Any, ClassVar
from urllib.parse import quote

from audiopaper.deliver.base import Clip, DeliveryConfigError, DeliveryFailed, Target
from audiopaper.deliver.http import Session
from audiopaper.deliver.secrets import read_secret


class AzuraCastTarget(Target):
    NAME = "azuracast"
    OPTIONS: ClassVar[dict[str, tuple[type, Any]]] = {
        "url": (str, None),  # the AzuraCast installation, e.g. https://radio.example.org
        "station": (str, None),  # the station's id or short name
        "playlist": (str, None),  # the playlist the clips go on (make it "sequential")
        "folder": (str, "audiopaper"),  # in the station's media library
        "api_key_env": (str, None),
        "api_key_file": (str, None),
    }
    REQUIRED_KEYS = ("url", "station", "playlist")

    session: Session
    playlist_id: int

    def check_config(self) -> None:
        self.check_address("url", "https://radio.example.org")
        if "/" in self.options["station"].strip("/"):
            raise DeliveryConfigError(f"config: deliver.{self.name}.station is the station's id or short name")

    @property
    def _station(self) -> str:
        return "/api/station/" + quote(self.options["station"].strip("/"), safe="")

    def available(self) -> None:
        key = read_secret(self.name, self.options)
        self.session = Session(
            self.options["url"], self.options, headers={"X-API-Key": key, "Accept": "application/json"}
        )
        playlists = self.session.json(self.session.request("GET", f"{self._station}/playlists", ok=(200,)))
        wanted = self.options["playlist"]
        found = (
            [p for p in playlists if isinstance(p, dict) and p.get("name") == wanted]
            if isinstance(playlists, list)
            else []
        )
        if not found:
            raise DeliveryFailed(
                f"station {self.options['station']} has no playlist named {wanted!r}: "
                "create it in AzuraCast (Playlists, Add Playlist; Sequential order)"
            )
        self.playlist_id = int(found[0]["id"])

    def put(self, clip: Clip, previous: dict[str, Any] | None) -> dict[str, Any]:
        path = f"{self.options['folder'].strip('/')}/{clip.date}/{clip.file}".lstrip("/")
        body = {"path": path, "file": base64.b64encode(clip.path.read_bytes()).decode("ascii")}
        media = self.session.json(self.session.request("POST", f"{self._station}/files", ok=(200, 201), json=body))
        if not isinstance(media, dict) or "id" not in media:
            raise DeliveryFailed(f"POST {self._station}/files: the answer names no media id")
        media_id = media["id"]
        meta = {
            "title": clip.title,
            "artist": clip.credits,
            "album": clip.album,
            "playlists": [{"id": self.playlist_id, "weight": clip.index}],
        }
        self.session.request("PUT", f"{self._station}/file/{media_id}", ok=(200,), json=meta)
        if previous and previous.get("id") not in (None, media_id):
            self.remove(previous)
        return {"id": media_id, "path": path}

    def remove(self, record: dict[str, Any]) -> None:
        if record.get("id") is None:
            return
        # Gone already (removed by hand in AzuraCast) is as good as removed.
        self.session.request("DELETE", f"{self._station}/file/{record['id']}", ok=(200, 204, 404))
