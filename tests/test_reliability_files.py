"""Every persisted file, hostile: deep, NaN, wrong shapes, garbage. The device starts with defaults,
the file is set aside as ``NAME.corrupt-<time>`` with one log line naming it and the reason."""

from __future__ import annotations

import json
import logging
import math
import signal
from pathlib import Path

import pytest
from hypothesis import given

from device.audio import synth
from device.audio.library import Library
from device.config import default_config, parse_config
from device.core.record import SessionRecord
from device.hub.discovery import Published
from device.hub.mqtt import RECORD_FILE, check_published_record
from device.persist import JsonStateFile
from device.runtime import wiring
from device.runtime.daemon import load_session, load_settings
from tests.support.broker import Broker
from tests.support.daemon import DaemonProcess
from tests.support.hostile import deep, json_file_bytes
from tests.support.hub import Watcher, device_config, running_device

SETTINGS_KEYS = ["volume", "session_minutes", "routine_enabled", "trigger", "last_trigger", "skip_night"]
SETTINGS_KEYS += ["night_sleep", "day_sleep", "day_wake", "dates_off"]
SESSION_KEYS = ["version", "active", "trigger", "started_by", "routine_night", "started_at", "ends_at", "volume"]
SESSION_KEYS += ["lamp_user", "volume_user", "sunset_s"]


def set_aside(folder: Path, name: str) -> list[Path]:
    return list(folder.glob(f"{name}.corrupt-*"))


def one_line_naming(caplog: pytest.LogCaptureFixture, path: Path, reason: str) -> None:
    lines = [r.getMessage() for r in caplog.records if str(path) in r.getMessage()]
    assert len(lines) == 1, lines
    assert reason in lines[0] and "using defaults" in lines[0]


@pytest.mark.parametrize("name", ["settings.json", "session.json"])
def test_a_state_file_nested_10000_deep_is_set_aside(tmp_path: Path, name: str, caplog) -> None:
    (tmp_path / name).write_text(deep(10_000))
    with caplog.at_level(logging.ERROR):
        settings, _ = load_settings(default_config(), tmp_path)
        stored, _ = load_session(tmp_path)
    assert stored is None and settings.volume == default_config().sounds.volume
    assert len(set_aside(tmp_path, name)) == 1 and not (tmp_path / name).exists()
    one_line_naming(caplog, tmp_path / name, "nested deeper than 8 levels")


def test_nan_volume_is_never_the_volume(tmp_path: Path, caplog) -> None:
    (tmp_path / "settings.json").write_text('{"volume": NaN, "session_minutes": 45}')
    with caplog.at_level(logging.ERROR):
        settings, _ = load_settings(default_config(), tmp_path)
    assert math.isfinite(settings.volume) and settings.volume == default_config().sounds.volume
    one_line_naming(caplog, tmp_path / "settings.json", "NaN is not a finite number")
    assert len(set_aside(tmp_path, "settings.json")) == 1


@pytest.mark.parametrize("volume", ["Infinity", "-Infinity", "1e999"])
def test_infinite_volumes_are_refused_too(tmp_path: Path, volume: str) -> None:
    (tmp_path / "settings.json").write_text(f'{{"volume": {volume}}}')
    settings, _ = load_settings(default_config(), tmp_path)
    assert settings.volume == default_config().sounds.volume


def test_deep_loudness_cache_leaves_the_library_working(tmp_path: Path, caplog) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "loudness.json").write_text(deep(10_000))
    with caplog.at_level(logging.ERROR):
        library = Library(None, cache)
    assert "rain" in library.names()
    assert len(set_aside(cache, "loudness.json")) == 1
    one_line_naming(caplog, cache / "loudness.json", "nested deeper")


def test_deep_calibration_file_is_set_aside(tmp_path: Path) -> None:
    from device.hardware.lamp.calibrate import CALIBRATION_FILE

    (tmp_path / CALIBRATION_FILE).write_text(deep(10_000))
    wiring._note_calibration(default_config(), tmp_path)
    assert len(set_aside(tmp_path, CALIBRATION_FILE)) == 1


