"""Settings: defaults, then the TOML config, then flags, which win."""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiopaper.cli import cli
from audiopaper.core.speech import Voice
from audiopaper.errors import InputError
from audiopaper.script.wording import FIELDS as WORDING_FIELDS
from audiopaper.script.wording import default_wording, template_fields
from audiopaper.settings import Settings, load_settings, settings_to_toml
from tests.conftest import SHORT


def test_config_is_read_and_flags_win(tmp_path: Path):
    config = tmp_path / "my.toml"
    config.write_text(
        'paper = "临溪日报"\nengine = "espeak"\n[feed]\nkeep = 7\n[voices.espeak.reporter]\nname = "cmn"\nrate = 20\n',
        "utf-8",
    )
    settings = load_settings(config).with_flags(engine="edge", paper=None)
    assert settings.paper == "临溪日报" and settings.engine == "edge" and settings.feed.keep == 7
    assert settings.voices.for_engine("espeak")["reporter"] == Voice("cmn", rate=20)
    assert settings.voices.for_engine("espeak")["anchor"] == Voice("cmn")  # roles not named keep their defaults


def test_audiopaper_toml_in_the_working_folder_is_picked_up(tmp_path: Path):
    (tmp_path / "audiopaper.toml").write_text('base_url = "https://x.example/"\n', "utf-8")
    assert load_settings(cwd=tmp_path).base_url == "https://x.example/"
    assert load_settings(cwd=tmp_path / "elsewhere") == Settings()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("pape = 1", "unknown setting pape"),
        ("[audio]\nclip_rate = 'fast'", "audio.clip_rate must be int"),
        ("feed = 3", "feed must be a table"),
        ("= broken", "not valid TOML"),
    ],
)
def test_bad_config_is_named(tmp_path: Path, text: str, message: str):
    config = tmp_path / "bad.toml"
    config.write_text(text, "utf-8")
    with pytest.raises(InputError, match=message):
        load_settings(config)


def test_config_command_prints_settings_that_load_back(tmp_path: Path):
    config = tmp_path / "c.toml"
    config.write_text('paper = "临溪日报"\n[audio]\nclip_bitrate = "128k"\n', "utf-8")
    result = CliRunner().invoke(cli, ["config", "--config", str(config)])
    assert result.exit_code == 0, result.output
    printed = tmp_path / "printed.toml"
    printed.write_text(result.stdout, "utf-8")
    tomllib.loads(result.stdout)
    assert load_settings(printed) == load_settings(config)


def test_missing_config_file(tmp_path: Path):
    result = CliRunner().invoke(cli, ["config", "--config", str(tmp_path / "none.toml")])
    assert result.exit_code == 1
    assert "config file not found" in result.output


def test_settings_dump_is_toml():
    assert tomllib.loads(settings_to_toml(Settings()))["engine"] == "auto"


def _leaves(obj: object, prefix: str = "") -> list[tuple[str, dataclasses.Field, object]]:
    found = []
    for f in dataclasses.fields(obj):  # type: ignore[arg-type]
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            found += _leaves(value, f"{prefix}{f.name}.")
        else:
            found.append((prefix + f.name, f, value))
    return found


# Free text that any value fits, and the output folder (checked by writing to it).
UNCHECKED = {"feed.description", "out"}


def test_every_setting_declares_what_it_accepts():
    """A new setting without a declared range or choice fails here, not in a listener's ears."""
    undeclared = [
        key
        for key, f, value in _leaves(Settings())
        if "check" not in f.metadata and not isinstance(value, bool) and key not in UNCHECKED
    ]
    assert undeclared == []


def test_the_defaults_pass_their_own_checks():
    assert Settings().validate() == Settings()


def test_wording_fields_are_declared_for_every_template():
    defaults = default_wording()
    assert set(WORDING_FIELDS) == set(defaults)
    for key, text in defaults.items():
        allowed = WORDING_FIELDS[key]
        if isinstance(allowed, frozenset):
            assert template_fields(text) <= allowed, key


def test_every_template_renders_with_its_declared_fields(tmp_path: Path):
    """What the check allows, the script builder can fill: every field of every template."""
    lines = [
        f"{key} = '{key}:" + "".join(f"{{{f}}}" for f in sorted(allowed)) + "。'"
        for key, allowed in WORDING_FIELDS.items()
        if isinstance(allowed, frozenset)
    ]
    config = tmp_path / "c.toml"
    config.write_text("[wording]\n" + "\n".join(lines) + "\n", "utf-8")
    result = CliRunner().invoke(cli, ["script", str(SHORT), "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "opening:" in result.stdout and "closing:" in result.stdout


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("[audio]\nclip_lufs = -1000", "audio.clip_lufs"),
        ("[audio]\npause_paragraph_ms = -1", "audio.pause_paragraph_ms"),
        ("[tts]\nconcurrency = 0", "tts.concurrency"),
        ("[tts]\ntries = 0", "tts.tries"),
        ('[feed]\npublish_time = "25:99"', "feed.publish_time"),
        ('[wording]\nclosing = "{papr}"', "wording.closing"),
        ('base_url = "javascript:alert(1)"', "base_url"),
    ],
)
def test_a_setting_out_of_range_is_refused_at_load_naming_its_key(tmp_path: Path, text: str, key: str):
    config = tmp_path / "c.toml"
    config.write_text(text, "utf-8")
    with pytest.raises(InputError, match=f"^invalid {re.escape(key)}[ .:]"):
        load_settings(config)


def test_flags_are_checked_as_the_config_is():
    with pytest.raises(InputError, match="invalid base_url"):
        Settings().with_flags(base_url="radio.example.org/paper/").validate()
    with pytest.raises(InputError, match="invalid date"):
        Settings().with_flags(date="2023-02-30").validate()


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("https://radio.example.org/paper/", "https://radio.example.org/paper/"),
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000/"),
        ("https://radio.example.org/a%20b/", "https://radio.example.org/a%20b/"),
        ("https://例子.中国/平湖/", "https://xn--fsqu00a.xn--fiqs8s/%E5%B9%B3%E6%B9%96/"),
    ],
)
def test_good_base_urls_are_kept_or_encoded(given: str, kept: str):
    assert Settings(base_url=given).validate().base_url == kept


def test_config_output_loads_back_with_chinese_keys_and_awkward_text(tmp_path: Path):
    """`config` writes its TOML with tomli-w: Chinese table keys are quoted, quotes and
    backslashes escaped, so what it prints is a config that gives the same settings.
    (Wording keys are the templates' names; the Chinese keys a user writes are topics.)"""
    config = tmp_path / "c.toml"
    config.write_text(
        'paper = "临溪日报"\n'
        "[wording]\n"
        'closing = "以上就是{paper}的\\"有声版\\"，\\\\再见。"\n'
        "[topics]\n"
        '"经济" = "企业,产业,项目"\n'
        '"社会 民生" = "医院,学校"\n'
        "[voices.espeak.reporter]\n"
        'name = "cmn"\n'
        "rate = 20\n",
        "utf-8",
    )
    result = CliRunner().invoke(cli, ["config", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert '"经济" = "企业,产业,项目"' in result.stdout
    printed = tmp_path / "printed.toml"
    printed.write_text(result.stdout, "utf-8")
    again = load_settings(printed)
    assert again == load_settings(config)
    assert again.paper == "临溪日报" and again.topics["社会 民生"] == "医院,学校"
    assert again.wording["closing"] == '以上就是{paper}的"有声版"，\\再见。'
