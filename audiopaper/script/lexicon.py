"""Pronunciation lexicon: same-sounding substitutes the TTS voices cannot misread.

edge-tts accepts no phoneme markup, so a word the voices misread (a rare place
character such as 埭 dài, a surname with its own reading such as 查 zhā) is
replaced by characters that are always read that way. The entries live in
``voices/lexicon.tsv`` so an editor can fix a reading without touching code.

Replacements happen only at jieba word boundaries: 查 in 排查 or 单 in 单位 is
never touched. Each Lexicon owns a private ``jieba.Tokenizer`` with the
lexicon's words added, so the global jieba dictionary other code uses stays as
it was.

Surname readings apply to person names only: to bylines through
:meth:`Lexicon.speak_name`, and to body text through the names an edition is found to
hold (:meth:`Lexicon.known_names`: credits, names around titles and roles, jieba's
person-name tag where it is believable, see :meth:`Lexicon._is_person_name`; jieba tags
朴素 as a name, for one), read the same way wherever they appear via
``apply(text, known=...)``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from audiopaper.core.chinese import shared_tokenizer
from audiopaper.resources import voices_dir

DEFAULT_PATH = voices_dir() / "lexicon.tsv"

# jieba's dictionary carries famous names at low frequencies (曾庆红 50, 解振华 12)
# but also common words tagged nr at higher ones (朴素 445); above this it is a word.
_MAX_NAME_FREQ = 100
_NAME_TAGS = ("nr", "nrfg")
# jieba's nr tag also covers 公共安全 and 幸福感; a person name in a county paper
# starts with a common surname (these cover well over 90% of people) or one in
# the lexicon.
_COMMON_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
    "郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦"
    "俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房"
    "滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应"
    "臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁"
    "胥南班储原栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阎索屠朴盖"
)


# Titles and forms of address that follow a person's name or surname (单书记, 曾局长,
# 解先生) or stand before it (书记单雪). Kinship words (阿姨, 大爷) are forms of address too:
# 单阿姨 is Mrs Shan.
TITLES = tuple(
    sorted(
        (
            "书记 副书记 市长 副市长 县长 副县长 区长 副区长 镇长 副镇长 乡长 村长 省长 主席 副主席"
            " 局长 副局长 主任 副主任 处长 科长 所长 站长 校长 副校长 院长 副院长 部长 厅长 委员"
            " 董事长 总经理 经理 老板 厂长 会长 社长 馆长 行长 队长 组长 班长 网格长 指导员 政委"
            " 老师 教授 博士 医生 大夫 护士 师傅 警官 民警 法官 检察官 律师 记者 代表 教练 队员 选手"
            " 先生 女士 小姐 同志 同学 老人 老汉 大爷 大妈 大娘 大姐 大哥 阿姨 叔叔 奶奶 爷爷 婆婆"
        ).split(),
        key=len,
        reverse=True,
    )
)
# After a bare surname only forms of address count: 曾代表公司 is "once represented", 解老人
# 之忧 "ease the elderly's worry", 区委员会 a district committee.
_NOT_AFTER_BARE_SURNAME = frozenset("代表 委员 记者 老人 民警 队员 选手 同学 同志 指导员 政委 老汉".split())
# Roles that stand right before a name in a text: 记者单雪, 通讯员曾力.
_ROLES = ("记者", "通讯员", "实习生", "摄影", "编辑", "见习记者", "特约记者", *TITLES)


@dataclass(frozen=True)
class Change:
    """One substitution: ``written`` at ``position`` (in the input text) became ``spoken``."""

    written: str
    spoken: str
    position: int


@dataclass(frozen=True)
class PolyphonicName:
    """A person name with characters of several readings that the lexicon left open."""

    name: str
    position: int  # in the text, -1 for a name given as known (a byline)
    readings: dict[str, list[str]]  # character -> pypinyin heteronyms


class LexiconError(ValueError):
    """A malformed line in the lexicon file; the message names the line."""


@dataclass
class Lexicon:
    words: dict[str, str] = field(default_factory=dict)
    surnames: dict[str, str] = field(default_factory=dict)
    # (kind, written) -> the reviewed reading in pinyin with tone numbers, where given
    readings: dict[tuple[str, str], str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path = DEFAULT_PATH) -> Lexicon:
        return cls.parse(Path(path).read_text(encoding="utf-8"), source=str(path))

    @classmethod
    def parse(cls, text: str, source: str = "<lexicon>") -> Lexicon:
        lexicon = cls()
        for n, raw in enumerate(text.splitlines(), 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            cols = [c.strip() for c in raw.split("\t")]
            if len(cols) not in (2, 3, 4) or not cols[0] or not cols[1]:
                raise LexiconError(f"{source}:{n}: want written<TAB>spoken[<TAB>surname[<TAB>reading]]: {raw!r}")
            kind = cols[2] if len(cols) > 2 else ""
            if kind not in ("", "surname"):
                raise LexiconError(f"{source}:{n}: unknown kind {kind!r} (only 'surname')")
            if kind == "surname":
                lexicon.surnames[cols[0]] = cols[1]
            else:
                lexicon.words[cols[0]] = cols[1]
            if len(cols) == 4 and cols[3]:
                if len(cols[3].split()) != len(cols[1]):
                    raise LexiconError(f"{source}:{n}: reading {cols[3]!r} is not one syllable a character")
                lexicon.readings[(kind, cols[0])] = cols[3]
        return lexicon

    # --- jieba: the package's one dictionary (normalize.words loads it once, quietly) ---

    @property
    def _tokenizer(self) -> Any:  # jieba ships no type hints
        if not self.__dict__.get("_words_added"):
            # The lexicon's words join the shared dictionary so that 林埭 stays one word.
            # One dictionary, not a private copy: each copy costs ~70 MB.
            tok = shared_tokenizer()
            for word in self.words:
                if len(word) > 1 and word not in tok.FREQ:
                    tok.add_word(word)
            self.__dict__["_words_added"] = True
        return shared_tokenizer()

    @property
    def _pos_tokenizer(self) -> Any:
        import jieba.posseg

        self._tokenizer  # noqa: B018  (adds the lexicon's words first)
        return jieba.posseg.dt

    def _tagged(self, text: str) -> Iterable[tuple[str, str, int]]:
        """(word, tag, position) for every token of ``text``, with jieba's part-of-speech
        tags (the normalizer loads the same tables)."""
        self._pos_tokenizer  # noqa: B018  (adds the lexicon's words first)
        return _pos_tagged(text)

    def _guessed(self, text: str) -> Iterable[tuple[str, str, int]]:
        """(word, tag, position) with a cheap name guess instead of POS tagging: a word
        jieba's HMM found that its dictionary does not hold (or holds as rare) is tagged as a
        possible name; _is_person_name then applies the same conservative rules."""
        freq = self._tokenizer.FREQ
        for word, start, _ in self._tokenizer.tokenize(text, HMM=True):
            unknown = (freq.get(word) or 0) <= _MAX_NAME_FREQ and 2 <= len(word) <= 4
            yield word, "nr" if unknown else "", start

    # --- names ---

    def _split_surname(self, name: str) -> tuple[str, str]:
        """(special surname, given name); surname '' when the lexicon has no reading for it."""
        for surname in sorted(self.surnames, key=len, reverse=True):
            if name.startswith(surname) and len(name) > len(surname):
                return surname, name[len(surname) :]
        return "", name

    def speak_name(self, name: str) -> str:
        """Spoken form of a string known to be a person's name (a byline)."""
        name = name.strip()
        if name in self.words:  # a full-name entry wins over the surname rule
            return self.words[name]
        surname, given = self._split_surname(name)
        return (self.surnames[surname] if surname else "") + given

    def _is_person_name(self, word: str, tag: str) -> bool:
        """Conservative: jieba's nr tag alone also covers 朴素 and 努力学习."""
        if tag not in _NAME_TAGS:
            return False
        if (self._tokenizer.FREQ.get(word) or 0) > _MAX_NAME_FREQ:
            return False
        surname, given = self._split_surname(word)
        if surname:
            # 单芳-like two-character names are left alone: too close to words
            return len(given) == 2 if len(surname) == 1 else len(given) in (1, 2)
        return word[0] in _COMMON_SURNAMES and 2 <= len(word) <= 3

    def known_names(self, texts: Iterable[str], credited: Iterable[str] = ()) -> dict[str, str]:
        """Every person an edition names whose surname has its own reading: printed form ->
        spoken form, for :meth:`apply` to read the same way wherever it appears.

        People are found in the credits; before or after a title or role (单雪书记, 单书记,
        记者曾力, 解先生); and by jieba's part-of-speech tag ``nr`` under the conservative
        rule of :meth:`_is_person_name`. A surname with a title (单书记) is kept as it is
        printed, so 单书记 is read 善书记 everywhere, whoever introduced him.
        """
        found: dict[str, str] = {}

        def add(name: str) -> None:
            spoken = self.speak_name(name)
            if spoken != name:
                found[name] = spoken

        for name in credited:
            add(name.strip())
        if not self.surnames:
            return found
        surnames = "|".join(sorted(map(re.escape, self.surnames), key=len, reverse=True))
        titles = "|".join(TITLES)
        before_title = re.compile(rf"(?=((?:{surnames})[\u4e00-\u9fff]{{0,2}}?)({titles}))")
        freq = self._tokenizer.FREQ
        for text in (sentence for t in texts for sentence in _SENTENCE.findall(t)):
            if not any(s in text for s in self.surnames):
                continue
            tokens = list(self._tokenizer.tokenize(text))
            # Tagging is slow: only where a word starts with a surname and is one, or is no
            # common word (单位, 曾经 and 检查 are; 单雪 and 单 are not).
            if not any(
                w.startswith(tuple(self.surnames)) and (w in self.surnames or (freq.get(w) or 0) <= _MAX_NAME_FREQ)
                for w, _, _ in tokens
            ):
                continue
            starts = {start for _, start, _ in tokens}
            ends = {end for _, _, end in tokens}
            tagged = list(self._tagged(text))
            tagged_words = {(position, word) for word, _, position in tagged}
            for m in before_title.finditer(text):
                name, title = m.group(1), m.group(2)
                if m.start() not in starts or m.start() + len(name) + len(title) not in ends:
                    continue  # 简单书记, 区委员会: the characters belong to other words
                if name in self.surnames:
                    if m.start() + len(name) in starts and title not in _NOT_AFTER_BARE_SURNAME:
                        add(name + title)
                    continue
                # 曾任市长, 查处主任: a word stands before the title, not a name; a short
                # name is believed only where the tagger keeps it whole (单雪书记)
                _, given = self._split_surname(name)
                whole = (m.start(), name) in tagged_words
                if (freq.get(name) or 0) <= _MAX_NAME_FREQ and (whole or len(given) == 2):
                    add(name)
            previous = ""
            for word, tag, _ in tagged:
                if not word.strip():
                    continue  # 通讯员 叶青青: the space between role and name
                surname, given = self._split_surname(word)
                after_role = previous.endswith(_ROLES) and surname and 1 <= len(given) <= 2
                if after_role and (self._tokenizer.FREQ.get(word) or 0) <= _MAX_NAME_FREQ:
                    add(word)
                elif self._is_person_name(word, tag):
                    add(word)
                previous = word
        return found

    # --- application ---

    def apply(self, text: str, names: bool = False, known: Mapping[str, str] | None = None) -> tuple[str, list[Change]]:
        """Substitute lexicon words at word boundaries (and surnames in names if asked).

        ``known`` (from :meth:`known_names`) are names read the same way wherever they start
        a word, also where jieba would cut them apart (单雪说 -> 单/雪说). With ``known``,
        only those names get a surname's reading: the cheap guess ``names`` makes from one
        piece of text alone also takes 曾多次 for a name."""
        if not self.words and not (names and self.surnames) and not known:
            return text, []
        spans: list[tuple[int, int, str]] = []  # (start, end, spoken), in order, not overlapping
        names = names and known is None
        if names:
            tokens: list[tuple[str, str, int]] = list(self._guessed(text))
        else:
            tokens = [(w, "", start) for w, start, _ in self._tokenizer.tokenize(text)]
        if known:
            starts = {position for _, _, position in tokens}
            taken = [False] * len(text)
            for name in sorted(known, key=len, reverse=True):
                for m in re.finditer(re.escape(name), text):
                    if m.start() in starts and not any(taken[m.start() : m.end()]):
                        spans.append((m.start(), m.end(), known[name]))
                        taken[m.start() : m.end()] = [True] * len(name)
        else:
            taken = [False] * len(text)
        for word, tag, position in tokens:
            if any(taken[position : position + len(word)]):
                continue
            spoken = self.words.get(word)
            if spoken is None and names and self._is_person_name(word, tag):
                candidate = self.speak_name(word)
                spoken = candidate if candidate != word else None
            if spoken is not None:
                spans.append((position, position + len(word), spoken))
        out: list[str] = []
        changes: list[Change] = []
        cursor = 0
        for start, end, spoken in sorted(spans):
            out += [text[cursor:start], spoken]
            changes.append(Change(text[start:end], spoken, start))
            cursor = end
        out.append(text[cursor:])
        return "".join(out), changes

    def polyphonic_in_names(self, text: str, known_names: Iterable[str] = ()) -> list[PolyphonicName]:
        """Person names with characters of several readings that the lexicon does not decide.

        For ``audiopaper lint``: an editor checks them and adds a lexicon line.
        ``known_names`` (bylines) are checked as given; names in ``text`` are
        found with the same conservative rule as ``apply(..., names=True)``.
        """
        found: list[PolyphonicName] = []
        seen: set[str] = set()
        candidates = [(name.strip(), -1) for name in known_names]
        candidates += [(w, p) for w, tag, p in self._tagged(text) if self._is_person_name(w, tag)]
        for name, position in candidates:
            if not name or name in seen or name in self.words:
                continue
            seen.add(name)
            _, given = self._split_surname(name)
            readings = {ch: heteronyms for ch in given if len(heteronyms := _heteronyms(ch)) > 1}
            if readings:
                found.append(PolyphonicName(name, position, readings))
        return found


