"""The script: what a newsreader would say, cut into engine calls.

Each segment carries the text the engine speaks (spoken form) beside the written text it
stands for, so transcripts and pages show what the paper printed. An article's segments
stand alone (no "next", no section intro inside them): the radio plays each article's clip
by itself; section intros and the opening and closing belong to the edition only.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

from audiopaper.core.chinese import cut, date_words, ends_sentence, weekday_words
from audiopaper.edition import Article, Credit, Edition
from audiopaper.script.lexicon import Lexicon, default_lexicon
from audiopaper.script.segments import MAX_BYTES, split_for_engine
from audiopaper.script.spoken import to_spoken
from audiopaper.script.wording import default_wording

# Pause kinds after a segment; the audio settings give each its length.
PAUSE_SEGMENT = "segment"
PAUSE_PARAGRAPH = "paragraph"
PAUSE_TITLE = "title"

_WIRE = re.compile(r"(新华社|中新社|人民日报|央视新闻|中国新闻社)")


def _packaged(name: str) -> dict[str, str]:
    return tomllib.loads((resources.files("audiopaper.script") / name).read_text(encoding="utf-8"))


@functools.cache
def default_topics() -> dict[str, str]:
    return _packaged("topics.toml")


PHOTO_SECTION = "图片新闻"
BRIEF_SECTION = "简讯"
OTHER_SECTION = "综合新闻"


def topic_of(article: Article, topics: Mapping[str, str]) -> str:
    """The topic whose keywords the article hits most, its headline counting three times."""
    if article.kind == "photo":
        return PHOTO_SECTION
    if article.kind == "brief":
        return BRIEF_SECTION
    head = f"{article.kicker or ''}{article.title}{article.subtitle or ''}"
    body = "".join(article.paragraphs)
    best, best_score = OTHER_SECTION, 0
    for name, keywords in topics.items():
        words = [k.strip() for k in keywords.replace("，", ",").split(",") if k.strip()]
        score = sum(3 * head.count(w) + body.count(w) for w in words)
        if score > best_score:
            best, best_score = name, score
    return best


def _group_by_topic(articles: Sequence[Article], topics: Mapping[str, str]) -> list[tuple[str, list[Article]]]:
    order = [*topics, OTHER_SECTION, PHOTO_SECTION, BRIEF_SECTION]
    found: dict[str, list[Article]] = {}
    for article in articles:
        found.setdefault(topic_of(article, topics), []).append(article)
    return [(name, found[name]) for name in order if name in found]


@dataclass(frozen=True)
class Segment:
    spoken: str  # exactly what the engine gets
    written: str  # what the paper printed, for transcripts
    role: str  # voice role: anchor, reporter
    part: str  # opening, section, title, credits, body, closing
    pause: str = PAUSE_SEGMENT


@dataclass(frozen=True)
class Call:
    """One engine call: consecutive segments of one voice, spoken in one request. Fewer,
    longer requests; the pauses between the segments are cut in afterwards."""

    role: str
    segments: tuple[Segment, ...]

    @property
    def spoken(self) -> str:
        return "".join(s.spoken for s in self.segments)


def engine_calls(segments: Sequence[Segment], max_bytes: int = MAX_BYTES) -> list[Call]:
    calls: list[Call] = []
    for segment in segments:
        last = calls[-1] if calls else None
        if last and last.role == segment.role and len((last.spoken + segment.spoken).encode()) <= max_bytes:
            calls[-1] = Call(last.role, (*last.segments, segment))
        else:
            calls.append(Call(segment.role, (segment,)))
    return calls


@dataclass(frozen=True)
class Share:
    """The part of one engine call that belongs to one item of the edition: the call's
    index and the range of its segments."""

    call: int
    segments: range


@dataclass(frozen=True)
class CallPlan:
    """The edition's engine calls, and per item (Script.items) the shares of them it reads."""

    calls: list[Call]
    shares: list[list[Share]]


