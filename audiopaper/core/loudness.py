"""Loudness targets, by the norms broadcast and podcast apps follow (ITU-R BS.1770 meters)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Profile:
    name: str
    lufs: float
    true_peak_db: float


PROFILES = {
    "broadcast": Profile("broadcast", lufs=-23.0, true_peak_db=-1.0),  # EBU R128
    "podcast": Profile("podcast", lufs=-16.0, true_peak_db=-1.0),
}
