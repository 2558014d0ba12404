"""The newsreader's own words: the templates of wording.toml, and the fields each may use.

The fields are declared here, beside the templates, so that a new template is added in one
place: its default text in wording.toml and its fields below (a test checks the two agree).
A paper's [wording] overrides are checked against them when the settings load.
"""

from __future__ import annotations

import functools
import re
import string
import tomllib
from importlib import resources


@functools.cache
def default_wording() -> dict[str, str]:
    return tomllib.loads((resources.files("audiopaper.script") / "wording.toml").read_text(encoding="utf-8"))


# The [wording] templates and the fields the script builder fills into each (None: the text is
# used as it is; "count": a number). A template may use fewer fields, never others.
FIELDS: dict[str, frozenset[str] | str | None] = {
    "opening": frozenset({"paper", "date", "weekday", "count"}),
    "opening_undated": frozenset({"paper", "count"}),
    "rundown": frozenset({"headlines"}),
    "rundown_count": "count",
    "rundown_joiner": None,
    "first_section": frozenset({"section"}),
    "next_section": frozenset({"section"}),
    "page_named": frozenset({"number", "name"}),
    "page_plain": frozenset({"number", "name"}),
    "closing": frozenset({"paper"}),
    "credits": frozenset({"people"}),
    "staff_reporter": None,
    "photo_cue": None,
    "photo_credits": frozenset({"people", "names"}),  # {names}: a paper's older wording
    "brief_cue": None,
    "brief_credits": frozenset({"people"}),
    "wire_credits": frozenset({"agency"}),
    "wire_reporter": frozenset({"agency"}),
}


def template_fields(template: str) -> set[str]:
    """The fields a str.format template names; ValueError for broken braces or for anything
    but a plain {name} (an attribute, an index, a format spec could read or allocate at will)."""
    found = set()
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(f"{{{name}}}: only plain {{field}} names are allowed")
        found.add(name)
    return found


def check_wording(value: dict[str, str]) -> dict[str, str]:
    for key, text in value.items():
        if key not in FIELDS:
            raise ValueError(f"{key}: unknown template; known: {', '.join(FIELDS)}")
        allowed = FIELDS[key]
        if allowed == "count":
            if not re.fullmatch(r"\d{1,2}", text.strip()):
                raise ValueError(f"{key}: must be a number of headlines from 0 to 99")
            continue
        if allowed is None:
            continue
        try:
            unknown = template_fields(text) - set(allowed)
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from None
        if unknown:
            may = ", ".join(f"{{{f}}}" for f in sorted(allowed))
            raise ValueError(f"{key}: unknown field {{{sorted(unknown)[0]}}}; it may use {may}")
    return value
