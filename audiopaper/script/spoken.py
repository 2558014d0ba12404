"""Spoken forms: rewrite written Chinese news text the way a newsreader says it.

Both engines need this. espeak-ng reads ``2022年`` as 二千二十二年 and knows no
Chinese units; the online service's own normalizer guesses wrong on phone
numbers, codes and ranges. So every number is verbalized here, before any
engine sees the text, and the contract is simple: **no ASCII or full-width
digit survives** :func:`to_spoken` (a final fallback reads any leftover digit
run digit by digit).

Libraries evaluated on the golden cases in ``tests/golden/spoken/``
-------------------------------------------------------------------
* **wetext** (WeTextProcessing runtime, FSTs shipped inside the wheel, no
  pynini, no download at run time: the grammars are ``wetext/fsts/*.fst`` read
  by kaldifst from the package directory). Right on years, month/day, clock
  times, percentages, fractions, decimals and a large table of measure units
  and math symbols. Wrong where it matters for a newspaper:
  二/两 (``2日``->两日, ``第2名``->第两名, ``2项``->二项, ``200``->两百),
  dash ranges (``1-4月``->一到四月, ``5-6级``->五减六级, ``1998—2022`` as two
  cardinals, ``～`` ignored), ``12.02``->十二月二日, postcodes and landlines
  read as cardinals, ``6·18``->六·十八, ``-5℃``->负五摄氏度, ``1,234``,
  units kV / ㎡ / GB / MW unknown, ``km/h``->每小时…公里, and a quoted name
  ``“365”`` read as 三百六十五.
* **cn2an** ``transform(..., "an2cn")``: worse than wetext on every category
  above (``20:30``->二十:三十, ``13812345678``->一百三十八亿…, ``-5℃``->-五,
  no units at all, warns on ID numbers), so it is not used.

What is used for what
---------------------
Own rules (regexes, in the order of ``_RULES``) handle: ID/phone/mobile/
hotline/postcode codes (digit by digit, 1 read 幺), dates used as names
(6·18, 双11), numbers quoted as names (“365”), letter+digit codes (G60),
ISO dates, units from ``_UNITS``, temperatures below zero, ranges with any dash
or 至, years, clock times, percentages, fractions, ordinals, room numbers,
house/document numbers, decimals and cardinals with the 二/两 convention.
wetext is used only for the long tail the rules do not know: a number glued to
an ASCII unit or math symbol (``300 mm``, ``5ml``, ``30°``, ``3×4``, ``≥5``).
If wetext is not installed those fall through to the digit-by-digit fallback.

Speed (2-core dev machine): a 15,000-character page takes ~8 ms here, since
wetext only sees the few long-tail snippets. Running wetext over a whole page
instead costs ~0.45 s per 14,400 characters and grows faster than linearly with
the input length (0.58 s for one 3,000-character string), which is another
reason to keep it to snippets.

Conventions chosen
------------------
* 二/两: a bare 2 before a measure word is 两 (两个, 两人, 两年); a leading 2
  before 千/万/亿 is 两 (两千人次, 两万); 百 keeps 二 (二百); months, days,
  号, ordinals, decimals and digit strings keep 二.
* House numbers (``路88号``) up to 3 digits are read as a number (八十八号);
  4+ digits before 号 are read digit by digit, as document numbers are.
  Room numbers (``305室``) are read digit by digit (三零五室), as people say.
* Phone numbers, hotlines, IDs, postcodes and rooms read 1 as 幺; names
  (“365”, 6·18, G60) read 1 as 一.
* A dash between numbers is a range (至), and a colon a clock time, unless the
  sentence is about a match: 以69:50战胜, 比分3-1, 2:2战平 are read with 比. A
  colon that cannot be a time (1:500, 0.5:1) and ∶ always are ratios (比).
* A slash between units is 每 (元/斤, 微克/立方米); between other words it is a
  pause (通讯员/谷经华). + is 加 (“招聘会+西瓜展销会”, K7+326.4).
* 90后 is 九零后; PM10 is PM十 (a size); G60 stays a code, G六零.
* National service numbers (12306, 12123, 955xx) are names, read digit by digit
  wherever they stand; so is any five-digit number next to 热线, 网站 or 拨打.
* Web and e-mail addresses drop http(s)://; . is 点, @ 艾特, - 杠, _ 下划线,
  digits one by one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

_DIGIT = "零一二三四五六七八九"
_DIGIT_YAO = "零幺二三四五六七八九"

# Only digits, Latin letters and number punctuation are folded to ASCII; Chinese
# punctuation such as ，：（） must stay as the reader's pauses.
_FULLWIDTH = str.maketrans(
    {chr(0xFF10 + i): str(i) for i in range(10)}
    | {chr(0xFF21 + i): chr(0x41 + i) for i in range(26)}
    | {chr(0xFF41 + i): chr(0x61 + i) for i in range(26)}
    | {"％": "%", "／": "/", "－": "-", "＋": "+", "−": "-"}
)

# Words after which a bare 2 is said 两. Longest first so 个月 wins over 个.
_LIANG_WORDS = sorted(
    (
        "个 人 名 位 次 家 条 项 件 种 类 天 年 周 岁 小时 分钟 秒 倍 台 辆 艘 架 座 栋 幢 所"
        " 户 只 头 张 本 份 批 场 轮 支 部 间 套 层 处 棵 株 块 元 角 斤 吨 公斤 千克 克 公里"
        " 千米 米 厘米 毫米 亩 公顷 期 趟 遍 点 时 分 刻 届 篇 首 幅 片 根 把 双 对 组 队 班"
        " 段 口 桌 笔 起 例 枚 颗 粒 瓶 箱 包 袋 盒 杯 碗 门 节 章 句 声 下 回 番 集 份 封"
        " 亿 万 千 百 升 毫升 个百分点 名次 方 辈 代 季 夜 晚 周年 星期 礼拜 圈 拳 脚 步"
    ).split(),
    key=len,
    reverse=True,
)
_LIANG_EXCLUDE = ("年级", "年代", "点五", "时期")

# Known short service numbers, read 幺 as on the phone.
_HOTLINES = frozenset(
    "110 119 120 122 12345 12315 12319 12320 12328 12333 12338 12348 12350 12355 12356"
    " 12358 12360 12365 12366 12369 12377 12380 12388 12390 12393 96345 96315 95598"
    " 95588 114 10086 10010 10000".split()
)
# National five-digit service numbers and apps named after them (铁路12306, 交管12123,
# banks' 955xx): a name, read digit by digit wherever they stand, not only after 拨打.
_SERVICE_NUMBERS = (_HOTLINES - {"10000"}) | frozenset(
    "12306 12123 12309 12310 12313 12314 12316 12317 12318 12321 12322 12323 12325 12326"
    " 12327 12329 12330 12331 12336 12337 12339 12340 12351 12352 12359 12361 12363 12367"
    " 12368 12378 12379 12381 12385 12386 12389 12395 12396 12398 11185 10099"
    " 95500 95505 95508 95510 95511 95512 95516 95518 95519 95522 95526 95528 95530 95533"
    " 95537 95538 95539 95546 95555 95556 95558 95559 95561 95563 95565 95566 95567 95568"
    " 95569 95573 95577 95578 95579 95580 95585 95589 95590 95594 95595 95596 95599"
    " 96110 96119 96120 96123 96166 96180 96198 96310 96345 96365 96369 96596".split()
)

# Units the engines mispronounce or spell letter by letter; longest first.
_UNITS: dict[str, str] = {
    "km/h": "公里每小时",
    "m³/s": "立方米每秒",
    "m3/s": "立方米每秒",
    "m/s": "米每秒",
    "μg/m³": "微克每立方米",
    "μg/m3": "微克每立方米",
    "ug/m3": "微克每立方米",
    "mg/m³": "毫克每立方米",
    "mg/m3": "毫克每立方米",
    "mg/L": "毫克每升",
    "mg/l": "毫克每升",
    "kg/m³": "千克每立方米",
    "t/h": "吨每小时",
    "L": "升",
    "ml": "毫升",
    "mL": "毫升",
    "kW·h": "千瓦时",
    "kWh": "千瓦时",
    "MWh": "兆瓦时",
    "GWh": "吉瓦时",
    "km²": "平方公里",
    "km2": "平方公里",
    "m²": "平方米",
    "m2": "平方米",
    "㎡": "平方米",
    "m³": "立方米",
    "m3": "立方米",
    "㎥": "立方米",
    "kV": "千伏",
    "kW": "千瓦",
    "MW": "兆瓦",
    "GW": "吉瓦",
    "TB": "TB",
    "GB": "GB",
    "MB": "MB",
    "km": "公里",
    "cm": "厘米",
    "mm": "毫米",
    "kg": "千克",
    "mg": "毫克",
    "ha": "公顷",
    "℃": "摄氏度",
    "°C": "摄氏度",
    "m": "米",
    "g": "克",
}
_UNIT_RE = "|".join(re.escape(u) for u in sorted(_UNITS, key=len, reverse=True))

_NUM = r"\d+(?:\.\d+)?"
_DASH = "-–—~～〜"


def _digits(s: str, yao: bool = False) -> str:
    """Read a digit string one digit at a time (codes, years, names)."""
    table = _DIGIT_YAO if yao else _DIGIT
    return "".join(table[int(c)] if c.isdigit() else c for c in s)


def _group(g: str, leading: bool) -> str:
    """Read one 4-digit group (value > 0) with 千百十 and inner zeros."""
    g = g.lstrip("0")
    out: list[str] = []
    zero = False
    for i, c in enumerate(g):
        place = len(g) - 1 - i
        if c == "0":
            zero = True
            continue
        if zero:
            out.append("零")
            zero = False
        if not (leading and i == 0 and c == "1" and place == 1):  # 十二, not 一十二
            out.append(_DIGIT[int(c)])
        out.append(("", "十", "百", "千")[place])
    return "".join(out)


def read_int(s: str) -> str:
    """Read an integer string as a Chinese cardinal, always with 二 (see :func:`_liang`)."""
    if len(s) > 1 and s.startswith("0"):
        return _digits(s)  # 007, 02: a code, not a quantity
    if len(s) > 16:
        return _digits(s)
    if int(s) == 0:
        return "零"
    groups: list[str] = []
    while s:
        groups.insert(0, s[-4:])
        s = s[:-4]
    out = ""
    zero = False
    for i, g in enumerate(groups):
        unit = ("", "万", "亿", "万亿")[len(groups) - 1 - i]
        if int(g) == 0:
            zero = bool(out)
            continue
        if out and (zero or int(g) < 1000):
            out += "零"
        out += _group(g, leading=not out) + unit
        zero = False
    return out


def _leading_liang(spoken: str) -> str:
    """两千/两万/两亿: a leading 2 before those units is said 两 in any context."""
    if len(spoken) > 1 and spoken[0] == "二" and spoken[1] in "千万亿":
        return "两" + spoken[1:]
    return spoken


def read_number(s: str) -> str:
    """Read an integer or decimal; the fraction part is read digit by digit."""
    if "." in s:
        whole, frac = s.split(".", 1)
        return read_int(whole) + "点" + _digits(frac)
    return _leading_liang(read_int(s))


def _clock(h: str, m: str, s: str | None = None) -> str:
    out = ("两" if int(h) == 2 else read_int(str(int(h)))) + "点"
    if int(m) or (s and int(s)):
        out += ("零" if m.startswith("0") and int(m) else "") + read_int(str(int(m))) + "分"
    if s and int(s):
        out += ("零" if s.startswith("0") else "") + read_int(str(int(s))) + "秒"
    return out


# --- rules -------------------------------------------------------------------
# Each rule turns a match into final Chinese; later rules never see digits that
# an earlier rule consumed, so specific patterns (codes, dates) come first.


def _phone(s: str) -> str:
    """Digit by digit with 幺; a dash or bracket becomes a space, the reader's pause."""
    return " ".join(_digits(p, yao=True) for p in re.split(r"[\s\-－—()（）]+", s) if p)


