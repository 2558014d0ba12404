"""Chapters for the edition: Podcasting 2.0 JSON chapters (version 1.2)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from audiopaper.core.chapter import Chapter

__all__ = ["chapters_json"]


def chapters_json(chapters: Sequence[Chapter]) -> str:
    body = {
        "version": "1.2.0",
        "chapters": [
            {"startTime": round(c.start_ms / 1000, 3), "endTime": round(c.end_ms / 1000, 3), "title": c.title}
            for c in chapters
        ],
    }
    return json.dumps(body, ensure_ascii=False, indent=1) + "\n"
