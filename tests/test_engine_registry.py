"""Adding an engine touches one new module and one presets entry, nothing else.

The test writes both into a temporary folder, a module that speaks tones (one pitch per
voice) and a copy of voices/presets.toml with its entry, and points the registry at them.
The engine then has to appear wherever engines are offered (`build --help`, `voices`), pass
the settings' checks, and build an edition whose audio, decoded, is its tones.
"""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from audiopaper import tts
from audiopaper.cli import cli
from audiopaper.core import ffmpeg
from audiopaper.core.speech import Voice
from audiopaper.errors import EngineUnavailable
from audiopaper.settings import load_settings
from tests.conftest import SHORT

TONE_ENGINE = '''
"""A deterministic engine for tests: each voice is a pitch, "a440" or "a880"."""

from __future__ import annotations

import math
import re

from audiopaper.errors import AudiopaperError
from audiopaper.core.speech import Sentence, Speech, SpeechRequest
from audiopaper.tts import Engine, VoiceInfo, register

RATE = 16000
MS_PER_CHAR = 40


@register
class ToneEngine(Engine):
    NAME = "tone"
    DESCRIPTION = "the tone generator"

    @classmethod
    def availability(cls) -> str | None:
        return None

    @classmethod
    def check_voice(cls, name: str) -> None:
        if not re.fullmatch(r"a\\d{3}", name):
            raise AudiopaperError(f"tone has no voice {name!r}: try `audiopaper voices --engine tone`")

    @classmethod
    def list_voices(cls, locale: str = "", refresh: bool = False) -> list[VoiceInfo]:
        return [VoiceInfo("a440", "Female", "zxx"), VoiceInfo("a880", "Male", "zxx")]

    def synthesize(self, request: SpeechRequest) -> Speech:
        hz = int(request.voice.name[1:])
        ms = max(200, MS_PER_CHAR * len(request.text.strip()))
        n = RATE * ms // 1000
        samples = (round(8000 * math.sin(2 * math.pi * hz * i / RATE)) for i in range(n))
        pcm = b"".join(s.to_bytes(2, "little", signed=True) for s in samples)
        return Speech(pcm, RATE, (Sentence(0, ms, request.text.strip()),))
'''

PRESETS_ENTRY = """
[tone]
module = "tone_engine"

[tone.anchor]
name = "a880"

[tone.reporter]
name = "a440"
"""


@pytest.fixture
def tone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The new engine's module and its presets entry, and nothing else; returns the folder."""
    folder = tmp_path / "engine"
    folder.mkdir()
    (folder / "tone_engine.py").write_text(textwrap.dedent(TONE_ENGINE), "utf-8")
    presets = folder / "presets.toml"
    presets.write_text(tts.presets_path().read_text("utf-8") + PRESETS_ENTRY, "utf-8")
    monkeypatch.syspath_prepend(str(folder))
    monkeypatch.setattr(tts, "presets_path", lambda: presets)
    monkeypatch.setattr(tts, "REGISTRY", dict(tts.REGISTRY))  # the engine is forgotten afterwards
    yield folder
    sys.modules.pop("tone_engine", None)


def test_the_built_in_engines_come_from_the_presets():
    assert tts.engine_names() == ["edge", "espeak"]
    assert [cls.NAME for cls in tts.auto_order()] == ["edge", "espeak"]  # online first, offline the fallback


def test_a_new_engine_is_offered_by_build_and_voices(tone: Path):
    runner = CliRunner()
    help_text = runner.invoke(cli, ["build", "--help"]).output
    assert "auto|edge|espeak|tone" in help_text
    voices = runner.invoke(cli, ["voices", "--engine", "tone", "--locale", ""])
    assert voices.exit_code == 0, voices.output
    assert voices.output.splitlines() == ["a440\tFemale\tzxx", "a880\tMale\tzxx"]


def test_a_new_engine_passes_the_settings_checks(tone: Path, tmp_path: Path):
    config = tmp_path / "c.toml"
    config.write_text('engine = "tone"\n[voices.tone.reporter]\nname = "a660"\n', "utf-8")
    settings = load_settings(config)
    assert settings.engine == "tone"
    assert settings.voices.for_engine("tone") == {
        "anchor": Voice("a880"),  # from its presets entry
        "reporter": Voice("a660"),  # from the config
    }


def _energy_near(pcm: bytes, rate: int, hz: float) -> float:
    """The share of the signal's energy within 20 Hz of `hz`."""
    signal = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    power = np.abs(np.fft.rfft(signal)) ** 2
    freqs = np.fft.rfftfreq(len(signal), 1 / rate)
    return float(power[np.abs(freqs - hz) < 20].sum() / power.sum())


def test_a_new_engine_builds_an_edition_in_its_voices(tone: Path, tmp_path: Path):
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["build", str(SHORT), "--engine", "tone", "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    clips = sorted(out.glob("*/clips/*.mp3"))
    assert clips
    pcm = ffmpeg.decode_file(clips[0], 16000)
    assert len(pcm) / 2 / 16000 > 1.0
    anchor, reporter = _energy_near(pcm, 16000, 880), _energy_near(pcm, 16000, 440)
    # The headline in the anchor's pitch, the body in the reporter's: nothing else is heard.
    assert anchor > 0.05 and reporter > 0.05 and anchor + reporter > 0.9, (anchor, reporter)


def test_a_new_engines_voice_check_runs_before_any_speech(tone: Path, tmp_path: Path):
    config = tmp_path / "c.toml"
    config.write_text('[voices.tone.anchor]\nname = "nope"\n', "utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["build", str(SHORT), "--engine", "tone", "--out", str(out), "--config", str(config), "--quiet"]
    )
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: tone has no voice 'nope': try `audiopaper voices --engine tone`"
    ]
    assert not out.exists() or not any(out.glob("*/clips/*.mp3"))


def test_a_presets_entry_without_its_module_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    presets = tmp_path / "presets.toml"
    presets.write_text('[festival.anchor]\nname = "kal"\n', "utf-8")
    monkeypatch.setattr(tts, "presets_path", lambda: presets)
    with pytest.raises(EngineUnavailable, match=r"^engine festival: cannot import audiopaper\.tts\.festival"):
        tts.engines()
