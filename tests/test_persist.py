"""Atomic state files: old or new after a crash, and a corrupt file set aside, never a crash."""

from __future__ import annotations

import logging
from pathlib import Path

from device.config import parse_config
from device.core.state import Settings
from device.persist import JsonStateFile, write_atomic
from device.runtime.daemon import load_settings


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    store = JsonStateFile(tmp_path / "state" / "settings.json")
    assert store.load() is None
    store.save({"volume": 12.5, "routine_enabled": False})
    assert store.load() == {"volume": 12.5, "routine_enabled": False}
    assert not [p for p in store.path.parent.iterdir() if p.name.endswith(".tmp")]


def test_write_replaces_in_one_step(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("old")
    inode = path.stat().st_ino
    write_atomic(path, b"new")
    assert path.read_bytes() == b"new"
    assert path.stat().st_ino != inode  # a new file renamed over the old one, not written in place


def test_half_written_file_is_set_aside_and_defaults_used(tmp_path: Path, caplog) -> None:
    path = tmp_path / "settings.json"
    path.write_text('{"volume": 30, "session_min')
    with caplog.at_level(logging.ERROR):
        assert JsonStateFile(path).load() is None
    assert not path.exists()
    aside = list(tmp_path.glob("settings.json.corrupt-*"))
    assert len(aside) == 1 and aside[0].read_text().startswith('{"volume"')
    assert "corrupt" in caplog.text and "using defaults" in caplog.text


def test_wrong_shape_and_binary_garbage_are_set_aside(tmp_path: Path) -> None:
    for content in (b"[1, 2, 3]", b"\xff\xfe\x00garbage"):
        path = tmp_path / "s.json"
        path.write_bytes(content)
        assert JsonStateFile(path).load() is None
        assert not path.exists()
    assert len(list(tmp_path.glob("s.json.corrupt-*"))) >= 1


def test_settings_with_wrong_types_keep_their_defaults(tmp_path: Path, caplog) -> None:
    config = parse_config("[sounds]\nmax_volume = 70\n")
    JsonStateFile(tmp_path / "settings.json").save(
        {"volume": "loud", "session_minutes": 45, "routine_enabled": 1, "unknown": True}
    )
    with caplog.at_level(logging.ERROR):
        settings, _ = load_settings(config, tmp_path)
    assert settings.volume == 40.0 and settings.session_minutes == 45 and settings.routine_enabled is True
    assert "volume: expected float" in caplog.text and "routine_enabled: expected bool" in caplog.text


def test_stored_settings_are_clamped_to_the_config_limits(tmp_path: Path) -> None:
    config = parse_config("[sounds]\nmax_volume = 50\nvolume = 20\n")
    JsonStateFile(tmp_path / "settings.json").save({"volume": 95.0, "session_minutes": 1000})
    settings, _ = load_settings(config, tmp_path)
    assert settings.volume == 50.0
    assert settings.session_minutes == config.routine.session_minutes


def test_settings_from_dict_reports_problems() -> None:
    settings, problems = Settings.from_dict({"volume": 10, "trigger": 5}, Settings())
    assert settings.volume == 10.0 and settings.trigger == ""
    assert problems == ["trigger: expected str, found 5"]
