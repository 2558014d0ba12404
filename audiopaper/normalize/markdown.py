"""The edition as Markdown, for an editor to read and correct, and back.

    ---
    paper: 临溪日报
    date: 2023-05-18
    ---

    # 主题
    - 版面: 1
    - 类型: news
    - 引题: ……
    - 副题: ……
    - 电头: 本报讯
    - 署名: 记者 王磊; 通讯员 李四

    第一段……

    第二段……

Paragraphs that would read as Markdown syntax (a leading #, -, > or ---) are escaped with
a backslash so that the text round-trips unchanged.
"""

from __future__ import annotations

import json
import re

from audiopaper.edition import KINDS, Article, Credit, Edition, EditionWarning
from audiopaper.errors import InputError

_FIELDS = {
    "版面": "page",
    "类型": "kind",
    "引题": "kicker",
    "副题": "subtitle",
    "电头": "dateline",
    "署名": "credits",
}
_LABEL = {v: k for k, v in _FIELDS.items()}
_META = re.compile(r"^- (?P<key>版面|类型|引题|副题|电头|署名): ?(?P<value>.*)$")
_NEEDS_ESCAPE = re.compile(r"^(?:#|- |>|---|\\|<!--)")
_WARNING = re.compile(r"^<!-- 警告(?P<where>[^:]*): (?P<msg>.*) -->$")


def _one_line(text: str) -> str:
    return " ".join(text.split("\n"))


def _escape(par: str) -> str:
    par = _one_line(par)
    return "\\" + par if _NEEDS_ESCAPE.match(par) else par


def edition_to_markdown(edition: Edition) -> str:
    out: list[str] = ["---"]
    out.append(f"paper: {edition.paper or ''}")
    out.append(f"date: {edition.date or ''}")
    if edition.source:
        out.append(f"source: {edition.source}")
    pages = edition.extra.get("pages") if isinstance(edition.extra, dict) else None
    if pages:
        out.append(f"pages: {json.dumps(pages, ensure_ascii=False)}")
    out.append("---")
    for a in edition.articles:
        out.append("")
        out.append(f"# {_one_line(a.title)}")
        out.append(f"- {_LABEL['page']}: {a.page if a.page is not None else ''}")
        out.append(f"- {_LABEL['kind']}: {a.kind}")
        if a.kicker is not None:
            out.append(f"- {_LABEL['kicker']}: {_one_line(a.kicker)}")
        if a.subtitle is not None:
            out.append(f"- {_LABEL['subtitle']}: {_one_line(a.subtitle)}")
        if a.dateline is not None:
            out.append(f"- {_LABEL['dateline']}: {_one_line(a.dateline)}")
        if a.credits:
            out.append(f"- {_LABEL['credits']}: " + "; ".join(f"{c.role} {c.name}" for c in a.credits))
        for par in a.paragraphs:
            out.append("")
            out.append(_escape(par))
    if edition.warnings:
        out.append("")
        for w in edition.warnings:
            where = ""
            if w.article is not None:
                where += f" 第{w.article}篇"
            if w.paragraph is not None:
                where += f" 第{w.paragraph}段"
            if w.lines:
                where += " 行" + ",".join(map(str, w.lines))
            alt = f"{_ALT}{_one_line(w.alternative)}" if w.alternative else ""
            out.append(f"<!-- 警告{where}: {_one_line(w.message)}{alt} -->")
    return "\n".join(out) + "\n"


def edition_from_markdown(text: str) -> Edition:
    lines = text.replace("\r\n", "\n").split("\n")
    meta: dict[str, str] = {}
    i = 0
    if lines and lines[0].strip() == "---":
        i = 1
        while i < len(lines) and lines[i].strip() != "---":
            key, _, value = lines[i].partition(":")
            meta[key.strip()] = value.strip()
            i += 1
        i += 1
    articles: list[Article] = []
    warnings: list[EditionWarning] = []
    cur: dict | None = None  # type: ignore[type-arg]
    paragraph: list[str] = []

    def flush_par() -> None:
        if cur is not None and paragraph:
            cur["paragraphs"].append(" ".join(paragraph))
        paragraph.clear()

    def flush_article() -> None:
        flush_par()
        if cur is not None:
            articles.append(_article(cur))

    for line in lines[i:]:
        w = _WARNING.match(line.strip())
        if w:
            warnings.append(_warning(w.group("where"), w.group("msg")))
            continue
        if line.startswith("# "):
            flush_article()
            cur = {"title": line[2:].strip(), "paragraphs": [], "in_meta": True}
            continue
        if cur is None:
            if line.strip():
                raise InputError(f"edition markdown: text before the first '# ' title: {line[:40]!r}")
            continue
        m = _META.match(line)
        if m and cur["in_meta"] and not paragraph:
            cur[_FIELDS[m.group("key")]] = m.group("value").strip()
            continue
        if not line.strip():
            flush_par()
            cur["in_meta"] = False
            continue
        cur["in_meta"] = False
        paragraph.append(line[1:] if line.startswith("\\") else line)
    flush_article()
    extra: dict = {}  # type: ignore[type-arg]
    if meta.get("pages"):
        try:
            extra["pages"] = json.loads(meta["pages"])
        except json.JSONDecodeError:
            raise InputError("edition markdown: pages is not valid JSON") from None
    return Edition(
        articles=tuple(articles),
        paper=meta.get("paper") or None,
        date=meta.get("date") or None,
        warnings=tuple(warnings),
        source=meta.get("source") or None,
        extra=extra,
    )


def _article(obj: dict) -> Article:  # type: ignore[type-arg]
    page = obj.get("page") or None
    if page is not None:
        if not page.isdigit() or int(page) < 1:
            raise InputError(f"edition markdown: {obj['title']}: 版面 {page!r} is not a page number")
        page = int(page)
    kind = obj.get("kind") or "news"
    if kind not in KINDS:
        raise InputError(f"edition markdown: {obj['title']}: 类型 {kind!r} is not one of {', '.join(KINDS)}")
    credits: list[Credit] = []
    for item in (obj.get("credits") or "").split(";"):
        item = item.strip()
        if not item:
            continue
        role, _, name = item.partition(" ")
        if not name.strip():
            raise InputError(f"edition markdown: {obj['title']}: 署名 {item!r} needs a role and a name")
        credits.append(Credit(role=role, name=name.strip()))
    return Article(
        title=obj["title"],
        paragraphs=tuple(obj["paragraphs"]),
        page=page,
        kind=kind,
        kicker=obj.get("kicker"),
        subtitle=obj.get("subtitle"),
        credits=tuple(credits),
        dateline=obj.get("dateline"),
    )


_ALT = " | 或者: "


def _warning(where: str, msg: str) -> EditionWarning:
    a = re.search(r"第(\d+)篇", where)
    p = re.search(r"第(\d+)段", where)
    ls = re.search(r"行([\d,]+)", where)
    msg, _, alt = msg.partition(_ALT)
    return EditionWarning(
        message=msg,
        article=int(a.group(1)) if a else None,
        paragraph=int(p.group(1)) if p else None,
        lines=tuple(int(n) for n in ls.group(1).split(",")) if ls else (),
        alternative=alt or None,
    )