def edition_calls(items: Sequence[Sequence[Segment]], pool: bool = False, max_bytes: int = MAX_BYTES) -> CallPlan:
    """The engine calls for the edition's items (each a sequence of segments), and per item
    the shares of those calls it reads.

    Without `pool` every call belongs to one item. With `pool`, a call of one voice takes
    the next item's call of that voice while both fit in `max_bytes`: for an engine where
    every request costs a round trip, the opening, the section intros and every article's
    title and credits (short texts in the anchor's voice) then go in one request or a few."""
    calls: list[Call] = []
    shares: list[list[Share]] = []
    open_call: dict[str, int] = {}  # role -> the pooled call still taking segments
    for segments in items:
        mine: list[Share] = []
        for call in engine_calls(segments, max_bytes):
            index = open_call.get(call.role) if pool else None
            if index is not None and len((calls[index].spoken + call.spoken).encode()) <= max_bytes:
                start = len(calls[index].segments)
                calls[index] = Call(call.role, (*calls[index].segments, *call.segments))
            else:
                index, start = len(calls), 0
                calls.append(call)
                open_call[call.role] = index
            mine.append(Share(index, range(start, start + len(call.segments))))
        shares.append(mine)
    return CallPlan(calls, shares)


@dataclass(frozen=True)
class ArticleScript:
    index: int  # reading order, from 1
    article: Article
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Section:
    title: str | None  # e.g. 第1版 要闻; None when the paper's pages are unknown
    intro: tuple[Segment, ...]
    articles: tuple[ArticleScript, ...]


@dataclass(frozen=True)
class Item:
    """One thing the edition reads in turn: the opening, a section's intro, an article (its
    own clip as well) or the closing."""

    name: str  # the article's title, the section's, or opening/closing: what a failure names
    article: ArticleScript | None  # None for what only the edition reads
    segments: tuple[Segment, ...]

    @property
    def title(self) -> str | None:
        """The title of the article it reads, if any."""
        return self.article.article.title if self.article else None


@dataclass(frozen=True)
class Script:
    paper: str
    date: str | None
    opening: tuple[Segment, ...]
    sections: tuple[Section, ...]
    closing: tuple[Segment, ...]

    @property
    def articles(self) -> tuple[ArticleScript, ...]:
        return tuple(a for s in self.sections for a in s.articles)

    def section_of(self, index: int) -> str | None:
        """The title of the section that reads article `index` (its reading order)."""
        return next((s.title for s in self.sections for a in s.articles if a.index == index), None)

    def items(self) -> list[Item]:
        """What the edition reads, in order: the opening, each section's intro and articles,
        the closing."""
        out = [Item("opening", None, self.opening)]
        for section in self.sections:
            if section.intro:
                out.append(Item(section.title or "section", None, section.intro))
            out += [Item(a.article.title, a, a.segments) for a in section.articles]
        return [*out, Item("closing", None, self.closing)]

    def segments(self) -> list[tuple[str | None, Segment]]:
        """Every segment in reading order, with the article title it belongs to."""
        return [(item.title, s) for item in self.items() for s in item.segments]

    def calls(self) -> list[tuple[str | None, Call]]:
        """Every engine call in reading order, with the article title it belongs to."""
        return [(item.title, c) for item in self.items() for c in engine_calls(item.segments)]


def speak(text: str, lexicon: Lexicon | None = None, names: Mapping[str, str] | None = None) -> str:
    """What the engine is given for printed `text`: the lexicon's substitutes and the
    edition's names (see :meth:`Lexicon.known_names`) first, at jieba word boundaries of the
    printed text, then numbers and symbols in words."""
    if lexicon is not None:
        text = lexicon.apply(text, names=names is None, known=names)[0]
    return to_spoken(text)


