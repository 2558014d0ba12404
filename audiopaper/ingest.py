"""Reading input files: raw page text in whatever encoding the e-paper exported, or an edition.

E-paper exports arrive as UTF-8 (with or without BOM), GB18030/GBK or UTF-16; the encoding
is detected, and a file that is not text at all is rejected rather than read as mojibake.
"""

from __future__ import annotations

import codecs
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from charset_normalizer import from_bytes

from audiopaper.edition import Edition, EditionWarning, PageName, edition_from_json
from audiopaper.errors import InputError

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class RawPage:
    text: str
    source: str
    encoding: str


def decode_text(data: bytes, source: str) -> tuple[str, str]:
    """Return (text, encoding name) or raise InputError for binary or undecodable data."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                raise InputError(f"{source}: starts with a {encoding} mark but does not decode") from None
    # UTF-8 first: it is the common case and a strict decode almost never passes by accident.
    try:
        text = data.decode("utf-8")
        encoding = "utf-8"
    except UnicodeDecodeError:
        text, encoding = _guess(data, source)
    if _looks_binary(text):
        raise InputError(f"{source}: binary data, not text")
    return text, encoding


def _guess(data: bytes, source: str) -> tuple[str, str]:
    # Chinese papers that are not UTF-8 are GB18030 (a superset of GBK and GB2312).
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data).best()
    if best is None:
        raise InputError(f"{source}: cannot detect the text encoding (binary data?)")
    return str(best), best.encoding


def _looks_binary(text: str) -> bool:
    if "\x00" in text:
        return True
    sample = text[:4096]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    return controls > max(2, len(sample) // 100)


MAX_INPUT_BYTES = 64 * 2**20  # a day's raw pages are a few MB


def read_input(path: Path) -> RawPage | Edition:
    """A `.json` file is an edition, a `.md` file an edition as an editor corrected it in
    Markdown; anything else is raw page text."""
    try:
        if path.exists() and not path.is_dir() and not path.is_file():
            # A device or a pipe (/dev/zero, a FIFO) could be read forever.
            raise InputError(f"{path} is not a regular file")
        with open(path, "rb") as handle:
            data = handle.read(MAX_INPUT_BYTES + 1)
        if len(data) > MAX_INPUT_BYTES:
            raise InputError(f"{path} is over {MAX_INPUT_BYTES // 2**20} MB: no day's pages are that large")
    except FileNotFoundError:
        raise InputError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise InputError(f"{path} is a directory, not a file") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    text, encoding = decode_text(data, str(path))
    if not text.strip():
        raise InputError(f"{path}: the file is empty")
    suffix = path.suffix.lower()
    if suffix == ".json":
        return edition_from_json(text, source=str(path))
    if suffix in (".md", ".markdown"):
        from audiopaper.normalize import edition_from_markdown

        try:
            return edition_from_markdown(text)
        except InputError as exc:
            raise InputError(f"{path}: {exc}") from None
    return RawPage(text=text, source=path.name, encoding=encoding)


def read_edition(inputs: Sequence[Path]) -> Edition:
    """Read every input, normalizing raw pages, into one edition in the order given."""
    from audiopaper.normalize import normalize

    if not inputs:
        raise InputError("no input: name one or more page files or editions")
    editions = []
    for path in inputs:
        item = read_input(path)
        editions.append(item if isinstance(item, Edition) else normalize(item.text, source=item.source))
    warnings: list[EditionWarning] = []
    offset = 0
    for e in editions:
        warnings += [replace(w, article=None if w.article is None else w.article + offset) for w in e.warnings]
        offset += len(e.articles)
    # A page named in several inputs keeps the first input's name (later updates win).
    pages: dict[int, str] = {}
    for e in reversed(editions):
        pages.update((p.number, p.name) for p in e.pages)
    return Edition(
        articles=tuple(a for e in editions for a in e.articles),
        paper=next((e.paper for e in editions if e.paper), None),
        date=next((e.date for e in editions if e.date), None),
        warnings=tuple(warnings),
        source=", ".join(p.name for p in inputs),
        pages=tuple(PageName(number, name) for number, name in pages.items()),
    )
