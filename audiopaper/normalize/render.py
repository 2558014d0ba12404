"""An edition laid out again as raw e-paper text, the way exports print it.

Used to test the normalizer (a cleanly laid out edition must normalize back to itself) and
to make benchmark pages; it is also a readable plain-text dump of an edition.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from audiopaper.core.chinese import date_words
from audiopaper.edition import Article, Credit, Edition

STYLES = ("blank", "dense", "wrap")


def _byline(credits: Iterable[Credit]) -> str:
    parts: list[str] = []
    last_role = None
    for c in credits:
        if c.role != last_role:
            parts.append(c.role)
            last_role = c.role
        parts.append(c.name)
    return "■" + " ".join(parts)


def _header(edition: Edition, page: int, name: str | None) -> str | None:
    if not edition.paper and not edition.date:
        return None
    bits = []
    if edition.paper:
        bits.append(edition.paper)
    if edition.date:
        d = dt.date.fromisoformat(edition.date)
        bits.append(date_words(d))
    bits.append(f"第{page}版" + (f":{name}" if name else ""))
    return " ".join(bits) + " 责任编辑:某某"


def _article_lines(a: Article) -> list[tuple[str, bool]]:
    """(line, is_paragraph) pairs; paragraphs get indented or wrapped by the style."""
    out: list[tuple[str, bool]] = []
    if a.kicker:
        out.append((a.kicker, False))
    out.append((a.title, False))
    if a.subtitle:
        out.append(("——" + a.subtitle, False))
    photo_credit = a.kind == "photo"
    if a.credits and not photo_credit:
        out.append((_byline(a.credits), False))
    for i, p in enumerate(a.paragraphs):
        if i == 0 and a.dateline:
            p = f"{a.dateline} {p}"
        if a.kind == "brief":
            p = "●" + p
        out.append((p, True))
    if a.credits and photo_credit:
        out.append((_byline(a.credits), False))
    return out


def edition_to_text(
    edition: Edition,
    *,
    style: str = "blank",
    width: int = 30,
    crlf: bool = False,
    bom: bool = False,
) -> str:
    if style not in STYLES:
        raise ValueError(f"style must be one of {STYLES}")
    pages: dict[int, list[Article]] = {}
    for a in edition.articles:
        pages.setdefault(a.page or 1, []).append(a)
    blocks: list[str] = []
    for number in sorted(pages):
        lines: list[str] = []
        header = _header(edition, number, edition.page_name(number))
        if header:
            lines.append(header)
        for a in pages[number]:
            for text, is_par in _article_lines(a):
                if not is_par:
                    lines.append(text)
                elif style == "wrap":
                    lines.extend(_wrap("\u3000\u3000" + text, width))
                elif style == "dense":
                    lines.append("\u3000\u3000" + text)
                else:
                    lines.append(text)
        sep = "\n\n" if style == "blank" else "\n"
        blocks.append(sep.join(lines))
    page_sep = "\n\n\n\n" if style == "blank" else "\n\f\n"
    text = page_sep.join(blocks) + "\n"
    if crlf:
        text = text.replace("\n", "\r\n")
    return ("\ufeff" if bom else "") + text


def _wrap(text: str, width: int) -> list[str]:
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]
