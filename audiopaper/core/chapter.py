"""A chapter of the edition: an article's span in the programme, as tags and JSON chapters
name it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chapter:
    title: str
    start_ms: int
    end_ms: int
