"""A short chime between articles, generated here so nothing is ever downloaded."""

from __future__ import annotations

import numpy as np

from audiopaper.audio.loudness import to_pcm

NOTES_HZ = (880.0, 1318.5)  # A5 then E6: a rising fifth, the classic "ding-dong" in reverse
NOTE_MS = 220


def chime_pcm(sample_rate: int, level_db: float = -18.0) -> bytes:
    """Two soft bell-like notes with exponential decay, about half a second long."""
    n = sample_rate * NOTE_MS // 1000
    t = np.arange(n) / sample_rate
    envelope = np.exp(-t * 9.0) * np.minimum(1.0, t / 0.005)  # 5 ms attack avoids a click
    notes = [np.sin(2 * np.pi * f * t) * envelope + 0.3 * np.sin(4 * np.pi * f * t) * envelope for f in NOTES_HZ]
    tone = np.concatenate([*notes, np.zeros(n // 2)])
    tone *= 10 ** (level_db / 20) / np.max(np.abs(tone))
    return to_pcm(tone)
