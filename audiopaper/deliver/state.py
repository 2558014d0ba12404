"""What each target was given, per edition, so that a rebuild replaces and never
duplicates: OUT/.delivered.json, written whole after every clip, so a delivery killed
half-way still knows what it left at the station."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from audiopaper.errors import AudiopaperError
from audiopaper.fsutil import atomic_write_text

STATE = ".delivered.json"
VERSION = 1


class DeliveryState:
    def __init__(self, out: Path) -> None:
        self.path = out / STATE
        self.data: dict[str, Any] = {"version": VERSION, "targets": {}}
        if self.path.exists():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                if not isinstance(data, dict) or not isinstance(data.get("targets"), dict):
                    raise ValueError("not a delivery record")
            except (OSError, ValueError) as exc:
                raise AudiopaperError(
                    f"{self.path} is unreadable ({str(exc).splitlines()[0][:80]}): without it a delivery "
                    "could duplicate clips at the station; restore it, or remove it and clear the station by hand"
                ) from None
            self.data = data

    def editions(self, target: str) -> dict[str, dict[str, dict[str, Any]]]:
        """{date: {clip file: record}} for one target."""
        return self.data["targets"].setdefault(target, {}).setdefault("editions", {})

    def save(self) -> None:
        atomic_write_text(self.path, json.dumps(self.data, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
