"""A drop folder: the clips under a file name of the station's choice, each with a sidecar
the station's importer reads. JSON for scripts of the station's own; Rivendell's RDXML for
`rdimport --xml`, which reads BASENAME.xml beside BASENAME.mp3.

The sidecar is written before its MP3, so an importer watching the folder for audio never
finds a clip without its metadata. Files are written whole and renamed into place."""

from __future__ import annotations

import json
import re
import shutil
import string
import unicodedata
from pathlib import Path
from typing import Any, ClassVar
from xml.sax.saxutils import escape

from audiopaper.deliver.base import Clip, DeliveryConfigError, DeliveryFailed, Target
from audiopaper.fsutil import atomic_path, atomic_write_text
from audiopaper.publish.layout import slug

SIDECARS = ("json", "rdxml", "none")
FIELDS = ("nn", "index", "slug", "title", "date", "yyyymmdd", "paper")
DEFAULT_PATTERN = "{date}-{nn}-{slug}"


class FolderTarget(Target):
    NAME = "folder"
    OPTIONS: ClassVar[dict[str, tuple[type, Any]]] = {
        "path": (str, None),
        "pattern": (str, DEFAULT_PATTERN),  # the file name, without .mp3
        "sidecar": (str, "json"),
        "group": (str, "NEWS"),  # rdxml: the Rivendell group the carts go to
        "cart_start": (int, 0),  # rdxml: clip NN goes to cart cart_start+NN-1; 0: the group's next free
        "transcript": (bool, False),  # the clip's WebVTT transcript beside it, as BASENAME.vtt
    }
    REQUIRED_KEYS = ("path",)

    def check_config(self) -> None:
        where = f"config: deliver.{self.name}"
        if self.options["sidecar"] not in SIDECARS:
            raise DeliveryConfigError(f"{where}.sidecar must be one of {', '.join(SIDECARS)}")
        pattern = self.options["pattern"]
        try:
            fields = [f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None]
        except ValueError as exc:
            raise DeliveryConfigError(f"{where}.pattern {pattern!r} is not a pattern ({exc})") from None
        unknown = [f for f in fields if f not in FIELDS]
        if unknown:
            raise DeliveryConfigError(f"{where}.pattern: unknown field {{{unknown[0]}}} (known: {', '.join(FIELDS)})")
        if not {"nn", "index"} & set(fields):
            raise DeliveryConfigError(
                f"{where}.pattern must hold {{nn}} or {{index}}, so that no two clips share a name"
            )
        if "/" in pattern or "\\" in pattern:
            raise DeliveryConfigError(f"{where}.pattern is a file name: no '/' in it")
        if not (0 <= self.options["cart_start"] <= 999000):
            raise DeliveryConfigError(f"{where}.cart_start must be a Rivendell cart number (1-999999)")

    @property
    def folder(self) -> Path:
        return Path(self.options["path"]).expanduser()

    def available(self) -> None:
        if not self.folder.is_dir():
            raise DeliveryFailed(f"no such folder {self.folder}: create it or correct path")

    def name_for(self, clip: Clip) -> str:
        fields = {
            "nn": f"{clip.index:02d}",
            "index": str(clip.index),
            "slug": slug(clip.title),
            "title": _safe(clip.title),
            "date": clip.date,
            "yyyymmdd": clip.date.replace("-", ""),
            "paper": _safe(clip.paper),
        }
        return _safe(self.options["pattern"].format(**fields)) or f"{clip.index:02d}"

    def put(self, clip: Clip, previous: dict[str, Any] | None) -> dict[str, Any]:
        base = self.name_for(clip)
        audio = self.folder / f"{base}.mp3"
        files = [audio.name]
        sidecar = self.options["sidecar"]
        try:
            if sidecar == "json":
                atomic_write_text(self.folder / f"{base}.json", json_sidecar(clip, audio.name))
                files.append(f"{base}.json")
            elif sidecar == "rdxml":
                atomic_write_text(self.folder / f"{base}.xml", rdxml(clip, self.options))
                files.append(f"{base}.xml")
            if self.options["transcript"] and clip.vtt is not None and clip.vtt.is_file():
                with atomic_path(self.folder / f"{base}.vtt") as tmp:
                    shutil.copyfile(clip.vtt, tmp)
                files.append(f"{base}.vtt")
            with atomic_path(audio) as tmp:
                shutil.copyfile(clip.path, tmp)
        except OSError as exc:
            raise DeliveryFailed(f"cannot write to {self.folder}: {exc.strerror or exc}") from None
        if previous:  # a rebuild under another pattern: what the old names held goes
            self.remove({"files": [f for f in previous.get("files", []) if f not in files]})
        return {"files": files}

    def remove(self, record: dict[str, Any]) -> None:
        # An importer may already have taken (and deleted) the files: that is fine.
        for name in record.get("files", []):
            if "/" in name or name.startswith("."):
                continue  # the state file was edited by hand: touch nothing outside the folder
            try:
                (self.folder / name).unlink(missing_ok=True)
            except OSError as exc:
                raise DeliveryFailed(f"cannot remove {self.folder / name}: {exc.strerror}") from None


def _safe(text: str) -> str:
    """A file name fragment every filesystem and playout system accepts: no separators,
    no control or reserved characters, no leading dot."""
    text = unicodedata.normalize("NFC", text)
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text)
    text = re.sub(r'[\\/:*?"<>|]+', "_", text)
    text = re.sub(r"\s+", " ", text).strip(" .")
    return text[:120]


def json_sidecar(clip: Clip, audio_name: str) -> str:
    doc = {
        "file": audio_name,
        "title": clip.title,
        "credits": clip.credits,
        "paper": clip.paper,
        "date": clip.date,
        "index": clip.index,
        "duration": round(clip.duration_ms / 1000, 3),
        "loudness_lufs": clip.lufs,
        "starts": clip.starts.isoformat(),
        "expires": clip.expires.isoformat(),
    }
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def _one_line(text: str) -> str:
    # rdimport reads RDXML a line at a time, one element per line: a value must not break it.
    return escape(" ".join("".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text).split()))


def rdxml(clip: Clip, options: dict[str, Any]) -> str:
    """RDXML as Rivendell's own RDCart::xml() writes it and rdimport's reader expects it:
    a <cart> of one element per line, with one <cut> in its <cutList> whose start and end
    datetimes make the cut valid from the edition's day to its expiry (station local time)."""
    fmt = "%Y-%m-%dT%H:%M:%S"
    cart = [
        f"<title>{_one_line(clip.title)}</title>",
        f"<artist>{_one_line(clip.credits)}</artist>",
        f"<album>{_one_line(clip.album)}</album>",
        f"<year>{clip.date[:4]}</year>",
        f"<groupName>{_one_line(options['group'])}</groupName>",
        f"<userDefined>{_one_line(clip.paper)}</userDefined>",
    ]
    if options["cart_start"]:
        cart.insert(0, f"<number>{options['cart_start'] + clip.index - 1}</number>")
    cut = [
        f"<description>{_one_line(clip.title)}</description>",
        "<evergreen>false</evergreen>",
        f"<length>{clip.duration_ms}</length>",
        f"<startDatetime>{clip.starts.strftime(fmt)}</startDatetime>",
        f"<endDatetime>{clip.expires.strftime(fmt)}</endDatetime>",
    ]
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<cart>",
        *(f"  {line}" for line in cart),
        "  <cutList>",
        "    <cut>",
        *(f"      {line}" for line in cut),
        "    </cut>",
        "  </cutList>",
        "</cart>",
    ]
    return "\n".join(lines) + "\n"
