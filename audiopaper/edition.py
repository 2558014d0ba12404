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
from dataclasses import asdict, dataclass, field
from typing import Any

from audiopaper.errors import InputError

KINDS = ("news", "photo", "brief", "notice")
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
class Edition:
    articles: tuple[Article, ...]
    paper: str | None = None
    date: str | None = None  # ISO YYYY-MM-DD
    warnings: tuple[EditionWarning, ...] = ()
    source: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)
    dropped: tuple[DroppedText, ...] = field(default=(), compare=False)

    @property
    def spoken_articles(self) -> tuple[Article, ...]:
        return tuple(a for a in self.articles if a.spoken)


# -- JSON ---------------------------------------------------------------------------------


def _fail(where: str, problem: str) -> InputError:
    return InputError(f"malformed edition: {where}: {problem}")


def _text(value: str, where: str) -> str:
    # Lone surrogates (JSON's "\ud800") cannot be written out as UTF-8, and control
    # characters are not text a newsreader can say: both are refused here, not met later.
    bad = next((ch for ch in value if _CONTROL.match(ch)), None)
    if bad is not None:
        raise _fail(where, f"holds the character U+{ord(bad):04X}, which is not text")
    return value


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def _opt_str(obj: dict[str, Any], key: str, where: str) -> str | None:
    value = obj.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _fail(f"{where}.{key}", f"expected a string or null, got {type(value).__name__}")
    return _text(value, f"{where}.{key}")


def _req_str(obj: dict[str, Any], key: str, where: str) -> str:
    if key not in obj:
        raise _fail(f"{where}.{key}", "missing")
    value = _opt_str(obj, key, where)
    if value is None or not value.strip():
        raise _fail(f"{where}.{key}", "must be a non-empty string")
    return value


def parse_date(value: str) -> str:
    """YYYY-MM-DD (also accepted: the other ISO 8601 forms of a day); ValueError otherwise."""
    return dt.date.fromisoformat(value).isoformat()


def validate_date(value: str, where: str = "date") -> str:
    try:
        return parse_date(value)
    except ValueError:
        raise InputError(f"invalid {where} {value!r}: expected YYYY-MM-DD") from None


def _credit_from(obj: Any, where: str) -> Credit:
    if not isinstance(obj, dict):
        raise _fail(where, "expected an object with role and name")
    return Credit(role=_req_str(obj, "role", where), name=_req_str(obj, "name", where))


def _article_from(obj: Any, where: str) -> Article:
    if not isinstance(obj, dict):
        raise _fail(where, f"expected an object, got {type(obj).__name__}")
    page = obj.get("page")
    if page is not None and (not isinstance(page, int) or isinstance(page, bool) or not 1 <= page <= MAX_PAGE):
        raise _fail(f"{where}.page", f"{_shown(page)} is not a page number from 1 to {MAX_PAGE}, or null")
    kind = obj.get("kind", "news")
    if not isinstance(kind, str) or kind not in KINDS:
        raise _fail(f"{where}.kind", f"{_shown(kind)} is not one of {', '.join(KINDS)}")
    paragraphs = obj.get("paragraphs")
    if not isinstance(paragraphs, list):
        raise _fail(f"{where}.paragraphs", "expected a list of strings")
    for i, p in enumerate(paragraphs):
        if not isinstance(p, str):
            raise _fail(f"{where}.paragraphs[{i}]", "expected a string")
        _text(p, f"{where}.paragraphs[{i}]")
    credits = obj.get("credits") or []
    if not isinstance(credits, list):
        raise _fail(f"{where}.credits", "expected a list")
    return Article(
        lines=_lines_from(obj.get("lines"), f"{where}.lines"),
        title=_req_str(obj, "title", where),
        paragraphs=tuple(paragraphs),
        page=page,
        kind=kind,
        kicker=_opt_str(obj, "kicker", where),
        subtitle=_opt_str(obj, "subtitle", where),
        credits=tuple(_credit_from(c, f"{where}.credits[{i}]") for i, c in enumerate(credits)),
        dateline=_opt_str(obj, "dateline", where),
    )


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _opt_index(obj: dict[str, Any], key: str, where: str) -> int | None:
    value = obj.get(key)
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise _fail(f"{where}.{key}", f"{_shown(value)} is not an index from 0, or null")
    return value


def _line_numbers(value: Any, where: str) -> tuple[int, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(n, int) and not isinstance(n, bool) for n in value):
        raise _fail(where, "expected a list of line numbers")
    return tuple(value)


