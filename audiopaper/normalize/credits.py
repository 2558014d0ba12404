"""Bylines and datelines: ■记者 A 通讯员 B C, 本报讯(记者 A), 新华社北京5月17日电(记者 A).

Every name becomes its own Credit; a photo credit (记者 王磊 摄, ■摄影 A B) has role 摄影.
"""

from __future__ import annotations

import re

from audiopaper.edition import Credit
from audiopaper.normalize import words

BULLETS = "■□●○◆◇▲△▼★☆▶►•·※◎◉"
_ROLES = (
    "本报特约记者|本报见习记者|本报实习记者|本报记者|本报通讯员|特约记者|见习记者|实习记者|摄影记者|"
    "首席记者|融媒体记者|融媒记者|全媒体记者|记者|特约通讯员|通讯员|实习生|摄影|摄像|撰稿|编辑|文/图|图/文|文图|图文|"
    "作者|文|图|摄"
)
# 株洲日报记者, 新华社记者: a staff role prefixed with the outlet's name.
_OUTLET_ROLE = re.compile(
    r"^[\u4e00-\u9fff]{2,6}(?:日报|晚报|报社|报|网|社|电视台|台|融媒体中心|(?=融媒))"
    r"(?=(?:特约|见习|实习|首席|全媒体|融媒体|融媒)?记者|通讯员)"
)
_ROLE_RE = re.compile(rf"(?:{_ROLES})")
# How roles print versus how the edition names them.
_ROLE_NAME = {
    "本报记者": "记者",
    "本报特约记者": "特约记者",
    "本报见习记者": "见习记者",
    "本报实习记者": "实习记者",
    "本报通讯员": "通讯员",
    "摄影记者": "摄影",
    "首席记者": "记者",
    "融媒记者": "记者",
    "融媒体记者": "记者",
    "全媒体记者": "记者",
    "文/图": "记者",
    "图/文": "记者",
    "文图": "记者",
    "图文": "记者",
    "作者": "作者",
    "文": "记者",
    "图": "摄影",
    "摄": "摄影",
}
_NAME_RE = re.compile(r"^[\u4e00-\u9fff]{2,4}$|^[\u4e00-\u9fff]{1,6}[·・][\u4e00-\u9fff·・]{1,12}$")
# Characters a Chinese personal name practically never holds but a sentence does.
_NOT_NAME = re.compile(r"[获悉从在了的是对于将表示说据称近昨今日前后月年]")


class _Name:
    @staticmethod
    def match(token: str) -> bool:
        if not _NAME_RE.match(token):
            return False
        if not _NOT_NAME.search(token):
            return True
        return _month_or_year_name(token)


def _month_or_year_name(token: str) -> bool:
    """蓝月, 陈松年: a given name may end in 月 or 年; 今年, 上月, 岁月 are time words.

    Asked only of the rare token that _NOT_NAME refused for its last character, so the
    dictionary look-up costs nothing on ordinary text.
    """
    if token[-1] not in "月年" or len(token) > 4 or _NOT_NAME.search(token[:-1]):
        return False
    tags = words.pos(token)
    # A time word of the dictionary is one segment (今年, 岁月); 上月 splits as 上/f + 月.
    if len(tags) < 2 or tags[-1][0] != token[-1]:
        return False
    return tags[-2][1] not in ("f", "r", "m", "t", "d", "q", "p", "c")


_NAME = _Name

# The most common surnames: a name that is also a word of the dictionary (高峰, 海燕) is
# still taken for a name when it starts with one.
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
    "郝龚邵万钱严覃武戴莫孔向汤欧阳司马上官诸葛"
)


def photographer(name: str) -> bool:
    """Can this be the name before a bare 摄 (王磊 摄), with no role to vouch for it?

    Not the end of 拍摄 (游人拍摄, 争相拍摄), and not a word of the dictionary that names
    something else: a place (黄山 摄 is where, not who), people (市民), a scene (现场).
    """
    if not _NAME.match(name) or name.endswith(("拍", "摄")):
        return False
    tags = words.pos(name)
    if len(tags) != 1 or tags[0][1].startswith("nr"):
        return True
    return tags[0][1] not in ("ns", "nt", "s", "v", "vn", "vd", "t", "r", "d", "m", "f") and name[0] in _SURNAMES


