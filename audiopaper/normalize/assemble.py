"""The normalizer's pipeline: pages of units -> segments -> articles in reading order."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from dataclasses import dataclass, field

from audiopaper.edition import Article, Credit, DroppedText, Edition, EditionWarning, PageName
from audiopaper.normalize import credits as cr
from audiopaper.normalize import headlines as hl
from audiopaper.normalize import jumps, kinds, layout, words
from audiopaper.normalize.ledger import Destination, Ledger, Src, carve, carve_end, nonspace_prefix

_CLOSERS = "”’」』)）】》\"' \u3000"
_TERMINAL = "。！？!?…"


def terminated(text: str) -> bool:
    """Does a paragraph end where a paragraph may end (not cut by a column break)?"""
    t = text.rstrip(_CLOSERS)
    if not t:
        return True
    if t[-1] in _TERMINAL or kinds.ends_with_contact(text) or kinds.ends_with_photo_credit(text):
        return True
    if kinds.body_tail(text):
        return True
    # A byline closes an article or a brief's item: ……(记者 王磊), ……。记者 王磊
    return cr.ends_with_credits(text)


@dataclass(frozen=True)
class Note:
    """A decision an editor should check: what was done, and what else could have been."""

    message: str
    alternative: str | None = None
    where: tuple[Src, ...] = ()  # the input it is about, when not its paragraph's or article's


def _lines_of(src: tuple[Src, ...] | list[Src]) -> tuple[int, ...]:
    return tuple(sorted({line for u, a, b in src for line, _, _, _ in u.spans(a, b)}))


@dataclass
class Para:
    text: str
    notes: list[Note] = field(default_factory=list)
    src: list[Src] = field(default_factory=list)  # the input behind text, in order


class HeadLine(str):
    """A headline line that remembers the unit it was printed as."""

    src: Src


def _head(u: layout.Unit) -> HeadLine:
    h = HeadLine(u.text)
    h.src = (u, 0, len(u.text))
    return h


@dataclass
class Seg:
    """A run of units that belong together on a page: headline lines, byline, body."""

    page: int
    position: int
    heads: list[str] = field(default_factory=list)
    credits: list[Credit] = field(default_factory=list)
    dateline: str | None = None
    paras: list[Para] = field(default_factory=list)
    started: bool = False  # it has a byline or a dateline: an article starts here
    closed: bool = False  # a trailing photo credit or jump marker ended it
    jump_out: jumps.Marker | None = None
    jump_in: jumps.Marker | None = None
    bulleted: int = 0
    notes: list[Note] = field(default_factory=list)
    # The input behind its dateline and credits, and the seg it was merged into, if any.
    dateline_src: list[Src] = field(default_factory=list)
    credit_src: list[Src] = field(default_factory=list)
    merged_into: Seg | None = None

    @property
    def headless_piece(self) -> bool:
        return not self.heads and not self.started and self.jump_in is None

    def opening(self) -> str:
        return "".join(p.text for p in self.paras[:2])

    def text(self) -> str:
        return "".join(p.text for p in self.paras)


@dataclass
class Draft:
    """An article being put together."""

    page: int
    position: int
    kicker: str | None
    title: str
    subtitle: str | None
    seg: Seg
    kind: str = "news"
    lines: list[str] = field(default_factory=list)


# -- units to segments ----------------------------------------------------------------------


def _photo_credit_after(units: list[layout.Unit], i: int, parsed: list[list[Credit] | None]) -> bool:
    if i >= len(units):
        return False
    # A jump line was never asked whether it is a byline.
    found = cr.credit_line(units[i].text) if parsed[i] is None else parsed[i]
    return bool(found) and all(c.role == "摄影" for c in found or ())


def _classify(units: list[layout.Unit], unsure: set[int] | None = None) -> tuple[list[str], list[list[Credit] | None]]:
    """Each unit's kind, and for bylines the credits they give (parsed once, used twice)."""
    kinds_: list[str] = []
    parsed: list[list[Credit] | None] = [None] * len(units)
    for n, u in enumerate(units):
        t = u.text
        if jumps.standalone(t):
            kinds_.append("jump")
            continue
        parsed[n] = cr.credit_line(t)
        if parsed[n] is not None:
            kinds_.append("credit")
        elif hl.looks_like_headline(t) and cr.split_dateline(t)[0] is None:
            # ——题记 under its quotation signs an epigraph; it is no subtitle.
            kinds_.append("body" if kinds.epigraph_mark(t) else "head?")
        else:
            kinds_.append("body")
    # Context: a short unpunctuated line can be a column-cut piece of a paragraph.
    # Backwards, so that whether the next line is a headline is already settled.
    for i in range(len(kinds_) - 1, -1, -1):
        if kinds_[i] != "head?":
            continue
        t = units[i].text
        prev_body = i > 0 and kinds_[i - 1] == "body" and not terminated(units[i - 1].text)
        nxt = kinds_[i + 1] if i + 1 < len(kinds_) else None
        if hl.is_subtitle(t):
            kinds_[i] = "head"
        elif i > 0 and _in_list(units[i - 1].text, t):
            # 1.加强组织领导 after 如下: or after item 1: a list's item, short as it is.
            kinds_[i] = "body"
        elif prev_body and words.crosses_word(units[i - 1].text, t):
            kinds_[i] = "body"
        elif (
            hl.has_comma(t)
            and nxt not in ("credit", "head?", "head", "jump")
            and not (nxt == "body" and cr.split_dateline(units[i + 1].text)[0])
            and not (nxt == "body" and _question_head(units, kinds_, i))
        ):
            kinds_[i] = "body"
        elif (
            nxt == "body"
            and i > 0
            and kinds_[i - 1] == "body"
            and words.crosses_word(t, units[i + 1].text)
            and not _photo_credit_after(units, i + 2, parsed)
        ):
            # A short line that runs on into the next one is a cut paragraph, unless a
            # photographer's credit follows that one: then it is a photo's title and caption.
            kinds_[i] = "body"
        else:
            kinds_[i] = "head"
    _keep_body_tails(units, kinds_, unsure)
    return kinds_, parsed


