"""The offline engine: libespeak-ng through ctypes, from the espeakng-loader wheel.

libespeak-ng keeps global state (one voice, one callback, one output buffer), so it is not
re-entrant: every use goes through one process-wide lock.
"""

from __future__ import annotations

import ctypes
import functools
import threading
from typing import Any

from audiopaper.core.speech import Sentence, Speech, SpeechRequest
from audiopaper.errors import EngineUnavailable
from audiopaper.tts import Engine, VoiceInfo, register

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_ESPEAK_CHARS_UTF8 = 1
_RATE = 1
_VOLUME = 2
_PITCH = 3
_EVENT_LIST_TERMINATED = 0
_EVENT_SENTENCE = 2
_EVENT_MSG_TERMINATED = 6
BASE_RATE = 175  # espeak's default words per minute
BASE_PITCH = 50

_LOCK = threading.Lock()


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", ctypes.c_void_p),
    ]


class _Voice(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("languages", ctypes.c_void_p),  # (priority byte, NUL-terminated language) pairs
        ("identifier", ctypes.c_char_p),
        ("gender", ctypes.c_ubyte),
        ("age", ctypes.c_ubyte),
        ("variant", ctypes.c_ubyte),
        ("xx1", ctypes.c_ubyte),
        ("score", ctypes.c_int),
        ("spare", ctypes.c_void_p),
    ]


_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


class _Library:
    """The loaded library and its one synthesis callback; use only under _LOCK."""

    def __init__(self) -> None:
        import espeakng_loader

        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.sample_rate = self.lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, espeakng_loader.get_data_path().encode(), 0
        )
        if self.sample_rate <= 0:
            raise EngineUnavailable("espeak-ng failed to initialize: reinstall espeakng-loader")
        self.pcm = bytearray()
        self.events: list[tuple[int, int, int]] = []
        self._callback = _Callback(self._on_audio)  # kept referenced so it is not collected
        self.lib.espeak_SetSynthCallback(self._callback)

    def _on_audio(self, wav: Any, count: int, events: Any) -> int:
        if count > 0:
            self.pcm.extend(ctypes.string_at(wav, count * 2))
        i = 0
        while events[i].type != _EVENT_LIST_TERMINATED:
            ev = events[i]
            if ev.type == _EVENT_SENTENCE:
                self.events.append((ev.type, ev.text_position, ev.audio_position))
            i += 1
        return 0


@functools.cache
def _library() -> _Library:
    return _Library()


@register
class EspeakEngine(Engine):
    NAME = "espeak"
    DESCRIPTION = "espeak-ng"
    AUTO = 1  # `--engine auto` falls back to it: it needs no network

    @classmethod
    def availability(cls) -> str | None:
        try:
            import espeakng_loader

            espeakng_loader.get_data_path()
        except (ImportError, RuntimeError):
            return "espeak-ng is not installed: run `pip install espeakng-loader`"
        try:
            with _LOCK:
                _library()
        except (OSError, EngineUnavailable) as exc:
            return f"libespeak-ng does not load ({exc}): reinstall espeakng-loader"
        return None

    @classmethod
    def list_voices(cls, locale: str = "", refresh: bool = False) -> list[VoiceInfo]:
        """espeak-ng's voices whose language is `locale` or under it (cmn for Mandarin)."""
        wanted = locale.lower()
        # espeak names Mandarin "cmn"; a listener asking for zh-CN means it.
        aliases = {"zh": ("zh", "cmn", "yue", "hak"), "zh-cn": ("cmn",), "zh-hk": ("yue",), "zh-tw": ("cmn",)}
        accept = aliases.get(wanted, (wanted,))
        found = []
        with _LOCK:
            lib = _library().lib
            lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_Voice))
            table = lib.espeak_ListVoices(None)
            i = 0
            while table[i]:
                voice = table[i].contents
                language = ctypes.string_at(voice.languages + 1).decode("ascii", "replace")
                name = voice.identifier.decode("utf-8", "replace").rsplit("/", 1)[-1]
                if not wanted or any(language == a or language.startswith(a + "-") for a in accept):
                    gender = {1: "Male", 2: "Female"}.get(voice.gender, "")
                    found.append(VoiceInfo(name=name, gender=gender, locale=language))
                i += 1
        return sorted(found, key=lambda v: v.name)

    def synthesize(self, request: SpeechRequest) -> Speech:
        voice = request.voice
        data = request.text.encode("utf-8")
        with _LOCK:
            lib = _library()
            if lib.lib.espeak_SetVoiceByName(voice.name.encode()) != 0:
                raise EngineUnavailable(
                    f"espeak-ng has no voice {voice.name!r}: try `audiopaper voices --engine espeak`"
                )
            lib.lib.espeak_SetParameter(_RATE, round(BASE_RATE * (100 + voice.rate) / 100), 0)
            lib.lib.espeak_SetParameter(_PITCH, max(0, min(100, BASE_PITCH + voice.pitch)), 0)
            lib.lib.espeak_SetParameter(_VOLUME, max(0, min(200, 100 + voice.volume)), 0)
            lib.pcm.clear()
            lib.events.clear()
            status = lib.lib.espeak_Synth(ctypes.c_char_p(data), len(data) + 1, 0, 0, 0, _ESPEAK_CHARS_UTF8, None, None)
            lib.lib.espeak_Synchronize()
            if status != 0:
                raise RuntimeError(f"espeak-ng synthesis failed (status {status})")
            pcm = bytes(lib.pcm)
            marks = list(lib.events)
        duration_ms = len(pcm) * 1000 // (2 * lib.sample_rate)
        return Speech(pcm=pcm, sample_rate=lib.sample_rate, sentences=_sentences(request.text, marks, duration_ms))


def _sentences(text: str, marks: list[tuple[int, int, int]], duration_ms: int) -> tuple[Sentence, ...]:
    """Sentence timings from espeak's SENTENCE events (text_position counts characters from 1)."""
    starts = sorted({(max(pos - 1, 0), ms) for _, pos, ms in marks})
    if not starts or starts[0][0] != 0:
        starts.insert(0, (0, 0))
    out = []
    for i, (pos, ms) in enumerate(starts):
        end_pos, end_ms = starts[i + 1] if i + 1 < len(starts) else (len(text), duration_ms)
        piece = text[pos:end_pos].strip()
        if piece:
            out.append(Sentence(start_ms=ms, end_ms=max(end_ms, ms), text=piece))
    return tuple(out)