_SEP = re.compile(r"[\s\u3000、,，]+")
_PHOTO_TAIL = re.compile(r"(摄影?|图)$")
_LEAD = re.compile(rf"^[{BULLETS}\s\u3000]*")


def _role(printed: str) -> str:
    return _ROLE_NAME.get(printed, printed)


# 张鸿雁/文 杨涛/摄: the name first, then what they did.
_NAME_DID = re.compile(r"([\u4e00-\u9fff·・]{2,8})[/／](文|图|摄影|摄)(?=$|[\s\u3000、,，])")
# Two-character names padded to the width of three: 王 玮.
_PADDED = re.compile(r"(?<![\u4e00-\u9fff])([\u4e00-\u9fff])[ \u3000]([\u4e00-\u9fff])(?![\u4e00-\u9fff])")
_ROLE_THEN_SOLO = re.compile(rf"({_ROLES})([\u4e00-\u9fff])[ \u3000]([\u4e00-\u9fff])(?![\u4e00-\u9fff])")


def _did(m: re.Match[str]) -> str:
    return m.group(1) if m.group(2) == "文" else f"摄影 {m.group(1)}"


# Compiled once: bylines are asked about on every line of every page.
_OUTLET_BEFORE_ROLE = re.compile(
    r"[\s\u3000]+(?:[\u4e00-\u9fff]{2,6}(?:日报|晚报|报|网|社|台|融媒体中心|(?=融媒体?记者)))(?=(?:融媒体|融媒|全媒体)?记者|通讯员)"
)
_ROLE_SLASH = re.compile(rf"({_ROLES})[/／](?=[\u4e00-\u9fff])")
_REPORTED = re.compile(r"\s*(?:报道|供稿|整理)[:：]?$")
_SENTENCE_END = re.compile(r"[。!！?？]")


def _tidy_byline(body: str) -> str:
    """Spell a byline the one way the parser reads: roles before names, names whole."""
    body = _OUTLET_ROLE.sub("", body)
    body = _OUTLET_BEFORE_ROLE.sub(" ", body)
    if "/" in body or "／" in body:  # most bylines have none: skip the two slash patterns
        body = _ROLE_SLASH.sub(r"\1 ", body)
        body = _NAME_DID.sub(_did, body)
    body = _ROLE_THEN_SOLO.sub(r"\1\2\3", body)
    return _PADDED.sub(r"\1\2", body)


def parse_credits(text: str, bare_names: bool = False) -> list[Credit] | None:
    """The credits a line (or a bracket) holds, or None when it holds anything else.

    bare_names: names without a role (a dateline's bracket: 本报讯(张芳)) are the authors'.
    """
    body = _LEAD.sub("", text).strip(" \u3000()（）[]【】")
    body = _REPORTED.sub("", body)
    if not body or len(body) > 60:
        return None
    if not (_ROLE_RE.match(body) or _NAMES_THEN_PHOTO.match(body) or bare_names or _OUTLET_ROLE.match(body)):
        if not _NAME_DID.search(body):
            return None  # the common case, a line of text: no byline starts like this
    if "/" in body or "／" in body or " " in body or "\u3000" in body or _OUTLET_ROLE.match(body):
        body = _tidy_byline(body)
    if bare_names and not _ROLE_RE.match(body) and not _NAMES_THEN_PHOTO.match(body):
        names = [t for t in _SEP.split(body) if t]
        if names and len(names) <= 4 and all(_NAME.match(t) for t in names):
            return [Credit(role="作者", name=n) for n in names]
        return None
    if not _ROLE_RE.match(body) and not _NAMES_THEN_PHOTO.match(body):
        return None
    credits: list[Credit] = []
    segments = _segments(body)
    if segments is None:
        return None
    for role, names in segments:
        for name in names:
            credits.append(Credit(role=role, name=name))
    return credits or None