def _in_list(before: str, line: str) -> bool:
    number = kinds.item_number(line)
    if number is None:
        return False
    if number == 1:
        return before.rstrip(" \u3000")[-1:] in ":："
    return kinds.item_number(before) == number - 1


def _question_head(units: list[layout.Unit], kinds_: list[str], i: int) -> bool:
    """A short line with a comma that ends in ? or ! (钱从哪里来?) between a finished paragraph
    and the next: a headline when it stands apart from the paragraphs' indent or when the
    text after it echoes it; a paragraph of one exclamation does neither."""
    t = units[i].text
    if t.rstrip(_CLOSERS)[-1:] not in ("!", "！", "?", "？"):
        return False
    if i > 0 and kinds_[i - 1] == "body" and not terminated(units[i - 1].text):
        return False
    nxt = units[i + 1]
    if nxt.indented and not units[i].indented:
        return True
    after = nxt.text + (units[i + 2].text if i + 2 < len(units) else "")
    return words.echo(t, after) >= 0.25


_LABEL = re.compile(r"^[\u4e00-\u9fff]{2,8}[:：]")
_HAN = re.compile(r"[\u4e00-\u9fff]")
_DIGITS = re.compile(r"[0-9０-９]")


def _keep_body_tails(units: list[layout.Unit], kinds_: list[str], unsure: set[int] | None) -> None:
    """A headline-shaped line right after body text and right before a headline is the body's
    last line unless it looks like a kicker: the worst mistake is to take body text from its
    article, and a hotline or an address makes no kicker."""
    for i in range(1, len(kinds_)):
        if kinds_[i] != "head" or kinds_[i - 1] != "body":
            continue
        t = units[i].text
        if hl.is_subtitle(t):
            continue
        if kinds.body_tail(t) or (i + 1 < len(kinds_) and kinds.is_signature(t, units[i + 1].text)):
            kinds_[i] = "body"
            continue
        if i + 1 == len(kinds_) or kinds_[i + 1] not in ("head", "credit"):
            continue
        if not (_LABEL.match(t) or _DIGITS.search(t) or len(_HAN.findall(t)) >= 20):
            continue
        # Weaker signs (a label, a figure, a long line): the text it echoes decides.
        before = "".join(units[k].text for k in range(max(0, i - 2), i))[-400:]
        k = i + 1
        while k < len(kinds_) and kinds_[k] in ("head", "credit"):
            k += 1
        after = units[k].text if k < len(kinds_) else ""
        if words.echo(t, before) > words.echo(t, after):
            kinds_[i] = "body"
            if unsure is not None:
                unsure.add(i)


def build_segments(page: layout.Page, ledger: Ledger, segs_seen: list[Seg], warn_joins: bool = True) -> list[Seg]:
    units = page.units
    unsure: set[int] = set()
    classes, parsed = _classify(units, unsure)
    segs: list[Seg] = []
    cur: Seg | None = None

    def new(pos: int) -> Seg:
        nonlocal cur
        cur = Seg(page=page.number or 1, position=pos)
        segs.append(cur)
        segs_seen.append(cur)
        return cur

    for n, (u, kind) in enumerate(zip(units, classes, strict=True)):
        text = u.text
        whole: list[Src] = [(u, 0, len(text))]
        nxt = units[n + 1].text if n + 1 < len(units) else None
        if kind == "head" and cur is not None and cur.paras and _in_notice(cur) and kinds.is_signature(text, nxt):
            # A notice's closing lines (issuer, date) look like headlines but end the notice.
            cur.paras.append(Para(text, src=whole))
            continue
        if kind == "head":
            if cur is not None and cur.heads and not cur.paras and not cur.started and cur.jump_in is None:
                cur.heads.append(_head(u))
            else:
                new(u.index).heads.append(_head(u))
            continue
        if kind == "credit":
            found = parsed[n] or []
            nxt_kind = classes[n + 1] if n + 1 < len(classes) else None
            if cur is not None and cur.paras and not cur.closed and _items_bylined(cur):
                # In a brief column whose items end on their own bylines, a byline on a line
                # of its own is the item's above it, not the column's.
                cur.paras[-1].text = layout.join_text(cur.paras[-1].text, text)
                cur.paras[-1].src.extend(whole)
                continue
            if cur is not None and cur.paras and not cur.closed and cr.is_photo_credits(found):
                cur.closed = True
            elif (
                cur is not None
                and cur.paras
                and not cur.closed
                and terminated(cur.paras[-1].text)
                and (cr.bracketed(text) or nxt_kind in ("head", None))
            ):
                # A byline after the text, with nothing after it to open: the article's
                # closing credit, (见习记者 孙七) or ■记者 赵六 printed at its end.
                cur.closed = True
            elif cur is not None and _closes_before_dateline(cur, text, nxt, nxt_kind):
                # A bare byline between one article's last sentence and the next one's
                # dateline: the article before it has no byline, so this is its closing one.
                cur.closed = True
                if not cr.split_dateline(nxt or "")[1]:
                    cur.notes.append(
                        Note(
                            f"a byline between two articles was read as the end of the one before: {text}",
                            "the byline of the article after it",
                            tuple(whole),
                        )
                    )
            elif cur is None or cur.paras or cur.closed:
                new(u.index).started = True
            else:
                cur.started = True
            assert cur is not None
            cur.credits.extend(found)
            cur.credit_src.extend(whole)
            continue
        if kind == "jump":
            marker = jumps.standalone(text)
            assert marker is not None
            _apply_marker(marker, cur, new, u.index)
            ledger.add(whole, _JUMP)
            continue
        pieces, found_markers = jumps.split_markers(text)
        markers = [m for _, _, m in found_markers]
        for a, b, _ in found_markers:
            ledger.add([(u, a, b)], _JUMP)
        src: list[Src] = [(u, a, b) for a, b in pieces]
        if found_markers:
            text = "".join(text[a:b] for a, b in pieces).strip(" \u3000")
        for m in markers:
            if not m.outward:
                _apply_marker(m, cur, new, u.index)
        if text:
            dateline, dcredits, rest = cr.split_dateline(text)
            if dateline is not None:
                if cur is None or cur.paras or cur.closed or cur.dateline:
                    new(u.index)
                assert cur is not None
                cur.dateline = dateline
                cur.credits.extend(dcredits)
                cur.started = True
                said, src = carve(src, nonspace_prefix(text, len(text) - len(rest)))
                named, bracket = carve(said, nonspace_prefix(text, len(dateline)))
                cur.dateline_src.extend(named)
                (cur.credit_src if dcredits else cur.dateline_src).extend(bracket)
                text = rest
            if cur is None or cur.closed:
                new(u.index)
            assert cur is not None
            bullet = kinds.starts_with_bullet(text)
            cur.bulleted += bullet
            para = Para(text, src=src)
            if n in unsure:
                para.notes.append(
                    Note(
                        f"a line read as the last of its article's text: {text[:30]}", "the kicker of the next headline"
                    )
                )
            if cur.paras and kinds.epigraph_mark(text):
                _join(cur.paras[-1], para, warn_joins)
            elif (
                cur.paras
                and not terminated(cur.paras[-1].text)
                and not bullet
                and not kinds.list_break(cur.paras[-1].text, text)
                and not _next_item(cur, text)
                and not _phrase_items(cur)
                and not kinds.stands_apart(cur.paras[-1].text)
                and not kinds.stands_apart(text)
            ):
                _join(cur.paras[-1], para, warn_joins)
            else:
                cur.paras.append(para)
        else:
            ledger.add(src, _JUMP)
        for m in markers:
            if m.outward and cur is not None:
                _apply_marker(m, cur, new, u.index)
    for seg in segs:
        _rejoin_cut_items(seg)
    return segs


