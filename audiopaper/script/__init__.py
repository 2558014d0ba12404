"""The script: what a newsreader would say, cut into engine calls.

Each segment carries the text the engine speaks (spoken form) beside the written text it
stands for, so transcripts and pages can show what the paper printed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from audiopaper.edition import Article, Edition
from audiopaper.script.segments import split_for_engine
from audiopaper.script.spoken import to_spoken

WEEKDAYS = "一二三四五六日"

# The wording a paper may want to change; kept together, not scattered through the code.
WORDING = {
    "opening": "{paper}有声版。今天是{date},{weekday}。本期共有{count}篇报道。",
    "opening_undated": "{paper}有声版。本期共有{count}篇报道。",
    "closing": "以上就是今天{paper}有声版的全部内容。感谢收听,我们明天再会。",
    "credits": "{names}报道。",
    "photo_credits": "摄影:{names}。",
}


@dataclass(frozen=True)
class Segment:
    spoken: str  # exactly what the engine gets
    written: str  # what the paper printed, for transcripts
    role: str  # voice role: anchor, reporter
    part: str  # opening, title, credits, body, closing
    pause_after_ms: int = 0


@dataclass(frozen=True)
class ArticleScript:
    index: int  # reading order, from 1
    article: Article
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Script:
    paper: str
    date: str | None
    opening: tuple[Segment, ...]
    articles: tuple[ArticleScript, ...]
    closing: tuple[Segment, ...]


def _say(written: str, role: str, part: str) -> list[Segment]:
    return [
        Segment(spoken=to_spoken(piece), written=piece, role=role, part=part) for piece in split_for_engine(written)
    ]


def _date_words(date: str) -> tuple[str, str]:
    day = dt.date.fromisoformat(date)
    return f"{day.year}年{day.month}月{day.day}日", "星期" + WEEKDAYS[day.weekday()]


def credits_line(article: Article) -> str | None:
    if not article.credits:
        return None
    names = "、".join(c.name for c in article.credits)
    if article.kind == "photo":
        return WORDING["photo_credits"].format(names=names)
    return WORDING["credits"].format(names=names)


def article_segments(article: Article) -> list[Segment]:
    segments: list[Segment] = []
    headline = "。".join(h for h in (article.kicker, article.title, article.subtitle) if h)
    segments += _say(headline + "。", "anchor", "title")
    line = credits_line(article)
    if line:
        segments += _say(line, "anchor", "credits")
    for paragraph in article.paragraphs:
        segments += _say(paragraph, "reporter", "body")
    return segments


def build_script(edition: Edition, paper: str) -> Script:
    articles = edition.spoken_articles
    fields = {"paper": paper, "count": len(articles)}
    if edition.date:
        date, weekday = _date_words(edition.date)
        opening = WORDING["opening"].format(date=date, weekday=weekday, **fields)
    else:
        opening = WORDING["opening_undated"].format(**fields)
    return Script(
        paper=paper,
        date=edition.date,
        opening=tuple(_say(opening, "anchor", "opening")),
        articles=tuple(
            ArticleScript(index=i, article=a, segments=tuple(article_segments(a)))
            for i, a in enumerate(articles, start=1)
        ),
        closing=tuple(_say(WORDING["closing"].format(paper=paper), "anchor", "closing")),
    )
