"""Article kinds: news, photo (a picture and its caption), brief (简讯), notice (声明, 广告)."""

from __future__ import annotations

import re

from audiopaper.edition import Credit
from audiopaper.normalize.credits import BULLETS, is_staff_role, photographer, plausible_name

_BRIEF_TITLE = re.compile(
    r"(简讯|快讯|短讯|简报|速递|速览|一句话新闻|新闻集锦|动态|资讯|要闻速览|图片新闻)[\s\u3000]*$"
)
_NOTICE_TITLE = re.compile(
    r"(遗失声明|挂失声明|作废声明|注销公告|减资公告|声明|公告|通告|启事|广告|公示|讣告|招聘|招租|"
    r"拍卖|挂失|告知书|更正|寻人|寻物|分类信息)[\s\u3000]*$"
)
# A notice may be labelled before its title: 【停电公告】城东片区计划停电.
_NOTICE_LABEL = re.compile(r"^[\s\u3000]*[【\[［][^】\]］]{0,8}(?:声明|公告|通告|启事|公示|讣告|告知书|通知)[】\]］]")
_NOTICE_BODY = re.compile(r"遗失.{0,40}(声明作废|作废)|特此(声明|公告|通知)")
_BULLET = re.compile(
    rf"^[{BULLETS}]\s*|^[\s\u3000]*(?:[0-9]{{1,2}}[.、．]|[①-⑳]|[(（][0-9一二三四五六七八九十]{{1,2}}[)）])\s*"
)


# Contact details close a notice or an advertisement: 联系电话:0571-64123456, 地址:……
_CONTACT_KEY = r"(?:联系|咨询|报名|服务|投诉|举报)?(?:电话|热线|手机|传真|联系人|联系方式|地址|邮箱|网址|微信|QQ)"
_CONTACT_LINE = re.compile(rf"^[\s\u3000]*{_CONTACT_KEY}[\s\u3000]*[:：]")
_PHONE = r"[0-9０-９][0-9０-９\-－—()（）、/ ]{5,}[0-9０-９][)）]?"
_CONTACT_END = re.compile(rf"{_CONTACT_KEY}[\s\u3000]*[:：]?[\s\u3000]*{_PHONE}$")
_SYMBOL_BULLET = re.compile(rf"^[{BULLETS}][\s\u3000]*")


# A caption that closes on its photographer's name: ……识骗防骗能力。冯秋繁 摄
_CAPTION_END = re.compile(
    r"[。！？!?…”）)][\s\u3000]*[\u4e00-\u9fff·]{2,4}(?:[\s\u3000、,，]+[\u4e00-\u9fff·]{2,4}){0,3}[\s\u3000]*摄影?$"
)
# The items of a list: 4月17日上午,…; 一、…; (二)…; 3.…
_ITEM_START = re.compile(
    r"^(?:\d{1,2}月\d{1,2}[日、]|\d{1,2}[.、．](?!\d)|[一二三四五六七八九十]{1,3}、|[(（][一二三四五六七八九十\d]{1,2}[)）]|第[一二三四五六七八九十]{1,3}[,，、是])"
)
# A section's heading inside an article: 一、从“要我干”到“我要干”, (二)……
_SUBHEAD = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}、|[(（][一二三四五六七八九十]{1,3}[)）]|第[一二三四五六七八九十]{1,3}[章节部分篇])"
)


# A numbered item of a list or a brief column: 1. 1、 (1) ①
_ITEM_NUMBER = re.compile(r"^[\s\u3000]*(?:([0-9]{1,2})[.、．](?![0-9])|[(（]([0-9]{1,2})[)）]|([①-⑳]))")
_ITEM_FIRST = frozenset("0123456789(（①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳ \u3000")


def item_number(text: str) -> int | None:
    """1.…, 2、…, (3)…, ④… -> the item's number; None for text that is no numbered item."""
    if not text or text[0] not in _ITEM_FIRST:
        return None
    m = _ITEM_NUMBER.match(text)
    if not m:
        return None
    if m.group(3):
        return ord(m.group(3)) - ord("①") + 1
    return int(m.group(1) or m.group(2))


