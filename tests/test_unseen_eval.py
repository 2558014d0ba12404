"""The held-out normalizer evaluation: pages of papers the normalizer was not built on.

tests/unseen/*.txt are raw e-paper pages of seven invented county papers (54 articles), laid
out as exports look day to day, with a few of issue 11's harder layouts in their natural
proportion; each *.gold.json is the edition an editor makes of it, written by hand before the
normalizer was run on the page. Do not fit the normalizer to these pages: they measure how it
does on a page nobody has seen. Run as a script to see the table and every miss:

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
EXACT_NEEDED keeps what was measured from slipping back, and KNOWN_LOSS names the pages that
lost text when measured, expected to fail (strictly: once one stops losing text, take it out).

After the normalizer work of 2026-12-02 (branches weak, weak2, speed): 50/54 exact (fenglin
6/8, heyang 6/8, the rest all exact), no character lost. That work was told the causes of
these misses in one line each (never the pages), so this set is no longer quite unseen:
tests/unseen2/ is the set laid out after it, for the honest measure.
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

UNSEEN = Path(__file__).parent / "unseen"
PAGES = sorted(UNSEEN.glob("*.txt"))
# The score measured when the set was first run (see the docstring): raise it, never lower it.
EXACT_NEEDED = 50
KNOWN_LOSS: set[str] = set()


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
            ("pages", got_edition.extra.get("pages"), gold_edition.extra.get("pages")),
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


@pytest.fixture(scope="module")
def results() -> list[PageResult]:
    return [evaluate(p) for p in PAGES]


def _known_loss(page: Path) -> list[pytest.MarkDecorator]:
    reason = "issue 11: loses body text as measured; no page may"
    return [pytest.mark.xfail(strict=True, reason=reason)] if page.stem in KNOWN_LOSS else []


def test_the_set_is_as_described() -> None:
    assert len(PAGES) >= 6
    golds = [edition_from_json(p.with_suffix(".gold.json").read_text(encoding="utf-8")) for p in PAGES]
    assert sum(len(g.articles) for g in golds) >= 45
    # Each gold's body text was printed on its page: the gold is not the thing that loses text.
    for page, gold in zip(PAGES, golds, strict=True):
        printed = _han([page.read_text(encoding="utf-8")])
        assert not _han(_body(comparable(gold))) - printed, page.name


def test_the_measure_can_fail() -> None:
    """An edition that drops a paragraph and mistitles an article must score below its gold."""
    page = PAGES[0]
    gold = comparable(edition_from_json(page.with_suffix(".gold.json").read_text(encoding="utf-8")))
    damaged = [dict(a) for a in gold]
    damaged[0] = {**damaged[0], "paragraphs": damaged[0]["paragraphs"][1:]}
    damaged[1] = {**damaged[1], "title": damaged[1]["title"] + "了"}
    assert sum(a in damaged for a in gold) == len(gold) - 2
    lost = sum((_han(_body(gold)) - _han(_body(damaged))).values())
    assert lost == sum(_han(gold[0]["paragraphs"][:1]).values()) > 0


@pytest.mark.parametrize("page", [pytest.param(p, id=p.stem, marks=_known_loss(p)) for p in PAGES])
def test_no_page_loses_body_text(page: Path, results: list[PageResult]) -> None:
    result = next(r for r in results if r.name == page.stem)
    assert result.lost == 0, table(results)


def test_articles_come_out_exact(results: list[PageResult]) -> None:
    exact = sum(r.exact for r in results)
    assert exact >= EXACT_NEEDED, table(results)


if __name__ == "__main__":
    print(table([evaluate(p) for p in PAGES]))