def _sub_iso_date(m: re.Match[str]) -> str:
    y, mo, d = m.groups()
    if not (1 <= int(mo) <= 12 and 1 <= int(d) <= 31):
        return m.group(0)
    return f"{_digits(y)}年{read_int(str(int(mo)))}月{read_int(str(int(d)))}日"


def _sub_range(m: re.Match[str]) -> str:
    return m.group(1) + "至"


def _sub_percent_range(m: re.Match[str]) -> str:
    return f"百分之{read_number(m.group(1))}至百分之{read_number(m.group(2))}"


def _sub_cardinal(m: re.Match[str]) -> str:
    s = m.group(0)
    spoken = read_number(s)
    if s == "2":
        after = m.string[m.end() : m.end() + 4]
        if not after.startswith(_LIANG_EXCLUDE) and after.startswith(tuple(_LIANG_WORDS)):
            return "两"
    return spoken


def _sub_wetext(m: re.Match[str]) -> str:
    normalizer = _wetext()
    if normalizer is None:
        return m.group(0)
    try:
        return str(normalizer.normalize(m.group(0)))
    except Exception:  # an FST without a path must not stop a whole edition
        return m.group(0)


@lru_cache(maxsize=1)
def _wetext() -> Any:
    try:
        import wetext
    except ImportError:
        return None
    return wetext.Normalizer(lang="zh", operator="tn")


