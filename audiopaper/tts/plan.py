"""The call plan: what the edition asks of the engine, in which voice and in what order."""

from __future__ import annotations

from collections.abc import Mapping

from audiopaper.core.speech import SpeechRequest, Voice
from audiopaper.script import Call, CallPlan, Script, edition_calls

# Calls an engine with round trips may be asked for ahead of their turn (issue_order). The
# items that come back early wait, assembled, for their turn in the edition: this bounds them.
REORDER = 6


def call_plan(script: Script, pool: bool) -> CallPlan:
    """The engine calls that read the script's items; `pool` for an engine whose every
    request costs a round trip (see edition_calls)."""
    return edition_calls([item.segments for item in script.items()], pool=pool)


def call_request(call: Call, voices: Mapping[str, Voice]) -> SpeechRequest:
    """What `call` asks of an engine: its text in its role's voice (the anchor's by default)."""
    return SpeechRequest(text=call.spoken, voice=voices.get(call.role) or voices["anchor"])


def issue_order(plan: CallPlan, window: int) -> list[int]:
    """The order to ask for the calls in: within each run of `window` calls, those read by
    the longest items first.

    Clips are encoded as soon as an article's speech is all back, in any order, and encoding
    costs in proportion to the article's length. Asking for the long articles first leaves
    the build's last seconds waiting on short ones, instead of encoding long ones after the
    last answer."""
    calls, shares = plan.calls, plan.shares
    size = [sum(len(calls[s.call].segments[i].spoken.encode()) for s in mine for i in s.segments) for mine in shares]
    weight = [0] * len(calls)
    for item, mine in enumerate(shares):
        for share in mine:
            weight[share.call] = max(weight[share.call], size[item])
    order: list[int] = []
    for start in range(0, len(calls), window):
        order += sorted(range(start, min(len(calls), start + window)), key=lambda c: -weight[c])
    return order
