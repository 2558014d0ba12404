"""The held-out reading evaluation: real sentences the rules were not written from.

tests/eval/numbers.tsv (60 clauses with numbers and symbols) and tests/eval/polyphones.tsv
(40 polyphonic words, surnames included), hand-labelled. Run as a script to see the score
and every miss:

    python -m tests.test_reading_eval
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from audiopaper.edition import Article, Credit, Edition
from audiopaper.script import build_script
from audiopaper.script.spoken import to_spoken

EVAL = Path(__file__).parent / "eval"
# The bar: 57 of 60 numbers and symbols, 34 of 40 polyphones.
NUMBERS_NEEDED = 57
POLYPHONES_NEEDED = 34


def _rows(name: str) -> list[list[str]]:
    lines = (EVAL / name).read_text("utf-8").splitlines()
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]


@dataclass(frozen=True)
class Result:
    item: str
    expected: str
    got: str

    @property
    def right(self) -> bool:
        return self.expected == self.got


def _plain(text: str) -> str:
    # Pauses are not readings: whitespace and commas do not count.
    return re.sub(r"[\s,，]", "", text)


def number_results() -> list[Result]:
    out = []
    for _, written, spoken in _rows("numbers.tsv"):
        out.append(Result(written, _plain(spoken), _plain(to_spoken(written))))
    return out


def _syllables(text: str) -> list[str]:
    from pypinyin import Style, lazy_pinyin

    return lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, errors="ignore")


def polyphone_results() -> list[Result]:
    out = []
    for _, credits, text, word, expected in _rows("polyphones.tsv"):
        people = tuple(Credit(*c.split(":")) for c in credits.split(",") if c)
        edition = Edition(articles=(Article(title="消息", paragraphs=(text,), credits=people),))
        script = build_script(edition, "本报")
        spoken = "".join(s.spoken for a in script.articles for s in a.segments)
        heard = _syllables(spoken)
        want = expected.split()
        hits = sum(heard[i : i + len(want)] == want for i in range(len(heard)))
        got = expected if hits >= max(1, (text + credits).count(word)) else " ".join(_syllables(word)) + "?"
        out.append(Result(f"{word} in {spoken}", expected, got))
    return out


def test_numbers_and_symbols_read_right() -> None:
    results = number_results()
    assert len(results) == 60
    right = sum(r.right for r in results)
    assert right >= NUMBERS_NEEDED, [r for r in results if not r.right]


def test_polyphones_read_right() -> None:
    results = polyphone_results()
    assert len(results) == 40
    right = sum(r.right for r in results)
    assert right >= POLYPHONES_NEEDED, [r for r in results if not r.right]


if __name__ == "__main__":
    for name, results in (("numbers and symbols", number_results()), ("polyphones", polyphone_results())):
        misses = [r for r in results if not r.right]
        print(f"{name}: {len(results) - len(misses)}/{len(results)} right")
        for r in misses:
            print(f"  {r.item}\n    want {r.expected}\n    got  {r.got}")