_JUMP = Destination("jump marker")
_BULLET = Destination("bullet")


def _next_item(seg: Seg, text: str) -> bool:
    """Does text open the item after the last numbered one (2. after 1.)? Then the item
    before it was cut by a column break, and its rest is printed elsewhere."""
    number = kinds.item_number(text)
    if number is None or number < 2:
        return False
    for p in reversed(seg.paras):
        before = kinds.item_number(p.text)
        if before is not None:
            return before == number - 1
    return False


def _phrase_items(seg: Seg) -> bool:
    """Does seg end on a list of items printed as bare phrases (1.加强组织领导 2.强化……)?
    Its last item is as unfinished as the others, and no column break cut it."""
    if len(seg.paras) < 2:
        return False
    last = kinds.item_number(seg.paras[-1].text)
    if last is None or last < 2:
        return False
    before = seg.paras[-2].text
    return kinds.item_number(before) == last - 1 and not _item_done(before)


def _item_done(text: str) -> bool:
    return terminated(text) or text.rstrip(_CLOSERS)[-1:] in ";；:："


def _rejoin_cut_items(seg: Seg) -> None:
    """Numbered items cut by a column break: the rest of a cut item, printed after the
    list's finished items, goes back to it, so the items stay whole and in order."""
    paras = seg.paras
    if len(paras) < 3:
        return
    numbers = [kinds.item_number(p.text) for p in paras]
    if sum(n is not None for n in numbers) < 2:
        return
    # Only a list whose items end as sentences or clauses can show one of them cut: items
    # printed as bare phrases (1.加强组织领导) are all unfinished, and none was cut.
    open_items = [k for k, n in enumerate(numbers) if n is not None and not _item_done(paras[k].text)]
    if len(open_items) != 1:
        return
    i = 0
    while i < len(paras) - 1:
        if numbers[i] is None or _item_done(paras[i].text) or numbers[i + 1] is None:
            i += 1
            continue
        # Item i was cut: the next item follows it. Its rest is the first unnumbered piece
        # after the items that follow, when the item before that piece is finished.
        j = i + 1
        while j < len(paras) and numbers[j] is not None:
            j += 1
        if j == len(paras) or not terminated(paras[j - 1].text):
            i += 1
            continue
        piece = paras[j]
        if jumps.continuation_score(paras[i].text, piece.text) < 1.0:
            paras[i].notes.append(
                Note(
                    f"the rest of a numbered item cut by a column break was put back: …{paras[i].text[-8:]}|"
                    f"{piece.text[:8]}…",
                    "a paragraph of its own after the list",
                    tuple(paras[i].src[-1:] + piece.src[:1]),
                )
            )
        _join(paras[i], piece)
        del paras[j]
        del numbers[j]
        i += 1


def _closes_before_dateline(cur: Seg, byline: str, nxt: str | None, nxt_kind: str | None) -> bool:
    """A byline on a line of its own after an article's text and before another's dateline
    closes the article before, when that one has no byline and this one is not set as an
    opening byline box (■记者 ……)."""
    return bool(
        cur.paras
        and not cur.closed
        and not cur.credits
        and nxt_kind == "body"
        and nxt
        and byline.lstrip(" \u3000")[:1] not in cr.BULLETS
        and terminated(cur.paras[-1].text)
        and cr.split_dateline(nxt)[0] is not None
    )


def _items_bylined(seg: Seg) -> bool:
    column = seg.bulleted >= 2 or any(kinds.is_brief_title(h) for h in seg.heads)
    return column and any(cr.ends_with_credits(p.text) for p in seg.paras[:-1])


def _in_notice(seg: Seg) -> bool:
    return any(kinds.is_notice_title(h) for h in seg.heads[-2:])


def _apply_marker(marker: jumps.Marker, cur: Seg | None, new, pos: int) -> None:
    if marker.outward:
        if cur is not None:
            cur.jump_out = marker
            cur.closed = True
        return
    if cur is not None and not cur.paras and cur.jump_in is None and not cur.closed:
        cur.jump_in = marker
    else:
        new(pos).jump_in = marker