_ROLE_TAIL = re.compile(rf"(?:{_ROLES})$")
# Names alone, then 摄: 王磊 摄, 王磊、李明 摄.
_NAME_RUN = r"[\u4e00-\u9fff·・]{2,12}"
_NAMES_THEN_PHOTO_RE = re.compile(rf"^{_NAME_RUN}(?:[\s\u3000、,，]+{_NAME_RUN}){{0,3}}[\s\u3000]*摄影?$")


class _NamesThenPhoto:
    """The pattern above, asked only of text that ends in 摄 or 摄影: on any other line it
    backtracks through every split of the line into names before it fails."""

    @staticmethod
    def match(text: str) -> re.Match[str] | None:
        return _NAMES_THEN_PHOTO_RE.match(text) if "摄" in text[-3:] else None


_NAMES_THEN_PHOTO = _NamesThenPhoto
# 文/本报记者 王磊 图/通讯员 李四: what each did, then who they are.
_DID_AS = re.compile(r"^(文|图|摄影|摄)[/／](.+)$")
# Roles that say who a person is, not what they did: a 摄 closing the line covers them all.
_STAFF = frozenset(
    "本报特约记者 本报见习记者 本报实习记者 本报记者 本报通讯员 特约记者 见习记者 实习记者 摄影记者 "
    "首席记者 融媒记者 全媒体记者 记者 特约通讯员 通讯员 实习生".split()
)


def _unglue(tok: str) -> list[str]:
    """A name glued to the role after it, where a line wrap ate the space: 赵立军实习生."""
    did = _DID_AS.match(tok)
    if did and tok not in ("文/图", "图/文"):
        return [did.group(1), *_unglue(did.group(2))]
    if _NAME.match(tok) or _ROLE_RE.match(tok):
        return [tok]
    m = _ROLE_TAIL.search(tok)
    if m and len(m.group(0)) > 1 and _NAME.match(tok[: m.start()]):
        return [tok[: m.start()], m.group(0)]
    return [tok]


def _segments(body: str) -> list[tuple[str, list[str]]] | None:
    tokens = [u for t in _SEP.split(body.replace(":", " ").replace("：", " ")) if t for u in _unglue(t)]
    groups: list[tuple[str, list[str]]] = []
    role: str | None = None
    names: list[str] = []
    printed_roles: list[str] = []
    photo_only = bool(_NAMES_THEN_PHOTO.match(body))
    if photo_only and not _ROLE_RE.match(body):
        # Names alone before 摄: only names that can be a photographer's.
        bare = [t for t in tokens if t not in ("摄", "摄影")]
        bare = [t[:-2] if t.endswith("摄影") else t[:-1] if t.endswith("摄") else t for t in bare]
        if not all(photographer(t) for t in bare):
            return None
    for k, tok in enumerate(tokens):
        # A token may glue role and name together: 记者王磊.
        m = _ROLE_RE.match(tok)
        # One-character roles (文, 图, 摄) glued to what follows are words, not bylines: 图书馆.
        glued_ok = len(m.group(0)) > 1 if m else False
        if m and (m.end() == len(tok) or (glued_ok and _NAME.match(tok[m.end() :]))):
            rest = tok[m.end() :]
            printed = m.group(0)
            if printed in ("摄", "摄影") and not rest and names and (printed == "摄" or k == len(tokens) - 1):
                # 记者 王磊 摄: the names before were the photographers; 本报记者 王强
                # 通讯员 李明 摄: all of them were, when the roles only say who they are.
                if printed_roles and all(r in _STAFF for r in printed_roles):
                    groups = [("摄影", ns) for _, ns in groups]
                groups.append(("摄影", names))
                role, names = None, []
                continue
            printed_roles.append(printed)
            if role is not None and not names:
                # 文/图 记者 王磊: a role naming another role; the later one is the byline,
                # unless the first said they took the picture: 图/通讯员 李四.
                if role == "摄影":
                    if rest:
                        names.append(rest)
                    continue
            elif role is not None or names:
                if role is None:
                    return None
                groups.append((role, names))
            role, names = _role(printed), []
            if rest:
                names.append(rest)
            continue
        if _PHOTO_TAIL.search(tok) and _NAME.match(tok[:-1] if tok.endswith(("摄", "图")) else tok[:-2]):
            base = tok[:-1] if tok.endswith(("摄", "图")) else tok[:-2]
            names.append(base)
            groups.append(("摄影", names))
            role, names = None, []
            continue
        if not _NAME.match(tok):
            return None
        if role is None and not groups and not photo_only:
            return None
        names.append(tok)
    if role is not None:
        if not names:
            return None
        groups.append((role, names))
    elif names:
        return None
    if any(not ns for _, ns in groups):
        return None
    return groups


