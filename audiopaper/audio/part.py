"""What the speech stage hands the programme: an item's speech, assembled, whole or in parts."""

from __future__ import annotations

from dataclasses import dataclass

from audiopaper.audio import AudioSegment, Cue
from audiopaper.errors import ItemFailed


@dataclass
class Part:
    """An item's speech, or a part of it, assembled with its pauses and cues: a long
    article comes back in parts (see audio.speech.PART_BYTES), so it is never whole in
    memory. The first part is trimmed to the head pad, the last to the tail pad. A failed
    item ends with a part that carries its failure and no audio."""

    item: int  # index into the script's items
    sound: AudioSegment | None
    cues: list[Cue]
    first: bool
    last: bool
    failure: ItemFailed | None = None