# Scores: a colon or dash between two numbers is 比 where the sentence is about a match.
# A word right before (以69:50, 比分3:1) or right after (3:1战胜, 2-2战平) decides; else a
# match word in the same clause decides, unless the number is plainly a time (于19:30开赛).
_SCORE_BEFORE = r"(?:以|比分|比分为|比分是|打出|最终|终场|全场|半场|总比分|大比分|小比分)"
_SCORE_AFTER = (
    r"(?:战胜|击败|获胜|取胜|战平|逆转|险胜|力克|大胜|完胜|惨败|负于|告负|落败|不敌|输给|"
    r"胜出|拿下|横扫|赢下|赢得|的比分|的总比分|的大比分|的成绩|胜|负|赢|输|晋级|夺冠|收官)"
)
_MATCH_WORDS = re.compile(r"比分|比赛|赛|队|球|局|对阵|联赛|决赛|半决赛|夺冠|冠军|亚军")
_TIME_CUES_BEFORE = ("于", "在", "从", "自", "至", "到", "晨", "午", "晚", "上", "时间", "截至", "凌晨")
_TIME_CUES_AFTER = ("开始", "开赛", "举行", "进行", "起", "前", "后", "左右", "至", "到", "许", "开球", "结束")
_CLAUSE = re.compile(r"[。！？；;，,\n]")