def is_staff_role(token: str) -> bool:
    """记者, 本报记者, 通讯员, …: a role that says who a person is."""
    return token in _STAFF


def plausible_name(token: str) -> bool:
    return _NAME.match(token)


def is_photo_credits(credits: list[Credit]) -> bool:
    return bool(credits) and all(c.role == "摄影" for c in credits)


def credit_line(text: str) -> list[Credit] | None:
    """A line that is only a byline: ■记者 A 通讯员 B, 本报记者 A, ■摄影 A B."""
    if len(text) > 60 or _SENTENCE_END.search(text):
        return None
    return parse_credits(text)


_AGENCY = (
    "本报|新华社|中新社|中新网|人民网|新华网|央视网|央广网|人民日报|光明日报|经济日报|工人日报|"
    "中国日报|法制日报|科技日报|浙江日报|大众日报|南方日报|新京报|央视新闻|潮新闻|中国新闻社|"
    "[\u4e00-\u9fff]{2,6}(?:日报|晚报|电视台|广播电视台|融媒体中心)"
)
# Outlets of every kind name themselves before 讯: 永州网讯, 湖南民生在线讯, 中经联播讯,
# 安徽网 大皖新闻讯; 央视网消息.
_OUTLET = r"(?:[\u4e00-\u9fff]{2,6}网[ \u3000])?[\u4e00-\u9fff]{1,8}?(?:网|在线|新闻|联播|客户端|报|台|融媒)"
_DATELINE = re.compile(
    rf"^(?P<dl>(?:据)?(?:{_AGENCY})(?:[\u4e00-\u9fff]{{0,10}}?)?(?:\d{{1,2}}月\d{{1,2}}日)?(?:电|讯)"
    rf"|{_OUTLET}(?:讯|消息)(?=[\s\u3000(（:：0-9“]))"
    r"(?P<br>\s*[(（](?P<inner>[^()（）]{1,60})[)）])?"
    r"[\s\u3000:：]*"
)
# A byline printed after the dateline without brackets: 咸宁网讯 特约记者徐大伟、通讯员柯国华报道:
_OPEN_BYLINE = re.compile(r"^(?P<by>[^,，。:：“”\"]{2,40}?报道)[:：]")
_TRAILING = re.compile(r"[(（](?P<inner>[^()（）]{2,60})[)）]\s*$")


def split_dateline(text: str) -> tuple[str | None, list[Credit], str]:
    """(dateline, credits in its bracket, the rest of the paragraph)."""
    m = _DATELINE.match(text)
    if not m:
        return None, [], text
    rest = text[m.end() :]
    credits: list[Credit] = []
    if m.group("inner"):
        parsed = parse_credits(m.group("inner"), bare_names=True)
        if parsed is None:
            # The bracket is not a byline; it is part of the text after the dateline.
            rest = text[m.end("dl") :].lstrip(" \u3000:：")
        else:
            credits = parsed
    else:
        by = _OPEN_BYLINE.match(rest)
        parsed = parse_credits(by.group("by")) if by else None
        if by and parsed:
            credits, rest = parsed, rest[by.end() :].lstrip(" \u3000")
        else:
            opened = _open_credits(rest)
            if opened:
                credits, rest = opened
    if not rest.strip():
        return None, [], text
    return m.group("dl"), credits, rest


# A byline printed after the dateline without brackets or 报道: 麦城报讯 麦城报记者 A 通讯员/B
# 5月20日,……. It opens on a staff role (the outlet's name before it allowed), and runs over
# roles and names apart by spaces to the first word that is neither: there the text starts.
_OPEN_ROLE = re.compile(
    r"^(?:[\u4e00-\u9fff]{2,6}(?:日报|晚报|报社|报|网|社|电视台|台|融媒体中心|(?=融媒)))?"
    r"(?:本报)?(?:特约|见习|实习|首席|融媒体|融媒|全媒体|摄影)?(?:记者|通讯员)[\s\u3000/／:：]"
)
_OPEN_TOKEN = re.compile(r"[^\s\u3000、]+")