def _join(para: Para, other: Para, warn: bool = True) -> None:
    """Run other on at the end of para: one paragraph that a column or page break cut."""
    text = other.text
    if warn and words.gap_suspected(para.text, text):
        para.notes.append(
            Note(
                f"joined across a break that may have lost text: …{para.text[-8:]}|{text[:8]}…",
                "text missing from the input at the break, or two paragraphs",
                tuple(para.src[-1:] + other.src[:1]),
            )
        )
    para.text = layout.join_text(para.text, text)
    para.src.extend(other.src)
    para.notes.extend(other.notes)
    other.src, other.notes = [], []


# -- implicit continuations --------------------------------------------------------------------


def resolve_continuations(segs: list[Seg]) -> None:
    """Move runs of body that continue a cut paragraph elsewhere on the page to it."""
    for _ in range(len(segs)):
        moved = False
        for d in segs:
            if not d.paras or terminated(d.paras[-1].text) or d.jump_out is not None:
                continue
            best: tuple[float, Seg, int] | None = None
            left = d.paras[-1].text
            mine = "".join(d.heads) + d.text()
            for h in segs:
                if h is d:
                    continue
                for j, p in enumerate(h.paras):
                    if j == 0 and not h.headless_piece:
                        continue
                    if j > 0 and not terminated(h.paras[j - 1].text):
                        continue
                    score = jumps.continuation_score(left, p.text)
                    if j > 0 or not h.headless_piece:
                        # Splitting an article needs a word across the cut, not just a cut.
                        if score < 1.0:
                            continue
                    text_after = "".join(x.text for x in h.paras[j:])
                    own = "".join(h.heads) + "".join(x.text for x in h.paras[:j])
                    topic = words.affinity(text_after, mine) - (words.affinity(text_after, own) if own else 0)
                    total = score + 0.5 * topic
                    if score < 1.0 and topic <= 0:
                        continue
                    if best is None or total > best[0]:
                        best = (total, h, j)
            if best is None:
                continue
            total, h, j = best
            taken = h.paras[j:]
            del h.paras[j:]
            if jumps.continuation_score(left, taken[0].text) < 1.0:
                d.paras[-1].notes.append(
                    Note(
                        f"moved text here on its subject alone: …{left[-8:]}|{taken[0].text[:8]}…",
                        "the text stays where it was printed",
                    )
                )
            _join(d.paras[-1], taken[0])
            d.paras.extend(taken[1:])
            if h.jump_out is not None and not h.paras[j:]:
                d.jump_out, h.jump_out = h.jump_out, None
            moved = True
        if not moved:
            break


# -- decks to bodies ---------------------------------------------------------------------------


def assign_decks(segs: list[Seg]) -> list[Draft]:
    """Give each article start its headline deck; split runs of headlines between articles."""
    runs = [s for s in segs if s.heads]
    orphans = [s for s in segs if not s.heads and s.started and s.jump_in is None and s.paras]
    drafts: list[Draft] = []
    flexible = [r for r in runs if len(hl._groups(r.heads)) >= 2] if orphans else []
    fixed = [r for r in runs if r not in flexible]
    free: list[tuple[Seg, list[str], int]] = []  # decks with no body of their own yet
    for r in fixed:
        if r.paras or r.started or r.jump_in is not None:
            drafts.append(_draft(r.heads, r.position, r))
        else:
            free.append((r, r.heads, r.position))
    # Run by run (not every combination of runs: that explodes on a busy page), the split
    # of its lines into decks that best fits its own body and the starts still without one.
    best_plan: list[tuple[list[str], int, Seg | None]] = []
    waiting = list(orphans)
    for r in flexible:
        best_score = float("-inf")
        best_choice: list[tuple[list[str], int, Seg | None]] = []
        for part in hl.partitions(r.heads):
            decks = [([r.heads[i] for i in d], r.position + d[0]) for d in part]
            plan: list[tuple[list[str], int, Seg | None]] = []
            score = -0.05 * len(decks)
            rest = list(range(len(decks)))
            if r.paras or r.started:
                pick = max(
                    rest,
                    key=lambda i: hl.deck_score(decks[i][0], r.opening()) + (0.05 if i == rest[-1] else 0),
                )
                score += hl.deck_score(decks[pick][0], r.opening())
                plan.append((decks[pick][0], decks[pick][1], r))
                rest.remove(pick)
            matched, s_, _ = _match([decks[i] for i in rest], waiting)
            score += s_ - 0.6 * (len(rest) - len(matched))
            plan.extend(matched)
            if score > best_score:
                best_score, best_choice = score, plan
        best_plan.extend(best_choice)
        taken = {id(body) for _, _, body in best_choice}
        waiting = [o for o in waiting if id(o) not in taken]
    matched, _, _ = _match([(lines, pos) for _, lines, pos in free], waiting)
    best_plan.extend(matched)
    used: set[int] = set()
    for lines, pos, body in best_plan:
        if body is None:
            continue
        used.add(id(body))
        drafts.append(_draft(lines, pos, body))
    for r in flexible:
        if id(r) not in used and (r.paras or r.started):
            drafts.append(_draft(r.heads, r.position, r))
    used_heads = {id(x) for lines, _, _ in best_plan for x in [lines]}
    for r, lines, pos in free:
        if id(lines) not in used_heads and not any(lines == pl for pl, _, _ in best_plan):
            drafts.append(_draft(lines, pos, Seg(page=r.page, position=pos, heads=lines)))
    for o in orphans:
        if id(o) not in used:
            drafts.append(_headless_draft(o))
    # A continuation with neither headline nor byline: its jump marker says whose it is.
    for s in segs:
        if not s.heads and s.jump_in is not None and s.paras:
            drafts.append(_headless_draft(s, _NO_JUMP_HOST))
    return drafts