_SENTENCE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]*")


@lru_cache(maxsize=8192)
def _pos_tagged(text: str) -> tuple[tuple[str, str, int], ...]:
    import jieba.posseg

    out = []
    position = 0
    for pair in jieba.posseg.dt.cut(text):
        out.append((pair.word, pair.flag, position))
        position += len(pair.word)
    return tuple(out)


@lru_cache(maxsize=4096)
def _heteronyms(ch: str) -> list[str]:
    """Readings of ``ch`` a listener could hear today.

    pypinyin's heteronyms include archaic readings (毛 mào, 平 bēng) that would
    bury the real questions (华 huá/huà, 纪 jǐ/jì) in noise. When pypinyin-dict
    is installed its 通用规范汉字字典 (2013) data, the current standard, keeps
    only the modern ones; its data is read as a table, never ``load()``-ed,
    so pypinyin's global dictionary is left as it is.
    """
    from pypinyin import pinyin

    readings = list(pinyin(ch, heteronym=True)[0])
    modern = _modern_readings()
    if modern is not None and ord(ch) in modern:
        standard = modern[ord(ch)].split(",")
        readings = [r for r in readings if r in standard] or standard
    return readings


@lru_cache(maxsize=1)
def _modern_readings() -> dict[int, str] | None:
    try:
        from pypinyin_dict.pinyin_data import ktghz2013
    except ImportError:
        return None
    return dict(ktghz2013.pinyin_dict)


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    """The project's ``voices/lexicon.tsv``, loaded once; empty if the file is missing."""
    if DEFAULT_PATH.exists():
        return Lexicon.load(DEFAULT_PATH)
    return Lexicon()


def speak_name(name: str, lexicon: Lexicon | None = None) -> str:
    """Spoken form of a byline name with the default (or given) lexicon."""
    return (lexicon or default_lexicon()).speak_name(name)


def polyphonic_in_names(
    text: str, known_names: Iterable[str] = (), lexicon: Lexicon | None = None
) -> list[PolyphonicName]:
    """See :meth:`Lexicon.polyphonic_in_names`; uses the default lexicon unless given one."""
    return (lexicon or default_lexicon()).polyphonic_in_names(text, known_names)