def _open_token(tok: str) -> bool:
    """A role (outlet first or not, a name after a slash or glued on) or a name."""
    if _NAME.match(tok):
        return True
    t = _OUTLET_ROLE.sub("", tok)
    m = _ROLE_RE.match(t)
    if not m:
        return False
    rest = t[m.end() :].lstrip("/／:：")
    return not rest or (len(m.group(0)) > 1 and bool(_NAME.match(rest)))


def _open_credits(rest: str) -> tuple[list[Credit], str] | None:
    if not _OPEN_ROLE.match(rest):
        return None  # the common case: the text starts right after the dateline
    end = 0
    for m in _OPEN_TOKEN.finditer(rest):
        if not _open_token(m.group(0)):
            break
        end = m.end()
    else:
        return None  # nothing but names: no text follows, so this is no opening byline
    # The byline must end where a space does: a name run into the text is not cut out of it.
    if end == 0 or rest[end : end + 1] not in (" ", "\u3000"):
        return None
    parsed = parse_credits(rest[:end])
    if not parsed or any(c.role not in _OPEN_ROLES for c in parsed):
        return None
    return parsed, rest[end:].lstrip(" \u3000")


_OPEN_ROLES = frozenset(("记者", "通讯员", "特约记者", "见习记者", "实习记者", "实习生", "摄影", "特约通讯员"))


def bracketed(text: str) -> bool:
    """Is a line wholly in brackets: (记者 王磊)?"""
    t = text.strip(" \u3000")
    return t[:1] in "(（" and t[-1:] in ")）"


def ends_with_credits(text: str) -> bool:
    """Does a paragraph close on a byline in brackets: ……。(记者 王磊)?"""
    return bool(split_trailing_credits(text.rstrip(" \u3000"))[1])


def split_trailing_credits(text: str) -> tuple[str, list[Credit]]:
    """A paragraph ending in (记者 A 通讯员 B), or in 记者 A run on after its last sentence:
    the text, and the credits."""
    last = text.rstrip(" \u3000")[-1:]
    if last in ")）":
        m = _TRAILING.search(text)
        if not m:
            return text, []
        parsed = parse_credits(m.group("inner"))
        if parsed is None:
            return text, []
        return text[: m.start()].rstrip(), parsed
    return _split_bare_trailing(text)


# A byline printed after the last sentence without brackets: ……方便多了。记者 赵敏. Only a
# staff role opens one (记者, 通讯员, …): a bare name or 文/图 after a sentence may be text.
_BARE_ROLE = re.compile(r"(?:本报)?(?:特约|见习|实习|首席|融媒体|融媒|全媒体)?(?:记者|通讯员)|实习生|摄影记者|撰稿")
_BARE_TRAILING = re.compile(
    r"[。！？!?…”’」』][\s\u3000]*(?P<by>[^\s\u3000。！？!?…”’,，;；:：()（）“‘][^。！？!?…”’,，;；:：()（）“‘]{2,30})$"
)


def _split_bare_trailing(text: str) -> tuple[str, list[Credit]]:
    tail = text.rstrip(" \u3000")[-34:]
    # Most paragraphs end in a sentence's punctuation, and those that do not name no role.
    if not tail or not ("\u4e00" <= tail[-1] <= "\u9fff") or not _BARE_ROLE.search(tail):
        return text, []
    m = _BARE_TRAILING.search(tail)
    if not m or not _BARE_ROLE.match(m.group("by")) or tail.endswith(("摄", "摄影")):
        # A caption's 记者 王磊 摄 stays in its text, as captions print it (see kinds).
        return text, []
    parsed = parse_credits(m.group("by"))
    if parsed is None:
        return text, []
    cut = len(text.rstrip(" \u3000")) - len(tail) + m.start("by")
    return text[:cut].rstrip(" \u3000"), parsed