def say(
    written: str,
    role: str,
    part: str,
    pause: str = PAUSE_SEGMENT,
    lexicon: Lexicon | None = None,
    names: Mapping[str, str] | None = None,
) -> list[Segment]:
    """Cut `written` into engine calls; the last one carries `pause`."""
    pieces = split_for_engine(written)
    return [
        Segment(
            spoken=_ends_sentence(speak(piece, lexicon, names)),
            written=piece,
            role=role,
            part=part,
            pause=pause if i == len(pieces) - 1 else PAUSE_SEGMENT,
        )
        for i, piece in enumerate(pieces)
    ]


def _ends_sentence(spoken: str) -> str:
    """Every segment ends a sentence, so the engine's sentence timings mark where one
    segment ends and the next begins in a call that carries several."""
    return spoken if ends_sentence(spoken) or not spoken.strip() else spoken.rstrip() + "。"


def _date_words(date: str) -> tuple[str, str]:
    day = dt.date.fromisoformat(date)
    return date_words(day), weekday_words(day)


_PHOTO_ROLE = "摄影"


def _people(credits: Sequence[Credit], wording: Mapping[str, str], wire: str | None, name: Callable[[str], str]) -> str:
    """本报记者胡佳英、通讯员查放、陈明远: consecutive names of one role share it."""
    groups: list[tuple[str, list[str]]] = []
    for credit in credits:
        if groups and groups[-1][0] == credit.role:
            groups[-1][1].append(name(credit.name))
        else:
            groups.append((credit.role, [name(credit.name)]))
    people = []
    for role, names in groups:
        if role == "记者":
            role = wording["wire_reporter"].format(agency=wire) if wire else wording["staff_reporter"]
        elif role == _PHOTO_ROLE:
            role = ""  # 王磊摄: the verb says it
        people.append(role + "、".join(names))
    return "、".join(people)


def credits_line(article: Article, wording: Mapping[str, str], name: Callable[[str], str] = str) -> str | None:
    """本报记者胡佳英、通讯员查放、陈明远报道 / 本报记者王磊摄 / 据新华社报道.

    `name` maps each printed name to how it is said (a surname's special reading)."""
    wire = _WIRE.search(article.dateline or "")
    agency = wire.group(1) if wire else None
    if article.kind == "photo" and article.credits:
        # {names}: the field's name before {people}, still in some papers' settings
        names = "、".join(name(c.name) for c in article.credits)
        return wording["photo_credits"].format(people=_people(article.credits, wording, agency, name), names=names)
    if not article.credits:
        return wording["wire_credits"].format(agency=agency) if agency else None
    key = "brief_credits" if article.kind == "brief" else "credits"
    return wording[key].format(people=_people(article.credits, wording, agency, name))


# A credit in brackets closing a brief's item: ……开通。（通讯员 叶青青）
_ITEM_ROLES = ("本报记者", "记者", "通讯员", "实习生", "见习记者", "特约记者", "摄影")
_ITEM_CREDIT = re.compile(r"[（(]\s*((?:" + "|".join(_ITEM_ROLES) + r")[^（）()]{1,40})[）)]\s*$")


def item_credit(paragraph: str) -> tuple[str, tuple[Credit, ...]]:
    """A brief's item and the credits printed at its end: (item without them, credits)."""
    m = _ITEM_CREDIT.search(paragraph)
    if not m:
        return paragraph, ()
    credits: list[Credit] = []
    role = ""
    for token in re.split(r"[\s、，,]+", m.group(1).strip()):
        for known in _ITEM_ROLES:
            if token.startswith(known):
                role, token = known.removeprefix("本报"), token[len(known) :]
                break
        if token and role:
            credits.append(Credit(role, token))
    if not credits:
        return paragraph, ()
    return paragraph[: m.start()].rstrip(), tuple(credits)


