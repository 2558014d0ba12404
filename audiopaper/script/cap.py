"""Articles cut to a length a listener can hear out, before the script is built."""

from __future__ import annotations

from dataclasses import replace

from audiopaper.edition import Edition
from audiopaper.script.segments import split_sentences


def cap_articles(edition: Edition, limit: int) -> tuple[Edition, list[str]]:
    """The edition with every article's body cut to at most `limit` characters, at the last
    sentence end within it, and a warning naming each article cut.

    No paper prints an article that long: it is a page exported as one line, or pages run
    together, and reading it would take hours. What is read still ends on a whole sentence."""
    notes: list[str] = []
    articles = []
    for article in edition.articles:
        size = sum(len(p) for p in article.paragraphs)
        if size <= limit or not article.spoken:
            articles.append(article)
            continue
        kept: list[str] = []
        room = limit
        for paragraph in article.paragraphs:
            if len(paragraph) <= room:
                kept.append(paragraph)
                room -= len(paragraph)
                continue
            head = ""
            for sentence in split_sentences(paragraph):
                if len(head) + len(sentence) > room:
                    break
                head += sentence
            if not head and not kept:  # not one sentence fits: cut the run-on text itself
                head = paragraph[:room]
            if head:
                kept.append(head)
            break
        read = sum(len(p) for p in kept)
        notes.append(
            f"article «{article.title}» is {size:,} characters long, more than max_article_chars ({limit:,}): "
            f"only its first {read:,} are read"
        )
        articles.append(replace(article, paragraphs=tuple(kept)))
    return replace(edition, articles=tuple(articles)), notes
