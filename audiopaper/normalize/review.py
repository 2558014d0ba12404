"""The review sheet: what the normalizer made of a day's pages, for an editor to check fast.

Warnings first (each with its article, paragraph and input lines, what was decided and what
else it could have been), then the raw page beside the edition: every span of the raw page
coloured by where it went, with the destination also written out, so that nothing depends
on telling colours apart.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from audiopaper.edition import Edition
from audiopaper.normalize.ledger import Entry

_FIELD = {
    "kicker": "引题",
    "title": "标题",
    "subtitle": "副题",
    "credits": "署名",
    "dateline": "电头",
    "paragraph": "段",
}
_REASON = {
    "page header": "版头",
    "editor line": "编辑署名",
    "jump marker": "转版标记",
    "bullet": "项目符号",
    "rule line": "线",
    "repeated headline of a continued article": "转版重复标题",
    "headline without text": "无正文的标题",
    "byline without text": "无正文的署名",
}
# Light backgrounds that keep black text above 7:1 contrast.
_PALETTE = ("#fde2e2", "#e2f0fd", "#e4f7e2", "#fdf3d8", "#efe4fb", "#dff6f4", "#fbe4f1", "#eeeeda")

_CSS = """
body { font-family: "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif;
       margin: 1rem; color: #111; background: #fff; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.2rem; margin-top: 1.5rem; }
h3 { font-size: 1.05rem; margin: .8rem 0 .3rem; }
.sheet { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1.5rem; }
table { border-collapse: collapse; width: 100%; font-size: .95rem; }
th { text-align: right; color: #333; font-weight: normal; padding-right: .5rem;
     vertical-align: top; white-space: nowrap; }
td { vertical-align: top; padding: .1rem 0; }
.dest { color: #333; font-size: .8rem; margin-left: .4rem; }
del { background: #e8e8e8; color: #333; }
.warn { border-left: 4px solid #8a4b00; padding-left: .6rem; margin-bottom: .6rem; }
.lines { color: #333; font-size: .85rem; }
a { color: #0645ad; }
.ok { color: #1b5e20; }
"""


@dataclass(frozen=True)
class Reviewed:
    """One input as the sheet shows it: its raw lines and ledger (None for an edition file)."""

    name: str
    edition: Edition
    lines: list[str] | None = None
    entries: list[Entry] | None = None


def _where(article: int | None, paragraph: int | None, field: str | None = None) -> str:
    if article is None:
        return ""
    out = f"第{article + 1}篇"
    if field == "paragraph" or (field is None and paragraph is not None):
        out += f"第{(paragraph or 0) + 1}段"
    elif field:
        out += _FIELD.get(field, field)
    return out


def _line_links(prefix: str, lines: Sequence[int]) -> str:
    return "、".join(f'<a href="#{prefix}L{n}">{n}</a>' for n in lines)


def _warnings(r: Reviewed, prefix: str) -> list[str]:
    out: list[str] = []
    ws = r.edition.warnings
    if not ws:
        return ['<p class="ok">没有需要核对的地方。</p>']
    for w in ws:
        title = ""
        if w.article is not None and w.article < len(r.edition.articles):
            title = "《" + html.escape(r.edition.articles[w.article].title) + "》"
        where = _where(w.article, w.paragraph)
        lines = f'<span class="lines">输入第 {_line_links(prefix, w.lines)} 行</span>' if w.lines else ""
        alt = f"<br>另一种可能:{html.escape(w.alternative)}" if w.alternative else ""
        out.append(
            f'<li class="warn"><strong>{where} {title}</strong> {lines}<br>处理:{html.escape(w.message)}{alt}</li>'
        )
    return ["<ol>", *out, "</ol>"]


def _raw(r: Reviewed, prefix: str) -> list[str]:
    assert r.lines is not None and r.entries is not None
    by_line: dict[int, list[Entry]] = {}
    for e in r.entries:
        by_line.setdefault(e.line, []).append(e)
    rows = ['<table><caption class="lines">每行按去向着色,并注明去向</caption>', "<tbody>"]
    for number, line in enumerate(r.lines, start=1):
        spans = sorted(by_line.get(number, []), key=lambda e: e.start)
        if not line.strip():
            continue
        cells: list[str] = []
        labels: list[str] = []
        pos = 0
        for e in spans:
            cells.append(html.escape(line[pos : e.start]))
            text = html.escape(line[e.start : e.end])
            if e.dest.article is None:
                label = "删:" + _REASON.get(e.dest.field, e.dest.field)
                cells.append(f'<del title="{label}">{text}</del>')
            else:
                label = _where(e.dest.article, e.dest.paragraph, e.dest.field)
                color = _PALETTE[e.dest.article % len(_PALETTE)]
                cells.append(f'<span style="background:{color}" title="{label}">{text}</span>')
            if label not in labels:
                labels.append(label)
            pos = e.end
        cells.append(html.escape(line[pos:]))
        dest = f'<span class="dest">→ {"、".join(labels)}</span>' if labels else ""
        rows.append(f'<tr id="{prefix}L{number}"><th scope="row">{number}</th><td>{"".join(cells)}{dest}</td></tr>')
    rows += ["</tbody>", "</table>"]
    return rows


def _edition(r: Reviewed, prefix: str) -> list[str]:
    out: list[str] = []
    for i, a in enumerate(r.edition.articles):
        color = _PALETTE[i % len(_PALETTE)]
        out.append(f'<article style="border-left: 6px solid {color}; padding-left: .6rem">')
        out.append(f"<h3>第{i + 1}篇 {html.escape(a.title)}</h3>")
        meta = [f"第{a.page}版" if a.page else "", a.kind]
        if a.kicker:
            meta.append("引题:" + a.kicker)
        if a.subtitle:
            meta.append("副题:" + a.subtitle)
        if a.dateline:
            meta.append("电头:" + a.dateline)
        if a.credits:
            meta.append("署名:" + "、".join(f"{c.role} {c.name}" for c in a.credits))
        out.append(f'<p class="lines">{html.escape(" · ".join(m for m in meta if m))}</p>')
        for j, p in enumerate(a.paragraphs):
            src = a.lines[j] if j < len(a.lines) else ()
            ref = f' <span class="lines">(行 {_line_links(prefix, src)})</span>' if src and r.lines else ""
            out.append(f"<p>{html.escape(p)}{ref}</p>")
        out.append("</article>")
    return out


def review_html(items: Sequence[Reviewed]) -> str:
    total = sum(len(r.edition.warnings) for r in items)
    body: list[str] = [f"<h1>整理核对单:{total} 处需要核对</h1>"]
    for k, r in enumerate(items):
        prefix = f"f{k}"
        name = html.escape(r.name)
        body.append(f'<section aria-labelledby="{prefix}w"><h2 id="{prefix}w">{name}:需要核对</h2>')
        body += _warnings(r, prefix)
        body.append("</section>")
        body.append('<div class="sheet">')
        if r.lines is not None:
            body.append(f'<section aria-labelledby="{prefix}r"><h2 id="{prefix}r">{name}:原始版面</h2>')
            body += _raw(r, prefix)
            body.append("</section>")
        body.append(f'<section aria-labelledby="{prefix}e"><h2 id="{prefix}e">{name}:整理结果</h2>')
        body += _edition(r, prefix)
        body.append("</section></div>")
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>整理核对单</title><style>{_CSS}</style></head>"
        "<body><main>" + "\n".join(body) + "</main></body></html>\n"
    )


def review_inputs(inputs: Sequence[Path]) -> str:
    """The review sheet of raw pages (with their ledger) and editions, in the order given."""
    from audiopaper.ingest import RawPage, read_input
    from audiopaper.normalize import normalize_with_ledger
    from audiopaper.normalize.layout import source_lines

    items: list[Reviewed] = []
    for path in inputs:
        item = read_input(path)
        if isinstance(item, RawPage):
            edition, entries = normalize_with_ledger(item.text, source=item.source)
            items.append(Reviewed(path.name, edition, source_lines(item.text), entries))
        else:
            items.append(Reviewed(path.name, item))
    return review_html(items)
