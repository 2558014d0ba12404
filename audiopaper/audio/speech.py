"""The speech stage: the call plan sent to the engine as one stream, and each item of the
edition handed on, in parts, as its speech comes back."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from audiopaper.audio import Placed, assemble, shift, trim
from audiopaper.audio.part import Part
from audiopaper.core.speech import Speech, SpeechRequest, Voice
from audiopaper.errors import ItemFailed
from audiopaper.script import PAUSE_PARAGRAPH, PAUSE_TITLE, Call, CallPlan, Item, Segment, Share
from audiopaper.script.segments import split_sentences
from audiopaper.settings import AudioSettings
from audiopaper.tts import Engine
from audiopaper.tts.plan import REORDER, call_request, issue_order

# About five minutes of 24 kHz speech: an item this long is handed on in parts.
PART_BYTES = 16 * 1024 * 1024


def _pause_ms(segment: Segment, audio: AudioSettings) -> int:
    return {
        PAUSE_TITLE: audio.pause_title_ms,
        PAUSE_PARAGRAPH: audio.pause_paragraph_ms,
    }.get(segment.pause, audio.pause_segment_ms)


class Speaker:
    """The edition's speech, item by item (part by part) as it comes back.

    Every engine call of the edition goes to the engine as one stream, so an online engine
    keeps its connections busy across articles while the caller assembles and encodes the
    items already spoken; each item comes back assembled with its pauses, trimmed to fixed
    pads, with one cue per written sentence.

    A call pooled from several items (see edition_calls) is cut at the engine's sentence
    starts and each item takes its share. Where a share can't be cut out (the engine put an
    item boundary inside a sentence) or the pooled call failed, that item's share is asked
    for again on its own: one item's text never costs another item its audio."""

    def __init__(
        self,
        items: Sequence[Item],
        plan: CallPlan,
        engine: Engine,
        voices: Mapping[str, Voice],
        audio: AudioSettings,
        progress: Callable[[int], None] | None,
    ) -> None:
        self.engine = engine
        self.voices = voices
        self.audio = audio
        self.calls, self.shares = plan.calls, plan.shares
        window = REORDER if engine.ROUND_TRIPS else 1
        self.order = issue_order(plan, window)
        self.results = engine.stream([self.request(self.calls[c]) for c in self.order], progress)
        self.taken: dict[int, list[tuple[Speech, range]] | BaseException] = {}
        self.readers = Counter(share.call for shares in self.shares for share in shares)
        self.names = [item.name for item in items]

    def request(self, call: Call) -> SpeechRequest:
        return call_request(call, self.voices)

    def close(self) -> None:
        self.results.close()

    def parts(self) -> Iterator[Part]:
        """Each item's parts, as soon as the calls they read are back: an item's shares are
        taken in order as their calls arrive, and a part is handed on once it holds
        PART_BYTES of audio or the item is complete."""
        readers: dict[int, list[int]] = {}
        for item, mine in enumerate(self.shares):
            for share in mine:
                readers.setdefault(share.call, []).append(item)
        progress = [_Progress() for _ in self.shares]
        for item, mine in enumerate(self.shares):
            if not mine:  # nothing to say: an empty item fails as it always did
                yield self._finish(item, progress[item])
        for call, result in zip(self.order, self.results, strict=False):
            segments = self.calls[call].segments
            self.taken[call] = result.split([s.spoken for s in segments]) if isinstance(result, Speech) else result
            for item in dict.fromkeys(readers.get(call, ())):
                yield from self._advance(item, progress[item])

    def _advance(self, item: int, done: _Progress) -> Iterator[Part]:
        mine = self.shares[item]
        while done.shares < len(mine) and mine[done.shares].call in self.taken:
            placed = self._share(mine[done.shares])  # taken even after a failure: what it holds is let go
            done.shares += 1
            if isinstance(placed, BaseException):
                done.failure = done.failure or placed
                done.pending.clear()
                continue
            if done.failure is None:
                done.pending += placed
                done.bytes += sum(len(p.speech.pcm) for p in placed)
            if done.bytes >= PART_BYTES and done.shares < len(mine) and done.failure is None:
                yield self._assembled(item, done, last=False)
        if done.shares == len(mine):
            yield self._finish(item, done)

    def _finish(self, item: int, done: _Progress) -> Part:
        name = self.names[item]
        if done.failure is not None:
            failure = ItemFailed(name, str(done.failure) or type(done.failure).__name__)
            return Part(item, None, [], first=not done.parts, last=True, failure=failure)
        if not done.pending and not done.parts:
            return Part(item, None, [], first=True, last=True, failure=ItemFailed(name, "the engine returned no audio"))
        return self._assembled(item, done, last=True)

    def _assembled(self, item: int, done: _Progress, last: bool) -> Part:
        audio = self.audio
        first = not done.parts
        if done.rate == 0:
            done.rate = audio.sample_rate or done.pending[0].speech.sample_rate
        sound, cues = assemble(done.pending, done.rate)
        sound, moved = trim(sound, audio.pad_head_ms if first else None, audio.pad_tail_ms if last else None)
        done.parts += 1
        done.pending, done.bytes = [], 0
        return Part(item, sound, shift(cues, moved, len(sound)), first=first, last=last)

    def _take(self, index: int) -> list[tuple[Speech, range]] | BaseException:
        """Call `index`'s speech cut at its segments, kept until its last reader has it."""
        found = self.taken[index]
        self.readers[index] -= 1
        if not self.readers[index]:
            del self.taken[index]
        return found

    def _share(self, share: Share) -> list[Placed] | BaseException:
        call = self.calls[share.call]
        found = self._take(share.call)
        pooled = len(share.segments) < len(call.segments)
        if not isinstance(found, BaseException):
            mine = [(speech, held) for speech, held in found if held.start in share.segments]
            if sum(len(held) for _, held in mine) == len(share.segments) and all(
                held.stop <= share.segments.stop for _, held in mine
            ):
                return [self._placed(speech, [call.segments[i] for i in held]) for speech, held in mine]
        if not pooled:  # a call of one item's own is always read whole: only a failure gets here
            assert isinstance(found, BaseException)
            return found
        alone = Call(call.role, call.segments[share.segments.start : share.segments.stop])
        result = self.engine.synthesize_many([self.request(alone)])[0]
        if isinstance(result, BaseException):
            return result
        pieces = result.split([s.spoken for s in alone.segments])
        return [self._placed(speech, [alone.segments[i] for i in held]) for speech, held in pieces]

    def _placed(self, speech: Speech, segments: Sequence[Segment]) -> Placed:
        written = tuple(w for s in segments for w in split_sentences(s.written))
        return Placed(speech, _pause_ms(segments[-1], self.audio), written)


@dataclass
class _Progress:
    """How far the speaker has got with one item."""

    shares: int = 0  # shares taken
    parts: int = 0  # parts handed on
    pending: list[Placed] = field(default_factory=list)
    bytes: int = 0  # of PCM in pending
    rate: int = 0  # the item's assembly rate, fixed by its first part
    failure: BaseException | None = None