def _match(decks: list[tuple[list[str], int]], orphans: list[Seg]) -> tuple[list, float, int]:
    """Best pairing of open decks with headless article starts, by echo."""
    if not decks or not orphans:
        return [], 0.0, len(orphans)
    scores = [[hl.deck_score(d[0], o.opening()) for o in orphans] for d in decks]
    best: tuple[float, list[tuple[int, int]]] = (float("-inf"), [])
    k = min(len(decks), len(orphans))
    if len(decks) <= 7 and len(orphans) <= 7:
        for ds in itertools.permutations(range(len(decks)), k):
            for os_ in itertools.combinations(range(len(orphans)), k):
                s = sum(scores[d][o] for d, o in zip(ds, os_, strict=True))
                if s > best[0]:
                    best = (s, list(zip(ds, os_, strict=True)))
    else:
        pairs = sorted(
            ((scores[d][o], d, o) for d in range(len(decks)) for o in range(len(orphans))),
            reverse=True,
        )
        ud: set[int] = set()
        uo: set[int] = set()
        chosen: list[tuple[int, int]] = []
        for _s, d, o in pairs:
            if d not in ud and o not in uo:
                ud.add(d)
                uo.add(o)
                chosen.append((d, o))
        best = (sum(scores[d][o] for d, o in chosen), chosen)
    matched = [(decks[d][0], decks[d][1], orphans[o]) for d, o in best[1]]
    return matched, best[0], len(orphans) - len(matched)


def _draft(lines: list[str], pos: int, seg: Seg) -> Draft:
    kicker, title, subtitle = hl.Deck(lines, pos).parts()
    return Draft(page=seg.page, position=pos, kicker=kicker, title=title, subtitle=subtitle, seg=seg, lines=lines)


_CLAUSE = re.compile(r"[,，。;；:：!！?？、]")


def _headless_draft(seg: Seg, note: Note | None = None) -> Draft:
    first = seg.paras[0].text if seg.paras else ""
    title = _CLAUSE.split(first, maxsplit=1)[0][:30] or "(无标题)"
    seg.notes.append(
        note or Note("no headline found; the title is the text's first words", "a headline printed elsewhere")
    )
    return Draft(page=seg.page, position=seg.position, kicker=None, title=title, subtitle=None, seg=seg)


# -- the whole edition ---------------------------------------------------------------------------


def normalize_text(text: str, source: str | None = None, ledger: Ledger | None = None) -> Edition:
    """The edition; `ledger`, when given, receives where every span of the input went."""
    ledger = ledger if ledger is not None else Ledger()
    dropped: list[layout.Dropped] = []
    pages = layout.split_pages(text, dropped)
    for d in dropped:
        ledger.add_raw(d.line, d.col, d.text, Destination(d.reason))
    paper = next((p.paper for p in pages if p.paper), None)
    date = next((p.date for p in pages if p.date), None)
    names = {p.number: p.name for p in pages if p.name}
    drafts: list[Draft] = []
    every: list[Seg] = []
    for page in pages:
        segs = build_segments(page, ledger, every)
        resolve_continuations(segs)
        pieces = [s for s in segs if s.headless_piece and s.paras]
        segs = [s for s in segs if not (s.headless_piece and s.paras) and (s.paras or s.heads or s.started)]
        page_drafts = assign_decks(segs)
        page_drafts.sort(key=lambda d: d.position)
        # Pieces without headline or byline: continue the article before them.
        for piece in pieces:
            host = _host_for(piece, page_drafts, drafts)
            if host is None:
                page_drafts.append(_headless_draft(piece))
                page_drafts.sort(key=lambda d: d.position)
                continue
            _append(host.seg, piece, confident=_confident(host.seg, piece))
        drafts.extend(resettle(page_drafts))
    drafts = _stitch_jumps(drafts)
    drafts = _rescue(drafts, every)
    return _edition(drafts, every, ledger, paper, date, names, source)


_NO_JUMP_HOST = Note("continued from another page, but no article there jumps here", "the rest of another article")


def _rescue(drafts: list[Draft], every: list[Seg]) -> list[Draft]:
    """Body text that reached no article becomes one of its own, for the editor: never nothing."""
    placed = {id(d.seg) for d in drafts}
    lost = [s for s in every if id(s) not in placed and s.merged_into is None and any(p.text.strip() for p in s.paras)]
    if not lost:
        return drafts
    for s in lost:
        drafts.append(
            _headless_draft(
                s, Note("text the normalizer could not place is an article of its own", "part of another article")
            )
        )
    drafts.sort(key=lambda d: (d.page, d.position))
    return drafts


def _host_for(piece: Seg, page_drafts: list[Draft], earlier: list[Draft]) -> Draft | None:
    before = [d for d in page_drafts if d.position < piece.position]
    if before:
        return before[-1]
    # At the top of a page: the last article still open on the pages before.
    for d in reversed(earlier):
        if d.seg.paras and not terminated(d.seg.paras[-1].text) and d.seg.jump_out is None:
            return d
    return earlier[-1] if earlier else None


def _confident(host: Seg, piece: Seg) -> bool:
    if not host.paras or not piece.paras:
        return False
    return jumps.continuation_score(host.paras[-1].text, piece.paras[0].text) >= 0.8


def _append(host: Seg, piece: Seg, confident: bool) -> None:
    first = piece.paras[0]
    if not confident:
        first.notes.append(Note("text without a headline was given to the article before it", "an article of its own"))
    if host.paras and not terminated(host.paras[-1].text):
        _join(host.paras[-1], first)
        host.paras.extend(piece.paras[1:])
    else:
        host.paras.extend(piece.paras)
    piece.paras = []
    piece.merged_into = host
    host.credits.extend(c for c in piece.credits if c not in host.credits)
    if piece.jump_out is not None:
        host.jump_out = piece.jump_out