def _is_score(m: re.Match[str]) -> bool:
    text, start, end = m.string, m.start(), m.end()
    before, after = text[max(0, start - 4) : start].rstrip(), text[end : end + 5].lstrip()
    if re.search(_SCORE_BEFORE + r"$", before) or re.match(_SCORE_AFTER, after):
        return True
    if before.endswith(_TIME_CUES_BEFORE) or after.startswith(_TIME_CUES_AFTER):
        return False
    # a match word nearby, and the numbers are no round clock time (足球队19:30集合); a
    # dash needs a score word next to it, since 联赛1-4月 is a range
    h, mi = int(m.group(1)), int(m.group(2))
    if ":" not in text[start:end] or (h <= 24 and mi < 60 and mi % 5 == 0 and len(m.group(2)) == 2):
        return False
    left = _CLAUSE.split(text[max(0, start - 30) : start])[-1]
    right = _CLAUSE.split(text[end : end + 30])[0]
    return bool(_MATCH_WORDS.search(left + right))


def _sub_score(m: re.Match[str]) -> str:
    if not _is_score(m):
        return m.group(0)
    return read_number(m.group(1)) + "比" + read_number(m.group(2))


def _sub_ratio(m: re.Match[str]) -> str:
    return "比".join(read_number(n) for n in re.split(r"\s*[∶:：]\s*", m.group(0)))


def _sub_colon(m: re.Match[str]) -> str:
    """A colon between numbers that is no clock time (1:500, 0.5:1, 69:50) is a ratio."""
    time = re.fullmatch(r"(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?", m.group(0))
    if time and int(time.group(1)) <= 24 and int(time.group(2)) < 60 and int(time.group(3) or 0) < 60:
        return m.group(0)
    return _sub_ratio(m)


