"""The edition: one day's paper as clean, ordered articles (see docs/edition-format.md).

It is the contract between the normalizer, the editors who correct it by hand, and the
script builder, so loading is strict: a malformed edition is rejected with a message that
names the offending field, never half-accepted.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, cast, get_args

import msgspec
from msgspec import UNSET, Meta, UnsetType

from audiopaper.core.typed import finding
from audiopaper.errors import InputError

Kind = Literal["news", "photo", "brief", "notice"]
KINDS: tuple[str, ...] = get_args(Kind)
MAX_PAGE = 999  # a county daily has a dozen pages; a larger number is a typo or an attack


@dataclass(frozen=True)
class Credit:
    role: str
    name: str


@dataclass(frozen=True)
class Article:
    title: str
    paragraphs: tuple[str, ...]
    page: int | None = None
    kind: str = "news"
    kicker: str | None = None
    subtitle: str | None = None
    credits: tuple[Credit, ...] = ()
    dateline: str | None = None
    # The input lines behind each paragraph (the normalizer's ledger); () when not known.
    lines: tuple[tuple[int, ...], ...] = field(default=(), compare=False)

    @property
    def spoken(self) -> bool:
        """Notices (遗失声明, 公告, ads) stay in the edition but never reach the audio."""
        return self.kind != "notice"


@dataclass(frozen=True)
class EditionWarning:
    """Something the normalizer was unsure of, for an editor to check."""

    message: str  # what was decided
    article: int | None = None  # index into Edition.articles
    paragraph: int | None = None
    lines: tuple[int, ...] = ()  # input line numbers, from 1
    alternative: str | None = None  # what else it could have been


@dataclass(frozen=True)
class DroppedText:
    """Printed text that is in no article, and why: a page header, an editor line, a jump marker."""

    line: int
    text: str
    reason: str


@dataclass(frozen=True)
class PageName:
    """A page's name as the paper prints it: page 1 is 要闻. In JSON: "pages": {"1": "要闻"}."""

    number: int
    name: str


@dataclass(frozen=True)
class Edition:
    articles: tuple[Article, ...]
    paper: str | None = None
    date: str | None = None  # ISO YYYY-MM-DD
    warnings: tuple[EditionWarning, ...] = ()
    source: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)  # fields this version does not know
    dropped: tuple[DroppedText, ...] = field(default=(), compare=False)
    pages: tuple[PageName, ...] = ()  # the names of the paper's pages, where it says them

    def page_name(self, number: int | None) -> str | None:
        """The name the paper gives page `number` (要闻), or None."""
        return next((p.name for p in self.pages if p.number == number), None)

    @property
    def spoken_articles(self) -> tuple[Article, ...]:
        return tuple(a for a in self.articles if a.spoken)


# -- JSON ---------------------------------------------------------------------------------
#
# The JSON form is declared once, as the msgspec structs below, in the order and with the
# omissions docs/edition-format.md shows: msgspec checks every field's type and bounds on
# the way in, and writes them in this order on the way out (UNSET: left out of the file).

# Lone surrogates (JSON's "\ud800") cannot be written out as UTF-8, and control characters
# are not text a newsreader can say: both are refused on the way in, not met later.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_TEXT = r"[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]*"
Text = Annotated[str, Meta(pattern=rf"\A{_TEXT}\Z")]
Required = Annotated[str, Meta(pattern=rf"\A(?=[\s\S]*\S){_TEXT}\Z")]  # and not blank
PageNumber = Annotated[int, Meta(ge=1, le=MAX_PAGE)]
PageKey = Annotated[str, Meta(pattern=r"\A[0-9]{1,3}\Z")]
Index = Annotated[int, Meta(ge=0)]


class _CreditDoc(msgspec.Struct):
    role: Required
    name: Required


class _ArticleDoc(msgspec.Struct, kw_only=True):
    page: PageNumber | None = None
    kind: Kind = "news"
    kicker: Text | None = None
    title: Required
    subtitle: Text | None = None
    credits: list[_CreditDoc] | None = []
    dateline: Text | None = None
    paragraphs: list[Text]
    lines: list[list[int] | None] | UnsetType | None = UNSET


class _WarningDoc(msgspec.Struct, kw_only=True):
    message: Text
    article: Index | None = None
    paragraph: Index | None = None
    lines: list[int] | UnsetType | None = UNSET
    alternative: Text | UnsetType | None = UNSET


class _DroppedDoc(msgspec.Struct):
    line: int
    text: str
    reason: str | None = ""


class _EditionDoc(msgspec.Struct, kw_only=True):
    paper: Text | None = None
    date: Text | None = None
    source: Text | UnsetType | None = UNSET
    articles: list[_ArticleDoc]
    warnings: list[Text | _WarningDoc] | UnsetType | None = UNSET
    dropped: list[_DroppedDoc] | UnsetType | None = UNSET
    pages: dict[PageKey, Text] | UnsetType | None = UNSET


_KNOWN = frozenset(_EditionDoc.__struct_fields__)


