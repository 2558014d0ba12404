"""Cutting one engine call's speech back into its paragraphs, at sentence starts."""

from __future__ import annotations

from audiopaper.core.speech import Sentence, Speech

RATE = 1000  # 1 sample a millisecond keeps the arithmetic readable


def speech(*sentences: tuple[int, int, str], length_ms: int) -> Speech:
    return Speech(pcm=bytes(2 * length_ms), sample_rate=RATE, sentences=tuple(Sentence(*s) for s in sentences))


def test_cut_at_the_sentence_that_starts_each_part():
    whole = speech((0, 900, "第一段。"), (1000, 1900, "第二段第一句。"), (2000, 2900, "第二句。"), length_ms=3000)
    pieces = whole.split(["第一段。", "第二段第一句。第二句。"])
    assert [list(held) for _, held in pieces] == [[0], [1]]
    first, second = pieces[0][0], pieces[1][0]
    assert first.duration_ms == 1000 and second.duration_ms == 2000
    assert [s.text for s in second.sentences] == ["第二段第一句。", "第二句。"]
    assert second.sentences[0].start_ms == 0 and second.sentences[1].start_ms == 1000


def test_a_boundary_no_sentence_starts_at_is_not_cut():
    whole = speech((0, 1900, "第一段第二段。"), length_ms=2000)
    pieces = whole.split(["第一段", "第二段。"])
    assert len(pieces) == 1 and list(pieces[0][1]) == [0, 1]
    assert pieces[0][0].duration_ms == 2000


def test_a_leading_quotation_mark_still_finds_the_sentence():
    whole = speech((0, 900, "他说。"), (1000, 1900, "好的!”"), length_ms=2000)
    pieces = whole.split(["他说。", "“好的!”"])
    assert [list(held) for _, held in pieces] == [[0], [1]]