# Units that may stand on either side of a slash meaning "per": 元/斤, 微克/立方米, 次/分钟.
_HAN_UNITS = (
    "元 角 分 万元 亿元 美元 斤 公斤 千克 克 毫克 微克 吨 万吨 米 公里 千米 厘米 毫米 平方米 立方米"
    " 平方公里 平方千米 亩 公顷 升 毫升 小时 分钟 秒 天 日 月 年 周 季度 人 人次 次 户 件 个 台 辆"
    " 度 千瓦时 瓦 千瓦 份 张 瓶 盒 箱 袋 包 只 头 株 棵 架次 班 车次 床 间 套 股 位 公斤"
).split()
_HAN_UNIT_RE = "|".join(sorted(set(_HAN_UNITS), key=len, reverse=True))

# Web and e-mail addresses as radio reads them: 点, 艾特, 杠, digits one by one.
_TLD = r"(?:com|cn|net|org|gov|edu|info|top|xyz|io|tv|cc|me|biz|mobi|hk|tw|mo|site|online|shop|vip)"
_ADDRESS = re.compile(
    r"(?:https?://)?(?:[A-Za-z0-9_%+\-]+(?:\.[A-Za-z0-9_%+\-]+)*@)?"
    r"(?:[A-Za-z0-9\-]+\.)+" + _TLD + r"(?![A-Za-z0-9\-])(?:/[A-Za-z0-9_\-./?=&%#~]*[A-Za-z0-9_\-/=&%#~])?"
)
_ADDRESS_WORDS = {".": "点", "@": "艾特", "-": "杠", "_": "下划线", "/": "斜杠", "?": "问号", "=": "等于", "&": "和"}


def _sub_address(m: re.Match[str]) -> str:
    text = re.sub(r"^https?://", "", m.group(0)).rstrip("/")
    if "@" not in text and not re.search(r"[A-Za-z]", text.rsplit(".", 1)[0]):
        return m.group(0)  # 3.5.cn is no address
    out = "".join(_ADDRESS_WORDS.get(c, _DIGIT[int(c)] if c.isdigit() else c) for c in text)
    return out


def _sub_service(m: re.Match[str]) -> str:
    number = m.group(1)
    after = m.string[m.end() : m.end() + 3]
    if number not in _SERVICE_NUMBERS or after.startswith(tuple(_LIANG_WORDS)):
        return m.group(0)
    return _digits(number, yao=True)


_Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str] | str]


def _r(pattern: str, repl: Callable[[re.Match[str]], str] | str) -> _Rule:
    return re.compile(pattern), repl


_CODE_CONTEXT = r"(?:电话|热线|专线|手机|传真|拨打|致电|联系方式|号码)"
_HOTLINE_CONTEXT = r"(?:热线|平台|专线|服务|电话|报警|急救|求助|指挥|便民|政务)"