def parse_date(value: str) -> str:
    """YYYY-MM-DD (also accepted: the other ISO 8601 forms of a day); ValueError otherwise."""
    return dt.date.fromisoformat(value).isoformat()


def validate_date(value: str, where: str = "date") -> str:
    try:
        return parse_date(value)
    except ValueError:
        raise InputError(f"invalid {where} {value!r}: expected YYYY-MM-DD") from None


def _fail(where: str, problem: str) -> InputError:
    return InputError(f"malformed edition: {where}: {problem}")


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


# What is wrong, said per field of the JSON form (indexes as []); msgspec finds the field.
_PROBLEMS = {
    "": "expected a JSON object",
    "articles": "expected a list",
    "articles[]": "expected an object, got {type}",
    "articles[].page": f"{{shown}} is not a page number from 1 to {MAX_PAGE}, or null",
    "articles[].kind": f"{{shown}} is not one of {', '.join(KINDS)}",
    "articles[].title": "must be a non-empty string",
    "articles[].paragraphs": "expected a list of strings",
    "articles[].paragraphs[]": "expected a string",
    "articles[].credits": "expected a list",
    "articles[].credits[]": "expected an object with role and name",
    "articles[].credits[].role": "must be a non-empty string",
    "articles[].credits[].name": "must be a non-empty string",
    "articles[].lines": "expected a list of lists of line numbers, one per paragraph",
    "articles[].lines[]": "expected a list of line numbers",
    "articles[].lines[][]": "expected a line number",
    "warnings": "expected a list",
    "warnings[]": "expected a string or an object with a message",
    "warnings[].message": "expected a string",
    "warnings[].article": "{shown} is not an index from 0, or null",
    "warnings[].paragraph": "{shown} is not an index from 0, or null",
    "warnings[].lines": "expected a list of line numbers",
    "warnings[].lines[]": "expected a line number",
    "dropped": "expected a list",
    "dropped[]": "expected an object with line, text and reason",
    "dropped[].line": "expected a line number",
    "dropped[].text": "expected a string",
    "pages": "expected an object of page numbers and names",
    "pages[]": "expected a string",
}
# The other text fields take a string or null.
_OPTIONAL_TEXT = "expected a string or null, got {type}"
_TEXTS = {"paper", "date", "source", "kicker", "subtitle", "dateline", "alternative", "reason"}


def _problem(obj: Any, exc: msgspec.ValidationError, article: Callable[[int], str]) -> InputError:
    """msgspec's finding as the edition's one-line message: the field's place (the i-th
    article named as the caller names it) and what is wrong with its value."""
    found = finding(exc)
    value, place, key = obj, "", ""
    for step in found.steps:
        if step == "...":  # a value of the pages object: msgspec does not say which
            step = _bad_page(value)
            place, key = f"{place}.{step}", f"{key}[]"
        elif isinstance(step, int):
            place = article(step) if place == "articles" else f"{place}[{step}]"
            key += "[]"
        else:
            place, key = f"{place}.{step}" if place else step, f"{key}.{step}" if key else step
        value = value[step]
    if found.missing:
        return _fail(f"{place}.{found.missing}" if place else found.missing, "missing")
    if found.in_key:  # a key of the pages object
        number = next(k for k in value if not re.fullmatch(r"[0-9]{1,3}", k))
        return _fail(place, f"{_shown(number)} is not a page number from 1 to {MAX_PAGE}")
    bad = next((ch for ch in value if _CONTROL.match(ch)), None) if isinstance(value, str) else None
    if bad is not None:
        return _fail(place, f"holds the character U+{ord(bad):04X}, which is not text")
    template = _PROBLEMS.get(key) or (_OPTIONAL_TEXT if key.rpartition(".")[2] in _TEXTS else None)
    if template is None:
        template = found.problem.replace("`", "")
    return _fail(place or "edition", template.format(shown=_shown(value), type=type(value).__name__))


def _bad_page(pages: dict[str, Any]) -> str:
    return next(k for k, v in pages.items() if not isinstance(v, str) or _CONTROL.search(v))


def edition_from_dict(obj: Any, article: Callable[[int], str] = "articles[{}]".format) -> Edition:
    """The one way into an edition from outside: JSON and Markdown both come through here.
    `article(i)` names the i-th article in messages (Markdown names it by its line)."""
    try:
        doc = msgspec.convert(obj, _EditionDoc, strict=True)
    except msgspec.ValidationError as exc:
        raise _problem(obj, exc, article) from None
    date = doc.date
    if date is not None:
        try:
            date = parse_date(date)
        except ValueError:
            raise _fail("date", f"{_shown(date)} is not an ISO date YYYY-MM-DD") from None
    return Edition(
        articles=tuple(_article(a) for a in doc.articles),
        paper=doc.paper,
        date=date,
        warnings=tuple(_warning(w) for w in doc.warnings or ()),
        source=doc.source or None,
        extra={k: v for k, v in obj.items() if k not in _KNOWN},
        dropped=tuple(DroppedText(line=d.line, text=d.text, reason=d.reason or "") for d in doc.dropped or ()),
        pages=_pages(doc.pages or {}),
    )


