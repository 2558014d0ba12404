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
:meth:`Lexicon.speak_name`, and to body text through ``apply(text, names=True)``,
which trusts jieba's person-name tag only when it is believable (see
:meth:`Lexicon._is_person_name`): jieba tags 朴素 as a name, for one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from audiopaper.normalize.words import shared_tokenizer
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
            if len(cols) not in (2, 3) or not cols[0] or not cols[1]:
                raise LexiconError(f"{source}:{n}: want written<TAB>spoken[<TAB>surname]: {raw!r}")
            if len(cols) == 3 and cols[2] not in ("", "surname"):
                raise LexiconError(f"{source}:{n}: unknown kind {cols[2]!r} (only 'surname')")
            if len(cols) == 3 and cols[2] == "surname":
                lexicon.surnames[cols[0]] = cols[1]
            else:
                lexicon.words[cols[0]] = cols[1]
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
        tags: for lint, where the extra ~80 MB of tag tables do not matter."""
        position = 0
        for pair in self._pos_tokenizer.cut(text):
            yield pair.word, pair.flag, position
            position += len(pair.word)

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

    # --- application ---

    def apply(self, text: str, names: bool = False) -> tuple[str, list[Change]]:
        """Substitute lexicon words at word boundaries (and surnames in names if asked)."""
        if not self.words and not (names and self.surnames):
            return text, []
        out: list[str] = []
        changes: list[Change] = []
        if names:
            tokens: Iterable[tuple[str, str, int]] = self._guessed(text)
        else:
            tokens = ((w, "", start) for w, start, _ in self._tokenizer.tokenize(text))
        for word, tag, position in tokens:
            spoken = self.words.get(word)
            if spoken is None and names and self._is_person_name(word, tag):
                candidate = self.speak_name(word)
                spoken = candidate if candidate != word else None
            if spoken is None:
                out.append(word)
            else:
                out.append(spoken)
                changes.append(Change(word, spoken, position))
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
