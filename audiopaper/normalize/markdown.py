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
from typing import Any

from audiopaper.edition import Edition, edition_from_dict, load_json
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
# A title line: "# 主题". "#" alone or "# " with nothing after is an empty title, refused as
# JSON's "title": "" is; "#text" (no space) is a paragraph an editor typed.
_TITLE = re.compile(r"^#(?:[ \t]+(?P<title>.*)|[ \t]*)$")
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
    if edition.pages:
        pages = {str(p.number): p.name for p in edition.pages}
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
    """Read the Markdown back into the edition's JSON form and validate it as JSON input is
    validated (edition_from_dict): one set of rules, whichever form an editor corrected."""
    lines = text.replace("\r\n", "\n").split("\n")
    obj: dict[str, Any] = {}
    i = 0
    if lines and lines[0].strip() == "---":
        i = 1
        while i < len(lines) and lines[i].strip() != "---":
            if not lines[i].strip():
                i += 1
                continue
            key, colon, value = lines[i].partition(":")
            if not colon or not key.strip():
                raise InputError(
                    f"edition markdown: line {i + 1}: front matter wants 'key: value', got {lines[i][:40]!r}"
                )
            obj[key.strip()] = value.strip() or None
            i += 1
        if i == len(lines):
            raise InputError("edition markdown: the front matter opened by '---' on line 1 is never closed")
        i += 1
    if obj.get("pages") is not None:
        obj["pages"] = load_json(obj["pages"], "edition markdown: pages")
    articles: list[dict[str, Any]] = []
    starts: list[int] = []  # each article's line, for messages
    warnings: list[dict[str, Any]] = []
    cur: dict[str, Any] | None = None
    in_meta = False
    paragraph: list[str] = []

    def flush_par() -> None:
        if cur is not None and paragraph:
            cur["paragraphs"].append(" ".join(paragraph))
        paragraph.clear()

    for n, line in enumerate(lines[i:], start=i + 1):
        w = _WARNING.match(line.strip())
        if w:
            warnings.append(_warning(w.group("where"), w.group("msg")))
            continue
        title = _TITLE.match(line)
        if title:
            flush_par()
            cur = {"title": (title.group("title") or "").strip(), "paragraphs": []}
            articles.append(cur)
            starts.append(n)
            in_meta = True
            continue
        if cur is None:
            if line.strip():
                raise InputError(f"edition markdown: line {n}: text before the first '# ' title: {line[:40]!r}")
            continue
        m = _META.match(line)
        if m and in_meta and not paragraph:
            _field(cur, _FIELDS[m.group("key")], m.group("value").strip())
            continue
        if not line.strip():
            flush_par()
            in_meta = False
            continue
        in_meta = False
        paragraph.append(line[1:] if line.startswith("\\") else line)
    flush_par()
    obj["articles"] = articles
    obj["warnings"] = warnings
    try:
        return edition_from_dict(obj, article=lambda k: f"article {k + 1} (line {starts[k]})")
    except InputError as exc:
        raise InputError(f"edition markdown: {exc}") from None


def _field(article: dict[str, Any], key: str, value: str) -> None:
    """An article's `- 标签: 值` line, in the JSON form; what is wrong with it is left for
    edition_from_dict to say."""
    if key == "page":
        # Only ASCII digits become a number ("²".isdigit() holds); anything else stays text
        # and is refused as JSON's "page": "一" would be.
        article[key] = int(value) if re.fullmatch(r"[0-9]{1,6}", value) else value or None
    elif key == "credits":
        article[key] = [
            {"role": role, "name": name.strip()}
            for role, _, name in (item.strip().partition(" ") for item in value.split(";") if item.strip())
        ]
    else:
        article[key] = value or (None if key != "kind" else "news")


_ALT = " | 或者: "


def _warning(where: str, msg: str) -> dict[str, Any]:
    a = re.search(r"第(\d{1,9})篇", where)
    p = re.search(r"第(\d{1,9})段", where)
    ls = re.search(r"行([\d,]{1,200})", where)
    msg, _, alt = msg.partition(_ALT)
    return {
        "message": msg,
        "article": int(a.group(1)) if a else None,
        "paragraph": int(p.group(1)) if p else None,
        "lines": [int(n) for n in ls.group(1).split(",") if n] if ls else None,
        "alternative": alt or None,
    }
