"""Settings: defaults, then the TOML config, then flags, which win."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from audiopaper.cli import cli
from audiopaper.errors import InputError
from audiopaper.settings import Settings, load_settings, settings_to_toml
from audiopaper.tts import Voice


def test_config_is_read_and_flags_win(tmp_path: Path):
    config = tmp_path / "my.toml"
    config.write_text(
        'paper = "临溪日报"\nengine = "espeak"\n[feed]\nkeep = 7\n[voices.espeak.reporter]\nname = "cmn"\nrate = 20\n',
        "utf-8",
    )
    settings = load_settings(config).with_flags(engine="edge", paper=None)
    assert settings.paper == "临溪日报" and settings.engine == "edge" and settings.feed.keep == 7
    assert settings.voices.espeak["reporter"] == Voice("cmn", rate=20)
    assert settings.voices.espeak["anchor"] == Voice("cmn")  # roles not named keep their defaults


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
