"""The held-out normalizer evaluation: pages of papers the normalizer was not built on.

tests/unseen/*.txt are raw e-paper pages of seven invented county papers (54 articles), laid
out as exports look day to day, with a few of issue 11's harder layouts in their natural
proportion; each *.gold.json is the edition an editor makes of it, written by hand before the
normalizer was run on the page. Do not fit the normalizer to these pages: they measure how it
does on a page nobody has seen. Run as a script to see each set's table and every miss:

    python -m tests.test_unseen_eval

An article is exact when it equals its gold in every field the edition format compares
(audiopaper.edition.comparable: NFKC, whitespace removed; `lines` ignored), wherever it sits in
the edition. A page loses body text when a Han character of the gold's paragraphs is missing
from the output's paragraphs (counted as multisets: a character in a title or nowhere is lost
to a listener of the body).

First measured (branch `unseen`, normalizer as of commit 5335415): 42/54 articles exact
(fenglin 4/8, hexi 8/8, heyang 6/8, lanjiang 5/7, sangxi 8/8, wugang 4/7, zechuan 7/8); 13 Han
characters of body text lost, all on one page (wugang: an article's closing hotline line taken
for the next article's kicker). The issue's bar is 9 in 10 exact and no loss at all:
Each set's exact_needed keeps what was measured from slipping back, and its known_loss names the pages that
lost text when measured, expected to fail (strictly: once one stops losing text, take it out).

After the normalizer work of 2026-12-02 (branches weak, weak2, speed): 50/54 exact (fenglin
6/8, heyang 6/8, the rest all exact), no character lost. That work was told the causes of
these misses in one line each (never the pages), so this set is no longer quite unseen:
tests/unseen2/ is the set laid out after it, for the honest measure.

tests/unseen2/*.txt: five more invented county papers (35 articles), laid out on 2026-12-02
after that work, by a helper who saw neither the normalizer's code nor tests/unseen/, with each
gold written and committed before the first run (one gold fixed after it: guichuan's
`全媒体记者` is role 记者, as the project's gold for that corpus byline has it; 30/35 before).
First measured (branch `unseen2`, normalizer as of commit 39da8ff): 31/35 exact (anhe 7/9,
guichuan 6/7, luoping 5/5, maicheng 6/7, zhetang 7/7); 12 Han characters of body text lost, all
on anhe (a notice's signature and date lines, `国网安禾县供电公司` / `2025年8月20日`, taken for
the next article's kicker and title). Misses: that notice read as news without its last two
paragraphs, and the next article's headline shifted by them; a photo caption under its own
headline with the photographer run on unbracketed (`…… 记者 覃永刚 摄`) read as news; unbracketed
credits after a dateline with the paper's name in the role (`麦城报讯 麦城报记者 宋玉洁
通讯员/何建平 5月20日,……`) left in the first paragraph.

Then the loss was mended (a signature's lines, an issuer over its date, stay with the notice
they sign; a notice may be labelled 【停电公告】 before its title): 33/35, nothing lost. That
fix was made looking at anhe, so this set too is now seen; a third set laid out afresh is the
next honest measure.

tests/unseen3/*.txt: five more invented county papers (35 articles, 7 a page), laid out on
2026-12-02 after that fix, by a helper who saw neither the normalizer's code nor the pages of
tests/unseen/ and tests/unseen2/, with each gold written and committed (11ed54e) before the
first run; no gold changed after it. First measured (branch `unseen3`, normalizer as of commit
d517d12): 26/35 exact (danhu 5/7, meiling 5/7, qinghe 6/7, shipu 6/7, yunxi 4/7); no character
of body text lost. Misses, by the layout that broke each:
- danhu, shipu: a titled photo caption with the photographer run on unbracketed at its end
  (`…… 记者 程晓燕 摄`, `…… 通讯员 胡晓东 摄`) read as news.
- danhu: a title printed over two lines (`发了停水通知却没停水` / `自来水公司作出解释`) read as
  kicker + title.
- meiling (hard-wrapped): a sentence ending at a wrapped line's end (`……开展拉网式排查。`) taken
  for a paragraph end, one paragraph split in two; and a 停电通知 with its issuer and date read
  as news, not a notice.
- qinghe: a closing byline `(通讯员 蓝月)` after an unbracketed `本报讯 ` opening left in the
  last paragraph, credits empty.
- yunxi: a page header over three lines (`云溪日报` / `2025年8月21日 星期四` / `第1版 要闻`) not
  recognised: paper, date and page name lost, and the lead article's kicker, title and subtitle
  shifted by it; credits after the dateline with the paper's name in the role (`株洲日报讯
  株洲日报记者 廖敏 通讯员/谷经华 3月28日,……`) left in the first paragraph; the role
  `融媒体记者` in `本报讯(融媒体记者 叶子涵)` not read as a credit, the bracket left in the text
  (the gold says 记者 by analogy with 全媒体记者; no earlier gold has this role).

Then branch `weak3` mended two causes found on tests/unseen2 (told in one line each; it saw
neither set's pages): credits after a dateline without brackets with the outlet in the role,
and a caption under its own headline with its photographer run on. Measured after it, with
nothing else changed: unseen3 29/35 (danhu 6/7, meiling 5/7, qinghe 6/7, shipu 7/7, yunxi
5/7), nothing lost; unseen2 35/35. The three sets together: 114/124.

Then branch `weak4` mended four causes found on this set, reading its pages (a header over
three lines, 融媒体记者, a name ending in 月 in a closing byline, a notice titled 通知): 33/35,
nothing lost. From then on this set is seen too; tests/unseen4/ is the measure after it.

tests/unseen4/*.txt: four more invented county papers (28 articles, 7 a page), laid out on
2026-12-02 after branch `weak3`, by a helper who saw neither the normalizer's code nor the pages
of the earlier sets, with each gold written and committed (a576172) before the first run; no
gold changed after it. Layouts: page headers on one line and over two, a caption credited
bracketed, unbracketed on a line of its own (`朱丽娜 摄影报道`) and run on, a 简讯 column with
■ bullets, a 遗失声明, a byline line under a title (`本报记者 X`, `□ 本报记者 X`), closing
bylines, a jump from page 1 to page 2, one hard-wrapped page. First measured (branch
`unseen4`, normalizer as of commit daead9b): 27/28 exact (guitang 7/7, heming 7/7, qingpu 7/7,
zhexi 6/7); no character of body text lost. The one miss:
- zhexi: a dateline with its bracketed credits on a line of its own under the subtitle
  (`本报讯(记者 马文涛 通讯员 孙立平)`, the text starting on the next line) joined to the
  subtitle: credits and dateline lost from the lead article.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from audiopaper.edition import Edition, comparable, edition_from_json
from audiopaper.normalize import normalize

HERE = Path(__file__).parent


@dataclass(frozen=True)
class HeldOut:
    """One held-out set: its folder, what it was laid out to hold, and the bar it must keep."""

    name: str
    min_pages: int
    min_articles: int
    # The score measured when the set was first run (see the docstring): raise it, never lower it.
    exact_needed: int
    # Pages that lost body text when measured, expected to fail (strictly: once one stops
    # losing text, take it out).
    known_loss: frozenset[str] = frozenset()

    @property
    def pages(self) -> list[Path]:
        return sorted((HERE / self.name).glob("*.txt"))


SETS = (
    HeldOut("unseen", min_pages=6, min_articles=45, exact_needed=50),
    HeldOut("unseen2", min_pages=5, min_articles=35, exact_needed=35, known_loss=frozenset()),
    HeldOut("unseen3", min_pages=5, min_articles=35, exact_needed=33, known_loss=frozenset()),
    HeldOut("unseen4", min_pages=4, min_articles=28, exact_needed=27, known_loss=frozenset()),
)


@dataclass(frozen=True)
class PageResult:
    name: str
    articles: int
    exact: int
    lost: int  # Han characters of the gold's body text missing from the output's body text
    misses: tuple[str, ...]  # one line per gold article not exact: title and differing fields
    meta: tuple[str, ...]  # paper, date or page names that differ from the gold


def _han(texts: list[str]) -> Counter[str]:
    return Counter(c for t in texts for c in unicodedata.normalize("NFKC", t) if "\u4e00" <= c <= "\u9fff")


def _body(articles: list[dict[str, Any]]) -> list[str]:
    return [p for a in articles for p in a["paragraphs"]]


def _closest(want: dict[str, Any], got: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The output article an editor would hold against `want`: the one that agrees on most
    fields, ties broken by shared body text."""
    if not got:
        return None

    def score(a: dict[str, Any]) -> tuple[int, int]:
        same = sum(a.get(k) == v for k, v in want.items())
        shared = sum((_han(a["paragraphs"]) & _han(want["paragraphs"])).values())
        return same, shared

    return max(got, key=score)


