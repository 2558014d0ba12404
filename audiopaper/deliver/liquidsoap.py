"""A playlist Liquidsoap plays in order, each line an `annotate:` URI carrying the clip's
metadata, e.g. a station script with

    news = playlist(mode="normal", reload_mode="watch", "/var/lib/radio/news.m3u")

The playlist is rewritten whole (and renamed into place, so the watching Liquidsoap never
reads half of it) with the delivered edition's clips only: a rebuild replaces it."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any, ClassVar

from audiopaper.deliver.base import Clip, DeliveryConfigError, DeliveryFailed, Target
from audiopaper.fsutil import atomic_write_text


class LiquidsoapTarget(Target):
    NAME = "liquidsoap"
    OPTIONS: ClassVar[dict[str, tuple[type, Any]]] = {
        "path": (str, None),  # the playlist file Liquidsoap reads
    }
    REQUIRED_KEYS = ("path",)

    def check_config(self) -> None:
        if not self.options["path"].endswith((".m3u", ".m3u8")):
            raise DeliveryConfigError(
                f"config: deliver.{self.name}.path must end in .m3u or .m3u8, so Liquidsoap reads it as a playlist"
            )

    @property
    def playlist(self) -> Path:
        return Path(self.options["path"]).expanduser()

    def available(self) -> None:
        if not self.playlist.parent.is_dir():
            raise DeliveryFailed(f"no such folder {self.playlist.parent}: create it or correct path")

    def put(self, clip: Clip, previous: dict[str, Any] | None) -> dict[str, Any]:
        # The clip is played where the edition holds it; it must be there and readable.
        try:
            with open(clip.path, "rb") as fh:
                if not fh.read(4):
                    raise DeliveryFailed(f"{clip.path} is empty")
        except OSError as exc:
            raise DeliveryFailed(f"cannot read {clip.path}: {exc.strerror}") from None
        return {"line": annotate(clip)}

    def remove(self, record: dict[str, Any]) -> None:
        """Nothing to take back: the playlist is rewritten with what is delivered now."""

    def finish(self, clips: list[Clip], delivered: dict[str, dict[str, Any]]) -> None:
        lines = ["#EXTM3U", *(delivered[c.file]["line"] for c in clips if c.file in delivered)]
        try:
            atomic_write_text(self.playlist, "\n".join(lines) + "\n")
        except OSError as exc:
            raise DeliveryFailed(f"cannot write {self.playlist}: {exc.strerror or exc}") from None


def _value(text: str) -> str:
    # annotate: values are double-quoted strings; a line break would end the playlist entry.
    flat = " ".join("".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text).split())
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def annotate(clip: Clip) -> str:
    meta = {
        "title": clip.title,
        "artist": clip.credits,
        "album": clip.album,
        "tracknumber": str(clip.index),
        "date": clip.date,
        "comment": f"expires {clip.expires.isoformat()}",
    }
    return "annotate:" + ",".join(f"{k}={_value(v)}" for k, v in meta.items()) + ":" + str(clip.path.resolve())