def _stitch_jumps(drafts: list[Draft]) -> list[Draft]:
    out: list[Draft] = []
    used: set[int] = set()
    continued = [d for d in drafts if d.seg.jump_in is not None]
    for d in drafts:
        if d.seg.jump_in is not None:
            continue
        out.append(d)
    for cont in continued:
        marker = cont.seg.jump_in
        assert marker is not None
        candidates = [
            d
            for d in out
            if d.seg.jump_out is not None
            and id(d) not in used
            and (marker.page is None or d.page == marker.page)
            and (d.seg.jump_out.page is None or d.seg.jump_out.page == cont.page)
        ]
        if not candidates:
            if _NO_JUMP_HOST not in cont.seg.notes:
                cont.seg.notes.append(_NO_JUMP_HOST)
            cont.seg.jump_in = None
            out.append(cont)
            continue

        def fit(d: Draft, cont: Draft = cont) -> float:
            title = (cont.kicker or "") + cont.title if cont.seg.heads else ""
            s = hl.deck_score([d.title], title) if title else 0.0
            if d.seg.paras and cont.seg.paras:
                s += jumps.continuation_score(d.seg.paras[-1].text, cont.seg.paras[0].text)
                s += words.affinity(cont.seg.text(), d.title + d.seg.text())
            return s

        host = max(candidates, key=fit)
        used.add(id(host))
        host.seg.jump_out = None
        piece = cont.seg
        if piece.paras:
            _append(host.seg, piece, confident=True)
        piece.merged_into = host.seg
        host.seg.credits.extend(c for c in piece.credits if c not in host.seg.credits)
    out.sort(key=lambda d: (d.page, d.position))
    return out


def _nonspace(text: str) -> int:
    return len("".join(text.split()))


def _final_paragraphs(kind_paras: list[Para], kind: str, news_tail: bool) -> list[tuple[Para, str, int, int]]:
    """(para, final text, bullet characters before it, credit characters after it)."""
    out: list[tuple[Para, str, int, int]] = []
    for j, p in enumerate(kind_paras):
        t = p.text.strip()
        if kind == "brief":
            t = kinds.strip_bullet(t)
        elif kind == "notice":
            t = kinds.strip_symbol_bullet(t)
        body = t
        if kind != "brief" and news_tail and j == len(kind_paras) - 1:
            # An article may close on its byline; a brief's item keeps its own as printed.
            last, trailing = cr.split_trailing_credits(t)
            if trailing and last:
                body = last
        # Only what was taken off the ends needs counting, and usually nothing was.
        lead = 0 if len(t) == len(p.text) else _nonspace(p.text) - _nonspace(t)
        out.append((p, body, lead, 0 if body is t else _nonspace(t) - _nonspace(body)))
    return out


def _edition(drafts: list[Draft], every: list[Seg], ledger: Ledger, paper, date, names, source) -> Edition:
    articles: list[Article] = []
    warnings: list[EditionWarning] = []
    index_of: dict[int, int] = {}  # id(seg) -> article index
    placed_heads: set[int] = set()
    for d in drafts:
        seg = d.seg
        paras = [p for p in seg.paras if p.text.strip()]
        credits_ = list(seg.credits)
        texts = [p.text.strip() for p in paras]
        if texts:
            last, trailing = cr.split_trailing_credits(texts[-1])
            if trailing and last:
                texts[-1] = last
                credits_.extend(trailing)
        kind = kinds.kind_of(d.title, texts, credits_, seg.dateline, seg.bulleted)
        finals = _final_paragraphs(paras, kind, news_tail=True)
        if kind == "brief":
            credits_ = list(seg.credits)
        placed_heads.update(id(x) for x in d.lines)
        if not finals:
            # A headline with no text has nothing to read; say so rather than invent a body.
            drop = Destination("headline without text")
            lines = ledger.add([x.src for x in d.lines if isinstance(x, HeadLine)], drop)
            lines += ledger.add(seg.credit_src + seg.dateline_src, drop)
            # Settled here: what no article took is not to be dropped a second time.
            seg.credit_src, seg.dateline_src = [], []
            warnings.append(
                EditionWarning(
                    message=f"headline without text dropped: {d.title}",
                    lines=tuple(sorted(set(lines))),
                    alternative="the headline of text printed elsewhere",
                )
            )
            continue
        index = len(articles)
        index_of[id(seg)] = index
        roles = hl.Deck(d.lines, d.position).roles()
        if roles.count("title") == 2:
            seg.notes.append(
                Note(
                    f"two headline lines read as one title: {d.title}",
                    "a kicker over a title",
                    tuple(x.src for x in d.lines if isinstance(x, HeadLine)),
                )
            )
        if roles.count("kicker") == 2:
            seg.notes.append(
                Note(
                    f"two headline lines read as one kicker, wrapped: {d.kicker}",
                    "a kicker, then the title, then a subtitle",
                    tuple(
                        x.src for x, r in zip(d.lines, roles, strict=True) if r == "kicker" and isinstance(x, HeadLine)
                    ),
                )
            )
        for line, role in zip(d.lines, roles, strict=True):
            if isinstance(line, HeadLine):
                dest = Destination(role, index) if role != "rule" else Destination("rule line")
                ledger.add([line.src], dest)
        ledger.add(seg.dateline_src, Destination("dateline", index))
        credits_dest = Destination("credits", index)
        ledger.add(seg.credit_src, credits_dest)
        para_lines: list[tuple[int, ...]] = []
        for j, (p, _body, lead, tail) in enumerate(finals):
            bullet, rest = carve(p.src, lead)
            mid, own_credit = carve_end(rest, tail)
            if bullet:
                ledger.add(bullet, _BULLET)
            para_lines.append(tuple(sorted(set(ledger.add(mid, Destination("paragraph", index, j))))))
            if own_credit:
                ledger.add(own_credit, credits_dest)
        all_lines = tuple(sorted({n for ls in para_lines for n in ls}))
        for note in seg.notes:
            warnings.append(
                EditionWarning(
                    message=note.message,
                    article=index,
                    lines=_lines_of(note.where) if note.where else all_lines,
                    alternative=note.alternative,
                )
            )
        for j, (p, _body, _, _) in enumerate(finals):
            for note in p.notes:
                warnings.append(
                    EditionWarning(
                        message=note.message,
                        article=index,
                        paragraph=j,
                        lines=_lines_of(note.where) if note.where else para_lines[j],
                        alternative=note.alternative,
                    )
                )
        seen: list[Credit] = []
        for c in credits_:
            if c not in seen:
                seen.append(c)
        articles.append(
            Article(
                title=d.title,
                paragraphs=tuple(body for _, body, _, _ in finals),
                page=d.page,
                kind=kind,
                kicker=d.kicker,
                subtitle=d.subtitle,
                credits=tuple(seen),
                dateline=seg.dateline,
                lines=tuple(para_lines),
            )
        )
    _settle_the_rest(every, index_of, placed_heads, ledger, warnings)
    if not articles:
        warnings.append(EditionWarning(message="no articles found in the input"))
    dropped = tuple(
        DroppedText(line=e.line, text=e.text, reason=e.dest.field)
        for e in sorted((e for e in ledger.entries if e.dest.article is None), key=lambda e: (e.line, e.start))
    )
    return Edition(
        articles=tuple(articles),
        paper=paper,
        date=date,
        warnings=tuple(warnings),
        source=source,
        pages=tuple(PageName(number, name) for number, name in names.items()),
        dropped=dropped,
    )