_SPACE = re.compile(r"(?<=\S)[ \t\u3000]+(?=\S)")
# Punctuation a reader pauses at; a colon or point inside a number (69:50, 1.5) is none.
_PUNCTUATION = re.compile(r"[，,、；;。！!？?“”‘’《》（）()—…·]|(?<!\d)[:：.](?!\d)")
_NUMBERISH = re.compile(r"[\w.:：%·]", re.ASCII)
_BINDS_NEXT = frozenset("以 在 为 对 把 被 向 从 与 和 及 将 由 于 让 给 跟 同 就 按 经 据 至 到 比".split())
_BINDS_PREVIOUS = frozenset("的 了 着 过 之 地 得 等".split())
BREATH_AFTER = 25  # characters of a headline without punctuation before a breath pause


def headline_pauses(text: str) -> str:
    """A headline as the newsreader phrases it: a printed space is a pause
    (麦浪翻滚 夏收在即), and a run of 25 or more characters without punctuation gets a breath
    at the word boundary nearest its middle."""
    text = _SPACE.sub("，", text.strip())
    out = []
    for run in re.split(r"(" + _PUNCTUATION.pattern + r")", text):
        while len(run) >= BREATH_AFTER:
            words, position, cuts = cut(run), 0, []
            for word, following in itertools.pairwise(words):
                position += len(word)
                if _NUMBERISH.match(run[position - 1]) and _NUMBERISH.match(run[position]):
                    continue  # never inside 69:50
                # a breath after 以/在/对 or before 的/了 parts words that belong together
                bound = word in _BINDS_NEXT or following in _BINDS_PREVIOUS
                cuts.append((abs(position - len(run) / 2) + (len(run) if bound else 0), position))
            if not cuts:
                break
            middle = min(cuts)[1]
            out.append(run[:middle] + "，")
            run = run[middle:]
        out.append(run)
    return "".join(out)


def headline(article: Article) -> str:
    parts = [article.kicker, article.title, article.subtitle]
    return "。".join(p.strip().rstrip("。") for p in parts if p and p.strip()) + "。"


def _spoken_headline(article: Article) -> str:
    parts = [article.kicker, article.title, article.subtitle]
    return "。".join(headline_pauses(p.strip().rstrip("。")) for p in parts if p and p.strip()) + "。"


def article_segments(
    article: Article,
    wording: Mapping[str, str],
    lexicon: Lexicon,
    names: Mapping[str, str] | None = None,
) -> list[Segment]:
    """What the newsreader says for one article, standing alone.

    News: headline, credits, body. A photo: the cue 图片新闻, its title, the caption, then
    who took it. A brief column: the cue 下面是简讯, then each item with the credit printed
    at its end read after it; credits the edition gives only for the whole column are read
    after the last item, never before the first."""
    names = names if names is not None else lexicon.known_names(_texts(article), [c.name for c in article.credits])

    def name(printed: str) -> str:
        return names.get(printed) or lexicon.speak_name(printed)

    def credits(line: str | None, spoken: str | None) -> list[Segment]:
        if not line:
            return []
        return [Segment(_ends_sentence(to_spoken(spoken or line)), line, "anchor", "credits", PAUSE_TITLE)]

    cue = {"photo": wording["photo_cue"], "brief": wording["brief_cue"]}.get(article.kind)
    segments = [Segment(_ends_sentence(speak(cue, lexicon, names)), cue, "anchor", "cue")] if cue else []
    title = headline(article)
    if not (cue and title.rstrip("。") in cue):  # 下面是简讯 says a column titled 简讯 already
        spoken_title = _ends_sentence(speak(_spoken_headline(article), lexicon, names))
        segments.append(Segment(spoken_title, title, "anchor", "title", PAUSE_TITLE))
    line = credits_line(article, wording)
    if article.kind == "news":
        segments += credits(line, credits_line(article, wording, name))
    for paragraph in article.paragraphs:
        item, own = item_credit(paragraph) if article.kind == "brief" else (paragraph, ())
        segments += say(item, "reporter", "body", PAUSE_PARAGRAPH, lexicon, names)
        if own:
            by = Article(title=article.title, paragraphs=(), credits=own)
            segments += credits(credits_line(by, wording), credits_line(by, wording, name))
    if article.kind in ("photo", "brief"):
        segments += credits(line, credits_line(article, wording, name))
    return segments


