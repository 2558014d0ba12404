"""The normalizer: raw e-paper text in, a clean edition out.

normalize(text, source=...) -> Edition
edition_to_markdown(edition) -> str   (for an editor to read and correct)
edition_from_markdown(text) -> Edition
"""

from __future__ import annotations

from audiopaper.edition import Edition
from audiopaper.errors import InputError
from audiopaper.normalize.assemble import normalize_text
from audiopaper.normalize.ledger import Entry, Ledger


def normalize(text: str, *, source: str | None = None) -> Edition:
    """Turn one raw export (one or more pages) into an edition; never raises on bad text."""
    return normalize_with_ledger(text, source=source)[0]


def normalize_with_ledger(text: str, *, source: str | None = None) -> tuple[Edition, list[Entry]]:
    """The edition, and where every span of the input went (see ledger.py)."""
    if not isinstance(text, str):
        raise InputError(f"{source or 'input'}: expected decoded text, got {type(text).__name__}")
    ledger = Ledger()
    edition = normalize_text(text, source=source, ledger=ledger)
    return edition, ledger.entries


from audiopaper.normalize.markdown import edition_from_markdown, edition_to_markdown  # noqa: E402

__all__ = ["edition_from_markdown", "edition_to_markdown", "normalize", "normalize_with_ledger"]