_RULES: list[_Rule] = [
    # thousands separators: 1,234 -> 1234 (Chinese lists use ， so this is safe)
    _r(r"(?<![\d.])\d{1,3}(?:,\d{3})+(?![\d,])", lambda m: m.group(0).replace(",", "")),
    # web and e-mail addresses, before any rule reads their digits as numbers
    (_ADDRESS, _sub_address),
    # + between numbers is 加 (K7+326.4, 5+2), between words too (“招聘会+西瓜展销会”, “互联网+”)
    _r(r"(?<=\d)\s?[+＋]\s?(?=\d)", "加"),
    _r(r"(?<=[\u4e00-\u9fffA-Za-z”\"』」])\s?[+＋]\s?(?=[\u4e00-\u9fffA-Za-z“\"「『”\"」』])", "加"),
    # ID card numbers
    _r(r"(?<!\d)(?:\d{17}[\dXx]|\d{15})(?!\d)", lambda m: _digits(m.group(0).upper(), yao=True)),
    # any number after 电话/热线/拨打…: a code, dashes are pauses
    _r(
        r"(" + _CODE_CONTEXT + r"[：:为是]?\s*[“\"]?)(\d(?:[\d\-－—]|\s(?=\d))*\d|\d)",
        lambda m: m.group(1) + _phone(m.group(2)),
    ),
    # landlines with area code, mobiles
    _r(r"(?<![\d.])[(（]?0\d{2,3}[)）]?[\-－—\s]?\d{7,8}(?!\d)", lambda m: _phone(m.group(0))),
    _r(r"(?<![\d.])1[3-9]\d{9}(?!\d)", lambda m: _digits(m.group(0), yao=True)),
    # known service numbers, named by context or quoted
    _r(
        r"(?<![\d.])(\d{3,5})(?=[”\"]?" + _HOTLINE_CONTEXT + r")",
        lambda m: _digits(m.group(1), yao=True) if m.group(1) in _HOTLINES else m.group(0),
    ),
    _r(
        r"(?<=[“\"「『])(\d{3,5})(?=[”\"」』])",
        lambda m: _digits(m.group(1), yao=True) if m.group(1) in _HOTLINES else m.group(0),
    ),
    # five-digit service numbers next to 热线/网站/拨打, and the well-known ones anywhere
    _r(
        r"(?<![\d.])(\d{5})(?![\d.])(?=[”\"]?(?:服务)?(?:热线|网站|官网|客服|App|APP|app|小程序))",
        lambda m: _digits(m.group(1), yao=True),
    ),
    _r(r"((?:网站|官网)[：:为是]?\s*[“\"]?)(\d{5})(?![\d.])", lambda m: m.group(1) + _digits(m.group(2), yao=True)),
    _r(r"(?<![\d.A-Za-z])(?<!\d[:：∶])(\d{5})(?![\d.%A-Za-z]|[:：∶]\d)", _sub_service),
    # postcodes
    _r(
        r"((?:邮编|邮政编码)[：:为是]?\s*)(\d{6})(?!\d)",
        lambda m: m.group(1) + _digits(m.group(2), yao=True),
    ),
    # dates used as names: 6·18, 9·11, 双11
    _r(r"(?<![\d.])(\d{1,2})[·・•](\d{1,2})(?![\d.])", lambda m: _digits(m.group(1) + m.group(2))),
    _r(r"(?<=双)(\d{1,2})(?!\d)", lambda m: read_int(m.group(1))),
    # a number quoted as a name: 网格“365”行动
    _r(r"(?<=[“\"「『])(\d+)(?=[”\"」』])", lambda m: _digits(m.group(1))),
    # ISO and slashed dates
    _r(r"(?<!\d)(\d{4})[\-/.](\d{1,2})[\-/.](\d{1,2})(?![\d.])", _sub_iso_date),
    # units to words, so the number before them becomes a plain cardinal
    _r(r"(?<=[\d万亿])\s?(" + _UNIT_RE + r")(?![A-Za-z²³])", lambda m: _UNITS[m.group(1)]),
    # below zero: -5℃ -> 零下五摄氏度
    _r(
        r"(?<![\dA-Za-z.])[\-–—](?=" + _NUM + r"(?:\s*[" + _DASH + r"至]\s*-?" + _NUM + r")?"
        r"\s*(?:摄氏度|度))",
        "零下",
    ),
    # per: 元/斤, 微克/立方米, 60公里/小时 (after a number, or standing as a unit)
    _r(
        r"(?:(?<=[\d万亿千百十])|(?<![\u4e00-\u9fff]))"
        r"(?P<num>" + _HAN_UNIT_RE + r")/(?P<den>" + _HAN_UNIT_RE + r")",
        lambda m: m.group("num") + "每" + m.group("den"),
    ),
    # the generation born in a decade: 90后, 00后, 95后
    _r(r"(?<![\d.])(\d[05])(?=后(?![\d年月日天]))", lambda m: _digits(m.group(1))),
    # particulate matter is a size, said as a number: PM10 -> PM十, PM2.5 -> PM二点五
    _r(r"(?<=PM)" + _NUM + r"(?![\d])", lambda m: read_number(m.group(0))),
    # letter+digit codes and names: G60 -> G六零 (PM2.5 is left to decimals)
    _r(r"(?<=[A-Za-z])\d+(?![\d]|\.\d)", lambda m: _digits(m.group(0))),
    # scores: 以69:50战胜, 比分3-1, 2:2战平
    _r(r"(?<!\d)(?<!\d[.:：])(\d{1,3})\s*[:：\-–—]\s*(\d{1,3})(?![\d%]|[.:：]\d)", _sub_score),
    # ranges with any dash, also 600元-1000元 and 60%-70%
    _r(r"(?<=\d)([\u4e00-\u9fff%]{0,3})\s*[" + _DASH + r"]\s*(?=\d|零下\d)", _sub_range),
    # ratios: 8.5∶57.1∶34.5, 1∶500, 1:1 (a colon that cannot be a clock time)
    _r(
        r"(?<!\d)(?<!\d[.:：])" + _NUM + r"(?:\s*[∶:：]\s*" + _NUM + r")+(?!\d|[.:：]\d)",
        lambda m: _sub_ratio(m) if "∶" in m.group(0) else m.group(0),
    ),
    _r(r"(?<!\d)(?<!\d[.:：])" + _NUM + r"(?:\s*[:：]\s*" + _NUM + r")+(?!\d|[.:：]\d)", _sub_colon),
    # years: 2022年, 2021至2022年, 1990年代
    _r(r"(?<![\d.])[12]\d{3}(?=年|至[12]\d{3}年|年?至[12]\d{3}年)", lambda m: _digits(m.group(0))),
    # clock times
    _r(
        r"(?<![\d.])(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?(?!\d)",
        lambda m: _clock(m.group(1), m.group(2), m.group(3)),
    ),
    # a colon still between numbers (malformed ones like 0:0.00.0) is still a ratio
    _r(r"(?<=\d)\s*[:：]\s*(?=\d)", "比"),
    # percentages, per mille
    _r(r"(" + _NUM + r")%?至(" + _NUM + r")%", _sub_percent_range),
    _r(r"(" + _NUM + r")%", lambda m: "百分之" + read_number(m.group(1))),
    _r(r"(" + _NUM + r")‰", lambda m: "千分之" + read_number(m.group(1))),
    # fractions
    _r(
        r"(?<![\d./])(\d+)/(\d+)(?![\d/])",
        lambda m: f"{read_int(m.group(2))}分之{read_int(m.group(1))}",
    ),
    # ordinals keep 二: 第2名 -> 第二名
    _r(r"(?<=第)\d+(?!\.\d)", lambda m: read_int(m.group(0))),
    # rooms digit by digit, document/house numbers of 4+ digits too
    _r(r"(?<![\d.])\d{3,5}(?=室|房间)", lambda m: _digits(m.group(0), yao=True)),
    _r(r"(?<![\d.])\d{4,}(?=号)", lambda m: _digits(m.group(0))),
    # the long tail: a number glued to an ASCII unit or a math symbol -> wetext
    _r(
        r"[<>≤≥±+×÷=]\s?\d+(?:\.\d+)?|\d+(?:\.\d+)?\s?(?:[A-Za-zμΩ°‰×÷=+][A-Za-z0-9·/²³]*)",
        _sub_wetext,
    ),
    # plain decimals and cardinals
    _r(r"\d+(?:\.\d+)?", _sub_cardinal),
    # fallback guarantee: nothing the rules or wetext left behind reaches an engine
    _r(r"\d+", lambda m: _digits(m.group(0))),
    # symbols no rule took: ∶ only ever means 比; + is 加; a slash between words is a
    # pause (通讯员/谷经华), never a spoken 斜杠
    _r(r"\s*∶\s*", "比"),
    _r(r"\s*[+]\s*", "加"),
    _r(r"\s*@\s*", "艾特"),
    _r(r"\s*/\s*", " "),
]


def to_spoken(text: str) -> str:
    """Return ``text`` as a newsreader would say it, with no digit left."""
    text = text.translate(_FULLWIDTH)
    # ：． between digits are number punctuation, elsewhere Chinese punctuation
    text = re.sub(r"(?<=\d)[：．](?=\d)", lambda m: ":" if m.group(0) == "：" else ".", text)
    if not re.search(r"[\d+∶/@]|[A-Za-z]\.[A-Za-z]", text):
        return text
    for pattern, repl in _RULES:
        text = pattern.sub(repl, text)
    return text
