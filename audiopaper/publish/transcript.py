"""Transcripts beside the audio: WebVTT (and SRT, for radio tools that want it).

Cues show what the paper printed, not the spoken substitutes the engine was given.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from audiopaper.core.speech import Cue


def _stamp(ms: int, sep: str) -> str:
    ms = max(ms, 0)
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d}{sep}{ms % 1000:03d}"


def _clean(text: str) -> str:
    # "-->" would end a cue's timing line; blank lines would end the cue.
    return " ".join(text.replace("-->", "→").split())


def to_vtt(cues: Sequence[Cue]) -> str:
    lines = ["WEBVTT", ""]
    for i, cue in enumerate(cues, start=1):
        lines += [str(i), f"{_stamp(cue.start_ms, '.')} --> {_stamp(cue.end_ms, '.')}", _clean(cue.text), ""]
    return "\n".join(lines)


def to_srt(cues: Sequence[Cue]) -> str:
    lines: list[str] = []
    for i, cue in enumerate(cues, start=1):
        lines += [str(i), f"{_stamp(cue.start_ms, ',')} --> {_stamp(cue.end_ms, ',')}", _clean(cue.text), ""]
    return "\n".join(lines)


_TIMING = re.compile(r"^(\d+):(\d{2}):(\d{2})[.,](\d{3})\s+-->\s+(\d+):(\d{2}):(\d{2})[.,](\d{3})")


def _ms(h: str, m: str, s: str, ms: str) -> int:
    return ((int(h) * 60 + int(m)) * 60 + int(s)) * 1000 + int(ms)


def from_vtt(text: str) -> list[Cue]:
    """The cues of a WebVTT file as to_vtt writes it (a timing line, then one line of text)."""
    cues: list[Cue] = []
    lines = text.splitlines()
    for n, row in enumerate(lines):
        found = _TIMING.match(row.strip())
        if found and n + 1 < len(lines):
            g = found.groups()
            cues.append(Cue(_ms(*g[:4]), _ms(*g[4:]), lines[n + 1].strip()))
    return cues