def edition_names(edition: Edition, lexicon: Lexicon) -> dict[str, str]:
    """The people the edition names whose surname has a reading of its own, printed ->
    spoken, so that each is read the same way in every article (see Lexicon.known_names)."""
    texts: list[str] = []
    credited: list[str] = []
    for article in edition.spoken_articles:
        texts += _texts(article)
        credited += [c.name for c in article.credits]
        if article.kind == "brief":
            credited += [c.name for p in article.paragraphs for c in item_credit(p)[1]]
    return lexicon.known_names(texts, credited)


def _texts(article: Article) -> list[str]:
    return [t for t in (article.kicker, article.title, article.subtitle, *article.paragraphs) if t]


def _page_title(page: int | None, name: str | None, wording: Mapping[str, str]) -> str | None:
    if page is None:
        return None
    key = "page_named" if name else "page_plain"
    return wording[key].format(number=page, name=name or "")


def build_script(
    edition: Edition,
    paper: str,
    wording: Mapping[str, str] | None = None,
    lexicon: Lexicon | None = None,
    sections: str = "pages",
    topics: Mapping[str, str] | None = None,
) -> Script:
    """The whole programme: opening, sections, closing.

    Sections are by default the paper's own pages in the paper's order, because the page
    order is the editors' judgement; `sections="topics"` groups articles by keyword rules."""
    words = {**default_wording(), **(wording or {})}
    lexicon = lexicon or default_lexicon()
    articles = edition.spoken_articles
    names = edition_names(edition, lexicon)
    news = [a for a in articles if a.kind == "news"]
    fields = {"paper": paper, "count": len(news)}
    if edition.date:
        date, weekday = _date_words(edition.date)
        opening = words["opening"].format(date=date, weekday=weekday, **fields)
    else:
        opening = words["opening_undated"].format(**fields)
    # The rundown names news only: a photo's title or a 简讯 column is no headline.
    lead = news[: int(words["rundown_count"])]
    spoken_opening = opening
    if lead:
        opening += words["rundown"].format(headlines=words["rundown_joiner"].join(a.title for a in lead))
        paused = words["rundown_joiner"].join(headline_pauses(a.title) for a in lead)
        spoken_opening += words["rundown"].format(headlines=paused)

    groups: list[tuple[str | None, list[Article]]] = []
    if sections == "topics":
        groups = list(_group_by_topic(articles, topics or default_topics()))
    else:
        for article in articles:
            title = _page_title(article.page, edition.page_name(article.page), words)
            if groups and groups[-1][1][-1].page == article.page:
                groups[-1][1].append(article)
            else:
                groups.append((title, [article]))
    built = []
    index = 0
    for n, (title, members) in enumerate(groups):
        intro: list[Segment] = []
        if title and len(groups) > 1:
            template = words["first_section"] if n == 0 else words["next_section"]
            intro = say(template.format(section=title), "anchor", "section", PAUSE_TITLE, lexicon, names)
        scripts = []
        for article in members:
            index += 1
            segments = tuple(article_segments(article, words, lexicon, names))
            scripts.append(ArticleScript(index=index, article=article, segments=segments))
        built.append(Section(title=title, intro=tuple(intro), articles=tuple(scripts)))
    opening_segment = Segment(
        _ends_sentence(speak(spoken_opening, lexicon, names)), opening, "anchor", "opening", PAUSE_TITLE
    )
    return Script(
        paper=paper,
        date=edition.date,
        opening=(opening_segment,),
        sections=tuple(built),
        closing=tuple(say(words["closing"].format(paper=paper), "anchor", "closing")),
    )


def script_lines(script: Script) -> Sequence[str]:
    """One line per engine call, `[role] text`, a blank line between articles."""
    lines: list[str] = []
    previous: object = object()
    for title, call in script.calls():
        if title != previous and lines:
            lines.append("")
        previous = title
        lines.append(f"[{call.role}] {call.spoken}")
    return lines