# A caption says what the picture shows: 图为……, 上图:……, 图①……
_CAPTION_SAYS = re.compile(r"(?:^|[。！？!?”][\s\u3000]*)(?:图为|[上下左右]图[:：为]|图[①-⑨0-9一二三][:：])")


_CAPTION_NAMES = re.compile(r"[\u4e00-\u9fff·]+")


def ends_with_photo_credit(text: str) -> bool:
    tail = text.rstrip(" \u3000")
    # Only the end matters, and most text does not end in 摄: look no further then.
    if not tail.endswith(("摄", "摄影")):
        return False
    m = _CAPTION_END.search(tail[-40:])
    if not m:
        return False
    # Only names a photographer can have: ……“太美了!”游人拍摄 is running text.
    names = _CAPTION_NAMES.findall(m.group(0)[1:].rstrip(" \u3000").removesuffix("影").removesuffix("摄"))
    if names and is_staff_role(names[0]):
        # 记者 覃永刚 摄, 记者 A 通讯员 B 摄: a role vouches for the names after it.
        return len(names) > 1 and all(is_staff_role(n) or plausible_name(n) for n in names)
    return all(photographer(n) for n in names)


def list_break(left: str, right: str) -> bool:
    """A list's lead-in or item (ending in : or ;) followed by the next item: not a cut."""
    return left.rstrip(" \u3000")[-1:] in ":：;；" and bool(_ITEM_START.match(right))


_EPIGRAPH = re.compile(r"[—\-－―]{1,2}[\s\u3000]*题记[\s\u3000]*$")


def epigraph_mark(text: str) -> bool:
    """A line that is only ——题记: it signs the epigraph above it."""
    return text.endswith("题记") and bool(_EPIGRAPH.fullmatch(text.strip(" \u3000")))


def stands_apart(text: str) -> bool:
    """A paragraph that ends without a stop and yet is whole: an epigraph (……——题记) or a
    numbered subhead (一、守住田,也守住人), a signature's date. Nothing runs on into it or from it."""
    if _EPIGRAPH.search(text[-12:]) or _SIGN_DATE.match(text):
        return True
    # 一、二线城市……: numerals in a row are a phrase, not a subhead.
    return len(text) <= 30 and "。" not in text and bool(_SUBHEAD.match(text)) and text[2:3] not in _NUMERALS


def numbered_subhead(text: str) -> bool:
    return bool(_SUBHEAD.match(text))


_NUMERALS = "一二三四五六七八九十"


def subhead_number(text: str) -> int | None:
    """二、…… -> 2; None for text that is no numbered subhead (or past 十)."""
    m = _SUBHEAD.match(text)
    if not m:
        return None
    digits = [c for c in m.group(0) if c in _NUMERALS]
    return _NUMERALS.index(digits[0]) + 1 if len(digits) == 1 else None


def is_contact_line(text: str) -> bool:
    """A line that gives a notice's contact details: never a headline."""
    return bool(_CONTACT_LINE.match(text))


# What closes a body and no kicker or headline has: a telephone number, a label with its value
# (报名时间:3月11日, 地址:……), a (完).
_PHONE_NUMBER = re.compile(
    r"(?<![0-9])(?:0\d{2,3}[-－—]?\d{7,8}|1[3-9]\d{9}|400[-－]?\d{3}[-－]?\d{4}|\d{7,8})(?![0-9])"
)
_INFO_LABEL = re.compile(
    r"^[\u4e00-\u9fff]{0,4}(?:时间|日期|地点|地址|电话|热线|方式|对象|条件|网址|邮箱|费用|微信|邮编|联系人)[\s\u3000]*[:：]"
)


# A source or an ending in brackets on a line of its own: (完), (据新华社), (来源:市应急管理局).
_BRACKETED_LINE = re.compile(r"^[(（][^()（）]{1,30}[)）]$")


def body_tail(line: str) -> bool:
    """A short line that can only close a body: a hotline, an address, a time and place,
    a source in brackets."""
    return len(line) <= 40 and bool(
        _PHONE_NUMBER.search(line)
        or _INFO_LABEL.match(line)
        or line.endswith(("(完)", "（完）"))
        or _BRACKETED_LINE.match(line)
        or bool(_SIGN_DATE.match(line))
    )


