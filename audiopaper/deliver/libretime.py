"""LibreTime, through its REST API for media (followed: LibreTime 3.x and 4.x,
legacy/application/modules/rest/controllers/MediaController.php), authenticated with HTTP
Basic: the station's API key (general.api_key in config.yml) as the user, no password.

- POST   /rest/media        multipart/form-data, the MP3 in the field `file`; answers 201
                            and the file's record (its "id"). LibreTime's analyzer reads
                            the title, artist and album from the clip's ID3 tags.
- DELETE /rest/media/{id}   204: a clip replaced by a rebuild, or expired

Every upload makes a new file, so a rebuild uploads the new clip first and then deletes
the one it replaces: the station never has neither, and never keeps both."""

from __future__ import annotations

from typing import Any, ClassVar

from audiopaper.deliver.base import Clip, DeliveryFailed, Target
from audiopaper.deliver.http import Session
from audiopaper.deliver.secrets import read_secret


class LibreTimeTarget(Target):
    NAME = "libretime"
    OPTIONS: ClassVar[dict[str, tuple[type, Any]]] = {
        "url": (str, None),  # the LibreTime installation, e.g. https://libretime.example.org
        "api_key_env": (str, None),
        "api_key_file": (str, None),
    }
    REQUIRED_KEYS = ("url",)

    session: Session

    def check_config(self) -> None:
        self.check_address("url", "https://libretime.example.org")

    def available(self) -> None:
        key = read_secret(self.name, self.options)
        self.session = Session(self.options["url"], self.options, auth=(key, ""))

    def put(self, clip: Clip, previous: dict[str, Any] | None) -> dict[str, Any]:
        with open(clip.path, "rb") as fh:
            files = {"file": (clip.file, fh, "audio/mpeg")}
            answer = self.session.json(self.session.request("POST", "/rest/media", ok=(200, 201), files=files))
        if not isinstance(answer, dict) or "id" not in answer:
            raise DeliveryFailed("POST /rest/media: the answer names no file id")
        if previous and previous.get("id") not in (None, answer["id"]):
            self.remove(previous)
        return {"id": answer["id"]}

    def remove(self, record: dict[str, Any]) -> None:
        if record.get("id") is None:
            return
        self.session.request("DELETE", f"/rest/media/{record['id']}", ok=(200, 204, 404))
