"""What an editor should check before the build: only what needs a human.

* every number, symbol and Latin string whose reading was a choice (a code read digit by
  digit, a score or a time, a ratio, a range, a unit, an address), printed -> spoken;
  plain quantities, dates, years, percentages and decimals are certain and left out;
* every person read with a surname's own reading (单雪 -> 善雪), with where it was found;
* every lexicon substitution (林埭 -> 林代);
* names whose surname has readings the lexicon does not decide (纪 jì/jǐ): questions;
* the normalizer's warnings, from the edition's ``warnings``.

王强 is no question (only the surname's reading is one), and 刘阿姨 is no name.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from audiopaper.edition import Article, Edition
from audiopaper.script import edition_names, item_credit
from audiopaper.script.lexicon import _MAX_NAME_FREQ, TITLES, Lexicon, _heteronyms, default_lexicon
from audiopaper.script.spoken import _digits, read_number, to_spoken

# Surnames whose reading people dispute and the lexicon cannot settle once for all
# (纪 jǐ or jì, 乐 yuè or lè, 牟 móu or mù): a name with one is a question for the editor.
UNDECIDED_SURNAMES = frozenset("纪乐牟种秘繁员召句折过能宿隗")

# A run of what to_spoken reads: digits, Latin letters and number or address symbols.
_RUN = re.compile(
    r"[0-9A-Za-zμ](?:[0-9A-Za-zμ.:：∶/+@_%‰·°℃²³㎡㎥\-–—~～]*[0-9A-Za-z%‰°℃²³㎡㎥])?(?:后(?=\W|[\u4e00-\u9fff]))?"
    r"|[∶/+@]"
)
_HAN = re.compile(r"[\u4e00-\u9fff]")


_ORDER = ("check", "name", "lexicon", "number", "latin", "warning")


@dataclass(frozen=True)
class Finding:
    kind: str  # check, name, lexicon, number, latin, warning
    article: int | None  # reading order, from 1; None for the edition as a whole
    title: str | None
    written: str
    spoken: str = ""
    note: str = ""
    count: int = 1

    def line(self) -> str:
        where = f"{self.article:02d} {_short(self.title or '')}" if self.article else "edition"
        said = f" -> {self.spoken}" if self.spoken else ""
        note = f"  ({self.note})" if self.note else ""
        times = f"  x{self.count}" if self.count > 1 else ""
        return f"{where}  {self.kind:<8}{self.written}{said}{note}{times}"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def _short(title: str, width: int = 12) -> str:
    return title if len(title) <= width else title[: width - 1] + "…"


# Latin strings every voice says as a listener expects.
_SAID_AS_WORDS = frozenset("GDP CPI PM WiFi CEO VIP DNA".split())


def _certain(run: str, spoken: str, after: str) -> bool:
    """A bare quantity read as one: 12个, 3.5亿, 2022年, 10月13日, 60%. Not a run of seven
    digits or more, which is more often a code or a misprint (202042418时) than a count."""
    m = re.fullmatch(r"(\d{1,6}(?:\.\d+)?)(%?)", run)
    if not m:
        return False
    number, percent = m.groups()
    spoken = spoken.removeprefix("百分之") if percent else spoken
    readings = {read_number(number), "两" if number == "2" else ""}
    if after.startswith("年") and len(number) == 4:
        readings.add(_digits(number))
    return spoken in readings


def _aligned(written: str, spoken: str) -> Iterable[tuple[str, str]]:
    """(printed run, what is said for it) for every number, symbol or Latin run."""
    ops = difflib.SequenceMatcher(None, written, spoken, autojunk=False).get_opcodes()

    def at(i: int, end: bool) -> int:
        for tag, i1, i2, j1, j2 in ops:
            if i1 <= i < i2 or (end and i1 < i == i2):
                if tag == "equal":
                    return j1 + (i - i1)
                return j2 if end else j1
        return len(spoken)

    for m in _RUN.finditer(written):
        start, end = m.start(), m.end()
        if len(m.group(0)) == 1 and not m.group(0).isalnum():
            # a symbol between words: show it with the words around it (元/斤, 农机+互联网)
            while start > 0 and m.start() - start < 3 and _HAN.match(written[start - 1]):
                start -= 1
            while end < len(written) and end - m.end() < 3 and _HAN.match(written[end]):
                end += 1
        run = m.group(0).removesuffix("后")
        said = spoken[at(start, False) : at(end, True)]
        if said == written[start:end]:
            if re.fullmatch(r"[A-Za-z]{2,}", run) and run not in _SAID_AS_WORDS:
                yield run, ""  # APP, CT: the voice spells or reads it; an editor may want words
        elif not _certain(run, said, written[m.end() : m.end() + 1]):
            yield written[start:end], said


def _texts(article: Article) -> list[str]:
    items = [item_credit(p)[0] for p in article.paragraphs] if article.kind == "brief" else list(article.paragraphs)
    return [t for t in (article.kicker, article.title, article.subtitle, *items) if t]


def lint_edition(edition: Edition, lexicon: Lexicon | None = None) -> list[Finding]:
    """Everything in `edition` an editor should look at, in reading order."""
    lexicon = lexicon or default_lexicon()
    names = edition_names(edition, lexicon)
    findings: list[Finding] = []
    index_of = {id(a): n for n, a in enumerate(edition.articles)}
    for n, article in enumerate(edition.spoken_articles, start=1):
        found: Counter[tuple[str, str, str, str]] = Counter()
        texts = _texts(article)
        credited = [c.name for c in article.credits]
        if article.kind == "brief":
            credited += [c.name for p in article.paragraphs for c in item_credit(p)[1]]
        for text in texts:
            for written, said in _aligned(text, to_spoken(text)):
                if said:
                    found["number", written, said, ""] += 1
                else:
                    found["latin", written, "", "letters, read by the voice as it sees fit"] += 1
            for change in lexicon.apply(text, known=names)[1]:
                kind = "name" if change.written in names else "lexicon"
                found[kind, change.written, change.spoken, _surname_note(change.written, lexicon)] += 1
        for name in credited:
            if name in names:
                found["name", name, names[name], _surname_note(name, lexicon)] += 1
        for name in _undecided(texts, credited, lexicon):
            found["check", name, "", _readings(name[0])] += 1
        mine = [Finding(k, n, article.title, w, s, note, count) for (k, w, s, note), count in found.items()]
        findings += sorted(mine, key=lambda f: _ORDER.index(f.kind))
        for warning in edition.warnings:
            if warning.article is not None and index_of.get(id(article)) == warning.article:
                findings.append(Finding("warning", n, article.title, warning.message))
    findings += [Finding("warning", None, None, w.message) for w in edition.warnings if w.article is None]
    return findings


def _surname_note(written: str, lexicon: Lexicon) -> str:
    surname, _ = lexicon._split_surname(written)
    surname = surname or next((s for s in lexicon.surnames if written.startswith(s)), "")
    if not surname:
        return ""
    reading = lexicon.readings.get(("surname", surname), "")
    return f"{surname} {reading}".strip()


def _readings(ch: str) -> str:
    return f"{ch} " + "/".join(_heteronyms(ch))


def _undecided(texts: list[str], credited: list[str], lexicon: Lexicon) -> list[str]:
    """People whose surname's reading is disputed and not settled in the lexicon."""
    out: list[str] = []
    candidates = [c.strip() for c in credited]
    surnames = "".join(sorted(UNDECIDED_SURNAMES))
    before_title = re.compile(rf"[{surnames}][\u4e00-\u9fff]{{1,2}}?(?=(?:{'|'.join(TITLES)}))")
    for text in texts:
        if any(ch in text for ch in UNDECIDED_SURNAMES):
            starts = {start for _, start, _ in lexicon._tokenizer.tokenize(text)}
            # 通过微网格长: a name starts a word, and is no word itself
            titled = [
                m.group(0)
                for m in before_title.finditer(text)
                if m.start() in starts and (lexicon._tokenizer.FREQ.get(m.group(0)) or 0) <= _MAX_NAME_FREQ
            ]
            tagged = [w for w, tag, _ in lexicon._tagged(text) if lexicon._is_person_name(w, tag)]
            # 纪亚千教练: the title says where the name ends, where the tagger cut 纪亚
            candidates += titled + [w for w in tagged if not any(t.startswith(w) for t in titled)]
    for name in candidates:
        if any(other != name and other.startswith(name) for other in candidates):
            continue
        if (
            len(name) >= 2
            and name[0] in UNDECIDED_SURNAMES
            and name not in lexicon.words
            and name[0] not in lexicon.surnames
            and len(_heteronyms(name[0])) > 1
            and name not in out
        ):
            out.append(name)
    return out
