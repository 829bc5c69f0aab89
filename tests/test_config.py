"""Config: the shipped file is valid and documents every key; broken files give one clear message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from device.cli import main
from device.config import ClockTime, load_config, parse_config
from device.config.describe import iter_keys
from device.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "config" / "hushlight.toml"

# (file content, key path the message must name, words the message must contain)
BROKEN = [
    ('[routine.monday]\nsleep = "25:61"\n', "routine.monday.sleep", "not a time of day"),
    ('[lamp]\nbakend = "gpio"\n', "lamp.bakend", "did you mean 'backend'"),
    ("[lamp]\nevening_level = 120\n", "lamp.evening_level", "<= 100"),
    ('[mqtt]\nport = "1883"\n', "mqtt.port", "expected int, got str"),
    ("[buttons.main]\npin = 12\n", "lamp.pin", "GPIO12 (pin 32) is also used by buttons.main.pin"),
    (
        "[buttons.main]\npin = 19\n",
        "buttons.main.pin",
        "GPIO19 (pin 35) is also used by the max98357a audio overlay (I2S LRCLK)",
    ),
    ("[buttons.main]\npin = 20\n", "buttons.main.pin", "also used by the max98357a audio overlay (I2S DIN)"),
    ("[buttons.main]\npin = 3\n", "buttons.main.pin", "GPIO3 (pin 5) is also used by I2C bus 1 SCL"),
    ("[lamp]\npin = 18\n", "lamp.pin", "GPIO18 (pin 12) is also used by the max98357a audio overlay (I2S BCLK)"),
    ('[device]\ntimezone = "Mars/Olympus"\n', "device.timezone", "unknown time zone"),
    ('[sensors]\ntemperature = "dht22"\n', "sensors.temperature", "is not one of: 'auto', 'sht3x'"),
    ("[room]\nmin_temp_c = 22\nmax_temp_c = 18\n", "room.min_temp_c", "must be below room.max_temp_c"),
    ("[sounds]\nexclude = [1]\n", "sounds.exclude[0]", "expected str, got int"),
    ('[device]\nid = "Bed Room!"\n', "device.id", "expected str matching regex"),
    ('[routine]\nmorning_start = "11:00"\nmorning_end = "05:00"\n', "routine.morning_start", "must start before"),
    ("[buttons.second]\npin = 17\n", "buttons.main.pin", "GPIO17 (pin 11) is also used by buttons.second.pin"),
    ("[routine]\nsession_minutes = 300\n", "routine.session_minutes", "<= 240"),
    ("colour = 3\n", "colour", "unknown key"),
    ('[lamp]\nbackend = "hwpwm"\npin = 22\n', "lamp.pin", "only on GPIO12, 13, 18 or 19"),
    ("[buttons]\ndouble_press_ms = 50\n", "buttons.double_press_ms", "0 (no double presses) or 100..1500"),
    ("[buttons]\nlong_press_ms = 200\n", "buttons.long_press_ms", "0 (no long presses) or 500..10000"),
]


@pytest.mark.parametrize(("content", "key", "words"), BROKEN, ids=[b[1] for b in BROKEN])
def test_broken_file_names_file_key_and_expectation(tmp_path: Path, content: str, key: str, words: str) -> None:
    path = tmp_path / "hushlight.toml"
    path.write_text(content)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert info.value.key == key
    assert words in info.value.message
    assert str(info.value).startswith(f"{path}: {key}: ")


@pytest.mark.parametrize(("content", "key", "words"), BROKEN[:10], ids=[b[1] for b in BROKEN[:10]])
def test_config_check_prints_the_message_and_exits_2(
    tmp_path: Path, capsys, content: str, key: str, words: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content)
    assert main(["config", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}: {key}: " in err and words in err


def test_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text("[lamp]\nmax_level = \n")
    with pytest.raises(ConfigError, match=r"not valid TOML: .*line 2"):
        load_config(path)


def test_missing_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "latin1.toml"
    bad.write_bytes(b'[device]\nname = "Chambre \xe0 coucher"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(bad)


def test_shipped_config_is_valid_and_matches_the_defaults(capsys) -> None:
    assert main(["config", "check", str(SHIPPED)]) == 0
    shipped = load_config(SHIPPED)
    assert shipped == parse_config("")
    assert shipped.routine.sleep.time == ClockTime(23, 0)


def test_every_schema_key_is_documented_in_the_shipped_file() -> None:
    text = SHIPPED.read_text()
    for key in iter_keys():
        name = key.path.rsplit(".", 1)[1]
        assert key.description, f"{key.path} has no description in the schema"
        pattern = rf"^# [^\n]+\n(# )?{re.escape(name)} = "
        assert re.search(pattern, text, re.MULTILINE), f"{key.path} is not in {SHIPPED.name} with a comment"


def test_schema_command_lists_every_key(capsys) -> None:
    assert main(["config", "schema"]) == 0
    out = capsys.readouterr().out
    assert "routine.ends_before_sleep_minutes = 60 [min]" in out
    assert out.count("\n") == len(list(iter_keys()))


def test_config_is_frozen() -> None:
    config = parse_config("")
    with pytest.raises(AttributeError):
        config.lamp.max_level = 5  # type: ignore[misc]


def test_sleep_time_off_and_after_midnight() -> None:
    config = parse_config('[routine]\nsleep = "00:30"\n[routine.saturday]\nsleep = "off"\n')
    assert config.routine.sleep.time == ClockTime(0, 30)
    assert config.routine.saturday.sleep is not None and config.routine.saturday.sleep.off
