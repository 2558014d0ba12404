"""What msgspec found wrong in a document, read once for every reader of typed files.

msgspec reports a failed conversion as one English line, "Expected `int`, got `str` - at
`$.clips[2].bytes`" or "Object missing required field `name` - at `$.voices`". The edition,
the manifest and the settings each say it to the user in their own words; the reading of
msgspec's line is this one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import msgspec

_AT = re.compile(r" - at (?P<key>`key` in )?`\$(?P<path>[^`]*)`$")
_STEP = re.compile(r"\.(\w+)|\[(\d+|\.\.\.)\]")
_MISSING = re.compile(r"^Object missing required field `(\w+)`$")


@dataclass(frozen=True)
class Finding:
    problem: str  # msgspec's words before the place: "Expected `int`, got `str`"
    path: str  # the place as msgspec writes it after `$`: ".clips[2].bytes", "" for the whole
    missing: str | None  # the required field that is not there, if that is the problem
    in_key: bool  # the fault is in a key of a mapping, not in its value

    @property
    def steps(self) -> list[str | int]:
        """The place as field names and indexes; "..." for a mapping's entry, which msgspec
        does not name."""
        return [name or (int(index) if index.isdigit() else "...") for name, index in _STEP.findall(self.path)]


def finding(exc: msgspec.ValidationError) -> Finding:
    message = str(exc)
    at = _AT.search(message)
    problem = message[: at.start()] if at else message
    missing = _MISSING.match(problem)
    return Finding(
        problem=problem,
        path=at.group("path") if at else "",
        missing=missing.group(1) if missing else None,
        in_key=bool(at and at.group("key")),
    )