def _article(doc: _ArticleDoc) -> Article:
    return Article(
        title=doc.title,
        paragraphs=tuple(doc.paragraphs),
        page=doc.page,
        kind=doc.kind,
        kicker=doc.kicker,
        subtitle=doc.subtitle,
        credits=tuple(Credit(role=c.role, name=c.name) for c in doc.credits or ()),
        dateline=doc.dateline,
        lines=tuple(tuple(ls or ()) for ls in doc.lines or ()),
    )


def _warning(doc: str | _WarningDoc) -> EditionWarning:
    if isinstance(doc, str):
        return EditionWarning(message=doc)
    return EditionWarning(
        message=doc.message,
        article=doc.article,
        paragraph=doc.paragraph,
        lines=tuple(doc.lines or ()),
        alternative=doc.alternative or None,
    )


def _pages(names: dict[str, str]) -> tuple[PageName, ...]:
    pages: dict[int, PageName] = {}
    for key, name in names.items():
        number = int(key)
        if not 1 <= number <= MAX_PAGE:
            raise _fail("pages", f"{_shown(key)} is not a page number from 1 to {MAX_PAGE}")
        if number in pages:
            raise _fail("pages", f"page {number} is named twice")
        pages[number] = PageName(number=number, name=name)
    return tuple(pages.values())


def edition_to_dict(edition: Edition) -> dict[str, Any]:
    doc = _EditionDoc(
        paper=edition.paper,
        date=edition.date,
        source=edition.source or UNSET,
        articles=[
            _ArticleDoc(
                page=a.page,
                kind=cast(Kind, a.kind),
                kicker=a.kicker,
                title=a.title,
                subtitle=a.subtitle,
                credits=[_CreditDoc(role=c.role, name=c.name) for c in a.credits],
                dateline=a.dateline,
                paragraphs=list(a.paragraphs),
                lines=[list(ls) for ls in a.lines] or UNSET,
            )
            for a in edition.articles
        ],
        warnings=[
            _WarningDoc(
                message=w.message,
                article=w.article,
                paragraph=w.paragraph,
                lines=list(w.lines) or UNSET,
                alternative=w.alternative or UNSET,
            )
            for w in edition.warnings
        ]
        or UNSET,
        dropped=[_DroppedDoc(line=d.line, text=d.text, reason=d.reason) for d in edition.dropped] or UNSET,
        pages={str(p.number): p.name for p in edition.pages} or UNSET,
    )
    out: dict[str, Any] = msgspec.to_builtins(doc)
    for key, value in edition.extra.items():
        out.setdefault(key, value)
    return out


def edition_to_json(edition: Edition) -> str:
    return json.dumps(edition_to_dict(edition), ensure_ascii=False, indent=1) + "\n"


def load_json(text: str, source: str) -> Any:
    """json.loads, with every way it can fail as one line: bad syntax, nesting too deep for
    the parser, a number too long to convert."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except RecursionError:
        raise InputError(f"{source}: not valid JSON (nested too deep)") from None
    except ValueError as exc:  # int('9' * 5000): Python's limit on converting digits
        raise InputError(f"{source}: not valid JSON ({str(exc).split(';')[0]})") from None


def edition_from_json(text: str, source: str = "edition") -> Edition:
    obj = load_json(text, source)
    try:
        return edition_from_dict(obj)
    except InputError as exc:
        raise InputError(f"{source}: {exc}") from None


def comparable(edition: Edition) -> list[dict[str, Any]]:
    """The edition as the format doc compares editions: NFKC, whitespace removed."""

    def norm(value: Any) -> Any:
        if isinstance(value, str):
            return "".join(unicodedata.normalize("NFKC", value).split())
        if isinstance(value, list):
            return [norm(v) for v in value]
        if isinstance(value, dict):
            return {k: norm(v) for k, v in value.items()}
        return value

    return [norm({k: v for k, v in a.items() if k != "lines"}) for a in edition_to_dict(edition)["articles"]]


# Warnings about text that may be missing come first: a listener may have lost words there.
_LOSS = ("lost text", "could not place", "left out", "dropped")


def warning_lines(edition: Edition) -> list[str]:
    """The edition's warnings as one line each for an editor: where (article, paragraph,
    input lines), what was decided and what else it could be; possible losses first."""

    def line(w: EditionWarning) -> str:
        where: list[str] = []
        if w.article is not None:
            title = edition.articles[w.article].title if 0 <= w.article < len(edition.articles) else "?"
            where.append(f"article {w.article + 1} 《{title}》")
        if w.paragraph is not None:
            where.append(f"paragraph {w.paragraph + 1}")
        if w.lines:
            where.append("lines " + ", ".join(map(str, w.lines)))
        alt = f" (or: {w.alternative})" if w.alternative else ""
        return (", ".join(where) + ": " if where else "") + w.message + alt

    ordered = sorted(edition.warnings, key=lambda w: not any(k in w.message for k in _LOSS))
    return [line(w) for w in ordered]