def _describe(want: dict[str, Any], near: dict[str, Any] | None) -> str:
    if near is None:
        return f"《{want['title']}》: no article at all"
    fields = [k for k in want if near.get(k) != want[k]]
    detail = []
    for k in fields:
        if k == "paragraphs":
            pairs = zip(near[k], want[k], strict=False)
            first = next((i for i, (a, b) in enumerate(pairs) if a != b), min(len(near[k]), len(want[k])))
            detail.append(f"paragraphs ({len(near[k])} vs gold {len(want[k])}, first differs at {first + 1})")
        else:
            detail.append(f"{k} ({near.get(k)!r:.60} vs gold {want[k]!r:.60})")
    return f"《{want['title']}》: " + "; ".join(detail)


def evaluate(page: Path) -> PageResult:
    got_edition = normalize(page.read_text(encoding="utf-8"), source=page.name)
    gold_edition: Edition = edition_from_json(page.with_suffix(".gold.json").read_text(encoding="utf-8"))
    got, gold = comparable(got_edition), comparable(gold_edition)
    unmatched = list(got)
    exact, misses = 0, []
    for want in gold:
        if want in unmatched:
            unmatched.remove(want)
            exact += 1
    for want in gold:
        if want not in got:
            misses.append(_describe(want, _closest(want, unmatched)))
    lost = sum((_han(_body(gold)) - _han(_body(got))).values())
    meta = [
        f"{key}: {a!r} vs gold {b!r}"
        for key, a, b in (
            ("paper", got_edition.paper, gold_edition.paper),
            ("date", got_edition.date, gold_edition.date),
            ("pages", got_edition.pages, gold_edition.pages),
        )
        if a != b
    ]
    return PageResult(page.stem, len(gold), exact, lost, tuple(misses), tuple(meta))


