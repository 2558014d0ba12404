"""Page furniture: page headers (paper, date, page number and name) and editor lines.

A page header gives the edition's paper and date; the rest of the furniture is dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from audiopaper.normalize import numbers

_PAGE_NO = re.compile(
    r"(?<![下上转接续])第\s*(?P<n>[0-9０-９]{1,3}|[一二三四五六七八九十]{1,3})\s*版"
    r"|(?<![\w])第?(?P<ab>[A-H])\s*(?P<abn>[0-9]{1,2})\s*版?(?![0-9])"
)
_SECTION_NO = re.compile(r"[A-H]\s*[0-9]")  # what _PAGE_NO's A1 form needs, without its look-behind
_DATE = re.compile(r"(?P<y>(?:19|20)\d{2})\s*[年./-]\s*(?P<m>\d{1,2})\s*[月./-]\s*(?P<d>\d{1,2})\s*日?")
_WEEKDAY = re.compile(r"星期[一二三四五六日天]|周[一二三四五六日]")
_PAPER = re.compile(r"(?P<paper>[\u4e00-\u9fff]{2,12}?(?:日报|晚报|时报|周报|早报|商报|报|新闻))")
_EDITOR_KEYS = (
    "责任编辑|责编|编辑|版式设计|版式|美编|美术编辑|校对|审校|审核|审读|组版|排版|照排|"
    "值班编委|值班主任|终审|一审|二审|三审|制作|版面设计"
)
_EDITOR = re.compile(rf"(?:^|[\s　|｜/])(?:{_EDITOR_KEYS})\s*[:：]")
_EDITOR_START = re.compile(rf"^[\s　]*(?:{_EDITOR_KEYS})\s*[:：]")
_SENTENCE = re.compile(r"[。！？!?]")
_NAME_AFTER = re.compile(r"版\s*[:：·・|｜\-—]?\s*(?P<name>[\u4e00-\u9fff]{2,8})")
_PAPER_ONLY = re.compile(r"^[\u4e00-\u9fff]{0,10}(?:日报|晚报|时报|周报|早报|商报)$")
_EDITOR_TAIL = re.compile(rf"(?:{_EDITOR_KEYS})\s*[:：]\s*[^\s　|｜]*")
_NAME_BEFORE = re.compile(r"(?P<name>[\u4e00-\u9fff]{2,8})\s*第\s*\S{1,3}\s*版")


@dataclass(frozen=True)
class PageHeader:
    number: int | None
    name: str | None
    paper: str | None
    date: str | None


def parse_page_header(line: str) -> PageHeader | None:
    """A page header line, parsed; None when the line is not one."""
    # Every line of a page is asked; nearly none has a page number, so look for that first,
    # and for what any page number needs (版, or A1-style) before the pattern itself.
    if len(line) > 90 or ("版" not in line and not _SECTION_NO.search(line)):
        return None
    if _SENTENCE.search(line):
        return None
    m_no = _PAGE_NO.search(line)
    if m_no is None:
        return None
    m_date = _DATE.search(line)
    has_editor = bool(_EDITOR.search(line))
    has_weekday = bool(_WEEKDAY.search(line))
    # A page number alone is too weak: 第2版 also appears in headlines. Want a second sign.
    if m_no.group("ab") and not (m_date or has_editor):
        return None
    if not (m_date or has_editor or has_weekday or _PAPER.match(line.strip())):
        return None
    if m_no.group("n"):
        number = numbers.to_int(m_no.group("n"))
    else:
        number = int(m_no.group("abn"))
    date = None
    if m_date:
        try:
            import datetime as dt

            date = dt.date(int(m_date["y"]), int(m_date["m"]), int(m_date["d"])).isoformat()
        except ValueError:
            date = None
    paper = None
    head = line[: m_date.start()] if m_date and m_date.start() < m_no.start() else line[: m_no.start()]
    m_paper = _PAPER.search(head)
    name = None
    rest = line[m_no.end() - 1 :] if m_no.group("n") or line[m_no.end() - 1] == "版" else "版" + line[m_no.end() :]
    m_name = _NAME_AFTER.match(rest)
    if m_name and not re.match(_EDITOR_KEYS, m_name.group("name")) and not _PAPER_ONLY.match(m_name.group("name")):
        name = m_name.group("name")
    if name is None:
        # 要闻 第3版: the page's name before its number, unless that is the paper or the day.
        m_before = _NAME_BEFORE.search(line, 0, m_no.end())
        if m_before and not _PAPER_ONLY.match(m_before["name"]) and not _WEEKDAY.search(m_before["name"]):
            name = m_before["name"]
    if m_paper is None:
        # 第3版 要闻 青阳日报 2024年3月8日, 2024年3月8日 青阳日报 A3: the paper named anywhere
        # else on the line, once the page, its name, the date and the editors are taken out.
        rest_of_line = line[: m_no.start()] + " " + line[m_no.end() :]
        if m_date:
            rest_of_line = rest_of_line.replace(m_date.group(0), " ", 1)
        if name:
            rest_of_line = rest_of_line.replace(name, " ", 1)
        m_paper = _PAPER.search(_EDITOR_TAIL.sub(" ", rest_of_line))
    if m_paper:
        paper = m_paper.group("paper")
    if name:
        name = re.split(_EDITOR_KEYS, name)[0] or None
    return PageHeader(number=number, name=name, paper=paper, date=date)


_LUNAR = re.compile(r"农历\S{2,8}")
_FILLER = re.compile(r"[\s\u3000:：·・|｜/\-—,，]+")


def _header_piece(line: str) -> bool:
    """One line of a header printed over several: the paper's name, the date (weekday, lunar
    date), or the page number with its name; nothing else."""
    if len(line) > 30 or _SENTENCE.search(line):
        return False
    if _PAPER_ONLY.match(line):
        return True
    m_date = _DATE.search(line)
    if m_date:
        rest = _LUNAR.sub("", _WEEKDAY.sub("", line.replace(m_date.group(0), "", 1)))
        return not _FILLER.sub("", rest)
    m_no = _PAGE_NO.search(line)
    if m_no:
        rest = _FILLER.sub("", line.replace(m_no.group(0), "", 1))
        return len(rest) <= 8 and not _DATE.search(rest)
    return False


def parse_split_header(lines: list[str]) -> tuple[PageHeader, int] | None:
    """A page header printed over two or three short lines (云溪日报 / 2025年8月21日 星期四 /
    第1版 要闻): the header and how many of the lines it takes, or None.

    Every line must be a piece of furniture on its own (a paper name, a date, a page
    number): a paper's name or a date alone is not enough, nor a headline after them.
    """
    pieces = 0
    for line in lines[:3]:
        if not _header_piece(line):
            break
        pieces += 1
    for n in range(pieces, 1, -1):
        group = lines[:n]
        if not any(_PAGE_NO.search(x) for x in group):
            continue
        header = parse_page_header(" ".join(group))
        if header is not None and (header.paper or header.date):
            return header, n
    return None


def is_editor_line(line: str) -> bool:
    """责任编辑:X 版式:Y and the like: credits for the page, not for an article."""
    return bool(_EDITOR_START.match(line)) and len(line) <= 80 and not _SENTENCE.search(line)