def _settle_the_rest(
    every: list[Seg], index_of: dict[int, int], placed_heads: set[int], ledger: Ledger, warnings: list[EditionWarning]
) -> None:
    """Segs merged into another article, and what no article took: each span a destination."""
    for seg in every:
        if id(seg) in index_of:
            continue
        root: Seg | None = seg
        while root is not None and id(root) not in index_of:
            root = root.merged_into
        index = index_of.get(id(root)) if root is not None else None
        heads = [h for h in seg.heads if id(h) not in placed_heads and isinstance(h, HeadLine)]
        if index is not None:
            # A continuation's repeated headline; its byline and dateline are its article's.
            ledger.add([h.src for h in heads], Destination("repeated headline of a continued article"))
            ledger.add(seg.dateline_src, Destination("dateline", index))
            ledger.add(seg.credit_src, Destination("credits", index))
            continue
        lines = ledger.add([h.src for h in heads], Destination("headline without text"))
        lines += ledger.add(seg.credit_src + seg.dateline_src, Destination("byline without text"))
        if lines:
            text = "".join(heads) or "".join(u.text[a:b] for u, a, b in seg.credit_src)
            warnings.append(
                EditionWarning(
                    message=f"printed lines that no article took were left out: {text[:30]}",
                    lines=tuple(sorted(set(lines))),
                    alternative="a headline or byline of an article nearby",
                )
            )


# -- sections and blocks printed apart from their article ----------------------------------------


def _subject(seg: Seg, upto: int | None = None) -> frozenset[str]:
    return frozenset().union(*(words.bigrams(p.text[:300]) for p in seg.paras[:upto]))


class _Space:
    """TF-IDF over a page's articles (bigram sets): document frequencies counted once per
    page, norms worked out only for the articles a piece is compared with."""

    def __init__(self, docs: list[frozenset[str]], df: Counter[str]) -> None:
        self.docs = docs
        self.df = df
        self.n = len(docs) + 1
        self._norms: dict[int, float] = {}
        # A squared weight depends only on how many articles hold the bigram: work each
        # out once, not once per bigram.
        self._idf2_of = {c: self._idf2_for(c) for c in range(len(docs) + 1)}

    def _idf2_for(self, count: int) -> float:
        return (math.log(self.n / (1 + count)) + 0.1) ** 2

    def weights(self, piece: frozenset[str], own: frozenset[str]) -> tuple[dict[str, float], float]:
        # The piece is still counted in its own article's; count it as apart from it.
        df, idf2 = self.df, self._idf2_of
        w = {b: idf2[df[b] + (b in own) - 1] for b in piece}
        return w, math.sqrt(sum(w.values())) or 1.0

    def norm(self, doc: frozenset[str]) -> float:
        return math.sqrt(sum(map(self._idf2_of.__getitem__, map(self.df.__getitem__, doc)))) or 1.0

    def doc_norm(self, k: int) -> float:
        if k not in self._norms:
            self._norms[k] = self.norm(self.docs[k])
        return self._norms[k]

    @staticmethod
    def cosine(piece: tuple[dict[str, float], float], doc: frozenset[str], norm: float) -> float:
        w, norm_p = piece
        return sum(w[b] for b in doc.intersection(w)) / (norm_p * norm)


def _cosines(piece: frozenset[str], docs: list[frozenset[str]]) -> list[float]:
    """TF-IDF cosine of a piece of text against each article of the page (bigram sets):
    what every article says weighs nothing, what one article alone says weighs most."""
    n = len(docs) + 1
    df: dict[str, int] = {}
    for doc in docs:
        for b in doc:
            df[b] = df.get(b, 0) + 1
    idf = {b: math.log(n / (1 + df.get(b, 0))) + 0.1 for b in piece}
    norm_p = math.sqrt(sum(w * w for w in idf.values())) or 1.0
    out = []
    for doc in docs:
        shared = sum(idf[b] ** 2 for b in piece & doc)
        norm_d = math.sqrt(sum((math.log(n / (1 + df[b])) + 0.1) ** 2 for b in doc)) or 1.0
        out.append(shared / (norm_p * norm_d))
    return out