def _lines_from(value: Any, where: str) -> tuple[tuple[int, ...], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _fail(where, "expected a list of lists of line numbers, one per paragraph")
    return tuple(_line_numbers(v, f"{where}[{i}]") for i, v in enumerate(value))


def _warning_from(obj: Any, where: str) -> EditionWarning:
    if isinstance(obj, str):
        return EditionWarning(message=_text(obj, where))
    if not isinstance(obj, dict) or not isinstance(obj.get("message"), str):
        raise _fail(where, "expected a string or an object with a message")
    alternative = obj.get("alternative")
    return EditionWarning(
        message=_text(obj["message"], f"{where}.message"),
        article=_opt_index(obj, "article", where),
        paragraph=_opt_index(obj, "paragraph", where),
        lines=_line_numbers(obj.get("lines"), f"{where}.lines"),
        alternative=_text(alternative, f"{where}.alternative") if isinstance(alternative, str) else None,
    )


def _pages(value: Any) -> dict[str, str]:
    """The pages' names, {"1": "要闻"}: what the script's section intros say."""
    if not isinstance(value, dict):
        raise _fail("pages", "expected an object of page numbers and names")
    for number, name in value.items():
        if not re.fullmatch(r"[0-9]{1,3}", number) or not 1 <= int(number) <= MAX_PAGE:
            raise _fail("pages", f"{_shown(number)} is not a page number from 1 to {MAX_PAGE}")
        if not isinstance(name, str):
            raise _fail(f"pages.{number}", "expected a string")
        _text(name, f"pages.{number}")
    return value


def _dropped_from(obj: Any, where: str) -> DroppedText:
    if not isinstance(obj, dict) or not isinstance(obj.get("line"), int) or not isinstance(obj.get("text"), str):
        raise _fail(where, "expected an object with line, text and reason")
    return DroppedText(line=obj["line"], text=obj["text"], reason=str(obj.get("reason") or ""))


_KNOWN = {"paper", "date", "articles", "warnings", "source", "dropped"}


def edition_from_dict(obj: Any, article: Callable[[int], str] = "articles[{}]".format) -> Edition:
    """The one way into an edition from outside: JSON and Markdown both come through here.
    `article(i)` names the i-th article in messages (Markdown names it by its line)."""
    if not isinstance(obj, dict):
        raise _fail("edition", "expected a JSON object")
    if "articles" not in obj:
        raise _fail("articles", "missing")
    articles = obj["articles"]
    if not isinstance(articles, list):
        raise _fail("articles", "expected a list")
    date = _opt_str(obj, "date", "edition")
    if date is not None:
        try:
            date = parse_date(date)
        except ValueError:
            raise _fail("date", f"{_shown(date)} is not an ISO date YYYY-MM-DD") from None
    warnings = obj.get("warnings") or []
    if not isinstance(warnings, list):
        raise _fail("warnings", "expected a list")
    dropped = obj.get("dropped") or []
    if not isinstance(dropped, list):
        raise _fail("dropped", "expected a list")
    extra = {k: v for k, v in obj.items() if k not in _KNOWN}
    if extra.get("pages") is not None:
        extra["pages"] = _pages(extra["pages"])
    return Edition(
        dropped=tuple(_dropped_from(d, f"dropped[{i}]") for i, d in enumerate(dropped)),
        articles=tuple(_article_from(a, article(i)) for i, a in enumerate(articles)),
        paper=_opt_str(obj, "paper", "edition"),
        date=date,
        warnings=tuple(_warning_from(w, f"warnings[{i}]") for i, w in enumerate(warnings)),
        source=_opt_str(obj, "source", "edition"),
        extra=extra,
    )


def edition_to_dict(edition: Edition) -> dict[str, Any]:
    out: dict[str, Any] = {"paper": edition.paper, "date": edition.date}
    if edition.source:
        out["source"] = edition.source
    out["articles"] = [
        {
            "page": a.page,
            "kind": a.kind,
            "kicker": a.kicker,
            "title": a.title,
            "subtitle": a.subtitle,
            "credits": [asdict(c) for c in a.credits],
            "dateline": a.dateline,
            "paragraphs": list(a.paragraphs),
            **({"lines": [list(ls) for ls in a.lines]} if a.lines else {}),
        }
        for a in edition.articles
    ]
    if edition.warnings:
        out["warnings"] = [_warning_dict(w) for w in edition.warnings]
    if edition.dropped:
        out["dropped"] = [asdict(d) for d in edition.dropped]
    for key, value in edition.extra.items():
        out.setdefault(key, value)
    return out


def _warning_dict(w: EditionWarning) -> dict[str, Any]:
    out: dict[str, Any] = {"message": w.message, "article": w.article, "paragraph": w.paragraph}
    if w.lines:
        out["lines"] = list(w.lines)
    if w.alternative:
        out["alternative"] = w.alternative
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