def ends_with_contact(text: str) -> bool:
    """A paragraph that closes on a telephone number: an ad's item, complete."""
    return bool(_CONTACT_END.search(text.rstrip(" \u3000")))


def strip_symbol_bullet(text: str) -> str:
    """A notice's items lose their ● or ■, but keep numbers: 1. may be part of the text."""
    return _SYMBOL_BULLET.sub("", text, count=1)


def starts_with_bullet(text: str) -> bool:
    return bool(text) and text[0] in BULLETS


def strip_bullet(text: str) -> str:
    return _BULLET.sub("", text, count=1).strip(" \u3000")


def is_brief_title(title: str) -> bool:
    return bool(_BRIEF_TITLE.search(title))


def kind_of(title: str, paragraphs: list[str], credits: list[Credit], dateline: str | None, bulleted: int) -> str:
    if is_notice_title(title) or (paragraphs and all(_NOTICE_BODY.search(p) for p in paragraphs)):
        return "notice"
    if _NOTIFY_TITLE.search(title) and _reads_as_notice(paragraphs, dateline):
        return "notice"
    if is_brief_title(title) or (bulleted >= 2 and bulleted * 2 >= len(paragraphs)):
        return "brief"
    photo = bool(credits) and all(c.role == "摄影" for c in credits)
    # Captions that each close on their own 摄 are photos even without a credit line.
    photo = photo or (not credits and bool(paragraphs) and all(ends_with_photo_credit(p) for p in paragraphs))
    # A caption may open on a dateline like any report (本报讯 ……(记者 王磊 摄)): credited
    # to its photographers alone and a caption's length, it is a photo all the same.
    # So is text that says what the picture shows (图为……) and credits no reporter.
    photo = photo or (all(c.role == "摄影" for c in credits) and any(_CAPTION_SAYS.search(p[:300]) for p in paragraphs))
    if photo and len(paragraphs) <= 2 and sum(map(len, paragraphs)) <= 400:
        return "photo"
    return "news"


_SIGN_DATE = re.compile(r"^[\s\u3000]*(?:\d{4}|[〇零一二三四五六七八九]{4})\s*年.{1,3}月.{1,3}日[\s\u3000]*$")
_SIGN_ORG = re.compile(
    r"(?:公司|集团|局|委员会|委|办公室|中心|政府|医院|学校|银行|分行|支行|所|社|协会|商会|厂|店|站|"
    r"处|部|厅|院|队|管委会|街道|镇|乡|村)(?:[\s\u3000]*(?:\d{4}年.{1,3}月.{1,3}日))?[\s\u3000]*$"
)


# 停电通知 is a notice, but 县教育局发布秋季开学通知 is news about one: a title ending in 通知
# is a notice only when what follows reads as one (see _reads_as_notice).
_NOTIFY_TITLE = re.compile(r"通知[\s\u3000]*$")


def _reads_as_notice(paragraphs: list[str], dateline: str | None) -> bool:
    """Signed by its issuer (and dated) on lines of their own, or closing on 特此通知 or a
    contact line; never a report that opens on a dateline."""
    if dateline or not paragraphs:
        return False
    if len(paragraphs) >= 2 and is_signature(paragraphs[-1], None):
        return True
    return any(_NOTICE_BODY.search(p) or _CONTACT_LINE.match(p) or _CONTACT_END.search(p) for p in paragraphs)


def is_notice_title(title: str) -> bool:
    return bool(_NOTICE_TITLE.search(title) or _NOTICE_LABEL.match(title))


def is_signature(line: str, next_line: str | None) -> bool:
    """The issuer's name or date that closes a notice, printed on lines of their own.

    An issuer's name is only taken for one when the date follows it (or nothing does):
    a headline may end in 局 or 村 too.
    """
    if _SIGN_DATE.match(line):
        return True
    if len(line) > 30 or not _SIGN_ORG.search(line):
        return False
    return next_line is None or bool(_SIGN_DATE.match(next_line))