def resettle(page_drafts: list[Draft]) -> list[Draft]:
    """Sections under a numbered subhead, and blocks of paragraphs printed next to another
    article, go to the article they are about."""
    for d in list(page_drafts):
        seg = d.seg
        if (
            len(d.lines) != 1
            or not isinstance(d.lines[0], HeadLine)
            or not kinds.numbered_subhead(d.lines[0])
            or seg.started
            or (seg.credits and not seg.closed)
            or seg.jump_in is not None
            or not seg.paras
        ):
            continue
        others = [o for o in page_drafts if o is not d and o.seg.paras]
        if not others:
            continue
        mine = words.bigrams(d.lines[0]) | _subject(seg)
        scores = _cosines(mine, [words.bigrams(o.title) | _subject(o.seg) for o in others])
        before = [k for k, o in enumerate(others) if o.position < d.position]
        prev = before[-1] if before else None
        best = max(range(len(others)), key=lambda k: scores[k])
        # 二、 goes where 一、 is: the numbering says more than the words.
        number = kinds.subhead_number(d.lines[0])
        if number is not None and number > 1:
            follows = [
                k for k, o in enumerate(others) if any(kinds.subhead_number(p.text) == number - 1 for p in o.seg.paras)
            ]
            if len(follows) == 1:
                best = follows[0]
                scores[best] = float("inf")
        host = prev if prev is not None and scores[prev] >= scores[best] - 0.02 else best
        head = Para(str(d.lines[0]), src=[d.lines[0].src])
        if host != prev:
            head.notes.append(
                Note(
                    f"a section under the subhead {d.lines[0]} was moved to the article it is about: "
                    f"{others[host].title}",
                    "it stays with the article printed before it" if prev is not None else "an article of its own",
                )
            )
        others[host].seg.paras.extend([head, *seg.paras])
        # A closing byline under the last section is the whole article's.
        others[host].seg.credits.extend(c for c in seg.credits if c not in others[host].seg.credits)
        seg.paras, seg.heads, seg.merged_into = [], [], others[host].seg
        page_drafts.remove(d)
    _move_blocks(page_drafts)
    return page_drafts


def _plain_news(d: Draft) -> bool:
    """Not a column of briefs, a notice or a photo: an article with a subject of its own."""
    title = (d.kicker or "") + d.title
    # Closed by a byline after its text is still an article; by a photo credit or a jump, not.
    closed = d.seg.closed and (d.seg.jump_out is not None or cr.is_photo_credits(d.seg.credits))
    return not (kinds.is_brief_title(title) or kinds.is_notice_title(title) or d.seg.bulleted or closed)


_MAX_COMPARED = 12


def _move_blocks(page_drafts: list[Draft]) -> None:
    """Trailing paragraphs of an article that are plainly about another article on the page."""
    if len(page_drafts) < 2:
        return
    news = [d for d in page_drafts if d.seg.paras and _plain_news(d)]
    if len(news) > _MAX_COMPARED:
        # Every block against every article is quadratic; a printed page holds a dozen
        # articles at most, and an export that runs pages together is not worth the guess.
        return
    sets = [[words.bigrams(p.text[:300]) for p in d.seg.paras] for d in news]
    docs: list[frozenset[str]] = []  # built only when a block looks out of place
    df: Counter[str] = Counter()
    space: _Space | None = None
    for i, d in enumerate(news):
        paras = d.seg.paras
        if len(paras) < 3:
            continue
        mine = sets[i]
        best: tuple[float, int, Draft] | None = None
        for j in range(max(1, len(paras) - 3), len(paras)):
            if not terminated(paras[j - 1].text):
                continue
            piece = frozenset().union(*mine[j:])
            if len(piece) < 20:
                continue
            own = frozenset().union(*mine[:j]) | words.bigrams(d.title)
            # Cheap first: a block that shares its article's words is on its subject.
            if len(own) < 40 or len(piece & own) > max(4, 0.15 * len(piece)):
                continue
            if not docs:
                docs = [frozenset().union(*ps) | words.bigrams(o.title) for ps, o in zip(sets, news, strict=True)]
                df = Counter(itertools.chain.from_iterable(docs))
            # Only articles that share several of the piece's rarer words, and many more of
            # them than its own article does, are worth a closer look.
            rare = frozenset(itertools.compress(piece, map((2).__ge__, map(df.__getitem__, piece))))
            at_home = len(rare & own)
            enough = max(6, 2 * at_home + 1)
            near = [k for k, doc in enumerate(docs) if k != i and len(rare & doc) >= enough]
            if not near:
                continue
            mine_score: float | None = None
            for k in near:
                o, doc = news[k], docs[k]
                exclusive = len((piece & doc) - own)
                own_only = len((piece & own) - doc)
                # A few words shared with its own article only are the phrases every report
                # has (负责人表示, 据介绍), where the article is as short as a wire story.
                if (
                    len(doc) < 60
                    or exclusive < 6
                    or own_only > max(2, exclusive // 4)
                    or len(own & doc) > 0.3 * len(own)
                ):
                    continue  # not plainly another subject, or two articles on one
                if space is None:
                    space = _Space(docs, df)
                w_piece = space.weights(piece, own)
                if mine_score is None:
                    mine_score = space.cosine(w_piece, own, space.doc_norm(i))
                theirs = space.cosine(w_piece, doc, space.doc_norm(k))
                # Plainly: several times closer to the other article than to its own, on
                # words that only the other article has.
                margin = theirs / (mine_score + 0.002)
                if theirs >= 0.015 and margin >= 3.0 and (best is None or margin > best[0]):
                    best = (margin, j, o)
        if best is None:
            continue
        _, j, o = best
        block = paras[j:]
        del paras[j:]
        block[0].notes.append(
            Note(
                f"paragraphs printed after {d.title} were moved to {o.title}, whose subject they share",
                f"they stay with {d.title}",
            )
        )
        o.seg.paras.extend(block)
        _move_closing_byline(d.seg, o.seg, block[0])


def _move_closing_byline(source: Seg, target: Seg, first: Para) -> None:
    """A byline printed after a block that went to another article is that article's."""
    if not first.src:
        return
    start = first.src[0][0].index
    after = [x for x in source.credit_src if x[0].index > start]
    if not after:
        return
    moved = [c for u, a, b in after for c in cr.credit_line(u.text[a:b]) or []]
    source.credit_src = [x for x in source.credit_src if x[0].index <= start]
    target.credit_src.extend(after)
    source.credits = [c for c in source.credits if c not in moved]
    target.credits.extend(c for c in moved if c not in target.credits)