def table(results: list[PageResult]) -> str:
    lines = [f"{'page':<10} {'articles':>8} {'exact':>6} {'lost chars':>10}"]
    for r in results:
        lines.append(f"{r.name:<10} {r.articles:>8} {r.exact:>6} {r.lost:>10}")
    total, exact = sum(r.articles for r in results), sum(r.exact for r in results)
    lines.append(f"{'all':<10} {total:>8} {exact:>6} {sum(r.lost for r in results):>10}")
    for r in results:
        lines += [f"{r.name}: {m}" for m in (*r.meta, *r.misses)]
    return "\n".join(lines)


_RESULTS: dict[str, list[PageResult]] = {}


def results_of(held: HeldOut) -> list[PageResult]:
    # Each set is normalized once per session, whichever test asks first.
    if held.name not in _RESULTS:
        _RESULTS[held.name] = [evaluate(p) for p in held.pages]
    return _RESULTS[held.name]


def _gold(page: Path) -> Edition:
    return edition_from_json(page.with_suffix(".gold.json").read_text(encoding="utf-8"))


_BY_SET = [pytest.param(h, id=h.name) for h in SETS]


@pytest.mark.parametrize("held", _BY_SET)
def test_the_set_is_as_described(held: HeldOut) -> None:
    assert len(held.pages) >= held.min_pages
    golds = [_gold(p) for p in held.pages]
    assert sum(len(g.articles) for g in golds) >= held.min_articles
    # Each gold's body text was printed on its page: the gold is not the thing that loses text.
    for page, gold in zip(held.pages, golds, strict=True):
        printed = _han([page.read_text(encoding="utf-8")])
        assert not _han(_body(comparable(gold))) - printed, page.name


@pytest.mark.parametrize("held", _BY_SET)
def test_the_measure_can_fail(held: HeldOut) -> None:
    """An edition that drops a paragraph and mistitles an article must score below its gold."""
    gold = comparable(_gold(held.pages[0]))
    damaged = [dict(a) for a in gold]
    damaged[0] = {**damaged[0], "paragraphs": damaged[0]["paragraphs"][1:]}
    damaged[1] = {**damaged[1], "title": damaged[1]["title"] + "了"}
    assert sum(a in damaged for a in gold) == len(gold) - 2
    lost = sum((_han(_body(gold)) - _han(_body(damaged))).values())
    assert lost == sum(_han(gold[0]["paragraphs"][:1]).values()) > 0


def _page_params() -> list[Any]:
    reason = "issue 11: loses body text as measured; no page may"
    return [
        pytest.param(
            h,
            p,
            id=f"{h.name}/{p.stem}",
            marks=[pytest.mark.xfail(strict=True, reason=reason)] if p.stem in h.known_loss else [],
        )
        for h in SETS
        for p in h.pages
    ]


@pytest.mark.parametrize(("held", "page"), _page_params())
def test_no_page_loses_body_text(held: HeldOut, page: Path) -> None:
    results = results_of(held)
    result = next(r for r in results if r.name == page.stem)
    assert result.lost == 0, table(results)


@pytest.mark.parametrize("held", _BY_SET)
def test_articles_come_out_exact(held: HeldOut) -> None:
    results = results_of(held)
    assert sum(r.exact for r in results) >= held.exact_needed, table(results)


if __name__ == "__main__":
    for held in SETS:
        print(f"== tests/{held.name}/ (bar: {held.exact_needed} exact)")
        print(table(results_of(held)))