def test_deep_discovery_record_still_lets_home_assistant_see_the_device(broker: Broker, tmp_path: Path) -> None:
    (tmp_path / RECORD_FILE).write_text(deep(10_000))
    watcher = Watcher(broker)
    try:
        with running_device(device_config(broker, tmp_path)):
            watcher.wait_for(lambda m: m.topic.startswith("homeassistant/") and m.topic.endswith("/config"))
    finally:
        watcher.close()
    assert len(set_aside(tmp_path, RECORD_FILE)) == 1
    assert Published.from_dict(json.loads((tmp_path / RECORD_FILE).read_text())).components  # written afresh


def test_the_daemon_starts_with_every_state_file_nested_10000_deep(tmp_path: Path, sound_cache: Path) -> None:
    state = tmp_path / "state"
    (state / "cache").mkdir(parents=True)
    for cached in sound_cache.iterdir():
        (state / "cache" / cached.name).write_bytes(cached.read_bytes())
    files = ["settings.json", "session.json", RECORD_FILE, "cache/loudness.json"]
    for name in files:
        (state / name).write_text(deep(10_000))
    config = tmp_path / "hushlight.toml"
    config.write_text('[device]\nid = "deep"\n[mqtt]\nenabled = false\n[routine]\nenabled = false\n')
    daemon = DaemonProcess(config, state)
    try:
        daemon.wait_for("hushlight ready")
        assert daemon.stop(signal.SIGTERM, timeout=30) == 0
    finally:
        daemon.kill()
    log = "\n".join(daemon.lines)
    assert "Traceback" not in log and "running without sound" not in log
    for name in ("settings.json", "session.json", "cache/loudness.json"):
        path = state / name
        assert len(set_aside(path.parent, path.name)) == 1, name
        assert sum(f"state file {path} is corrupt" in line for line in daemon.lines) == 1


# -- property tests: any bytes in any state file ----------------------------------------------------


@given(json_file_bytes(SETTINGS_KEYS))
def test_any_settings_file_gives_settings_in_range(tmp_path_factory: pytest.TempPathFactory, raw: bytes) -> None:
    folder = tmp_path_factory.mktemp("settings")
    (folder / "settings.json").write_bytes(raw)
    config = parse_config("[sounds]\nmax_volume = 70\n")
    settings, _ = load_settings(config, folder)
    assert math.isfinite(settings.volume) and 0.0 <= settings.volume <= 70.0
    routine = config.routine
    assert routine.min_session_minutes <= settings.session_minutes <= routine.max_session_minutes
    assert all(isinstance(v, str) for v in (settings.trigger, settings.last_trigger, settings.skip_night))
    for table in (settings.night_sleep, settings.day_sleep, settings.day_wake):
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in table.items())
    assert all(isinstance(d, str) for d in settings.dates_off)
    json.dumps(settings.to_dict(), allow_nan=False)  # it can be saved again
    kept = (folder / "settings.json").exists()
    assert kept or len(set_aside(folder, "settings.json")) == 1


@given(json_file_bytes(SESSION_KEYS))
def test_any_session_file_is_a_valid_record_or_none(tmp_path_factory: pytest.TempPathFactory, raw: bytes) -> None:
    folder = tmp_path_factory.mktemp("session")
    (folder / "session.json").write_bytes(raw)
    stored, _ = load_session(folder)
    if stored is None:
        assert not (folder / "session.json").exists()
    else:
        record = SessionRecord.from_dict(stored)
        assert all(math.isfinite(v) for v in (record.started_at, record.ends_at, record.volume))


@given(json_file_bytes(["mode", "components", "removed"]))
def test_any_discovery_record_is_read_or_set_aside(tmp_path_factory: pytest.TempPathFactory, raw: bytes) -> None:
    folder = tmp_path_factory.mktemp("record")
    (folder / RECORD_FILE).write_bytes(raw)
    published = Published.from_dict(JsonStateFile(folder / RECORD_FILE, check=check_published_record).load())
    assert isinstance(published.mode, str) and all(isinstance(v, str) for v in published.components.values())


@given(json_file_bytes(["/music/a.wav|1|2", "lufs", "error"]))
def test_any_loudness_cache_leaves_the_built_ins(tmp_path_factory: pytest.TempPathFactory, raw: bytes) -> None:
    cache = tmp_path_factory.mktemp("cache")
    (cache / "loudness.json").write_bytes(raw)
    library = Library(None, cache)
    assert set(synth.BUILTINS) <= set(library.names())
