"""The routine in the real daemon on the faster clock: a whole evening and morning, and a SIGKILL mid-session."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.support.routine_daemon import Daemon, epoch, write_config

SPEED = 3000  # a whole evening and morning in about 11 s
KILL_SPEED = 600
EXACT = 1.0  # device seconds, where the core computes an instant (a session's end, a fade's end)


def late(speed: float) -> float:
    """Device seconds a timer may fire late: 0.2 s of real delay on a loaded machine (loading a sound, a busy core)."""
    return 0.2 * speed


@pytest.fixture(scope="module")
def sound_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built-in triggers rendered once for these tests.

    A daemon renders a trigger the first time it plays it, inside its worker: a second
    of real time is ten device minutes at 600x, which would push every deadline.
    """
    from device.audio import synth

    cache = tmp_path_factory.mktemp("sound-cache")
    for name in synth.BUILTINS:
        synth.cached_wav(name, cache)
    return cache


def state_dir(tmp_path: Path, cache: Path) -> Path:
    state = tmp_path / "state"
    state.mkdir()
    (state / "cache").symlink_to(cache, target_is_directory=True)
    return state


def assert_state_files_intact(state_dir) -> dict:
    """Every state file parses as a JSON object; returns the stored session."""
    stored = {}
    for path in state_dir.glob("*.json"):
        data = json.loads(path.read_text())
        assert isinstance(data, dict), path
        stored[path.name] = data
    assert not list(state_dir.glob("*.corrupt-*"))
    return stored["session.json"]


def test_sigkill_mid_session_then_restart_resumes_with_the_remaining_time(tmp_path, sound_cache):
    config = write_config(tmp_path)
    state = state_dir(tmp_path, sound_cache)
    first = Daemon(config, state, "2026-11-24 21:28", speed=KILL_SPEED)
    try:
        started = first.wait_for("session_started")[0]
        assert abs(started.t - epoch("2026-11-24 21:30")) < late(KILL_SPEED)
        first.wait_for_effect("SetVolume")  # the volume easing has begun: well inside the session
    finally:
        first.kill()
    assert first.proc.returncode == -9
    session = assert_state_files_intact(state)
    assert session["active"] is True and session["ends_at"] == epoch("2026-11-24 22:00")

    second = Daemon(config, state, "2026-11-24 21:45", speed=KILL_SPEED)  # back after a few minutes without power
    try:
        resumed = second.wait_for("session_resumed")[0]
        assert resumed.data["ends_at"] == "2026-11-24T22:00:00+01:00"
        assert abs(resumed.t + resumed.data["remaining"] - epoch("2026-11-24 22:00")) < 2
        assert 15 * 60 - late(KILL_SPEED) < resumed.data["remaining"] <= 15 * 60
        fades = second.lamp_fades()
        assert fades[0].duration == 10.0 and fades[0].curve == "ease" and fades[0].level < 35.0  # from off, gently
        ended = second.wait_for("session_ended")[0]
        assert ended.data["reason"] == "time_limit"
        assert abs(ended.t - epoch("2026-11-24 22:00")) < late(KILL_SPEED)
        assert second.events("session_started") == []  # resumed, not started again
    finally:
        assert second.stop() == 0
    session = assert_state_files_intact(state)
    assert session["active"] is False and session["routine_night"] == "2026-11-24"


@pytest.mark.slow
def test_a_whole_evening_and_morning_on_the_faster_clock(tmp_path, sound_cache):
    extra = '[routine]\nallnight = true\nwake = "06:30"\nmorning_hold_minutes = 5\n'
    config = write_config(tmp_path, extra)
    state = state_dir(tmp_path, sound_cache)
    daemon = Daemon(config, state, "2026-11-24 21:20", speed=SPEED)
    try:
        daemon.wait_for("sunrise_started", timeout=60)
        deadline = time.monotonic() + 10
        while not [f for f in daemon.lamp_fades() if f.t > epoch("2026-11-25 06:30")] and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        assert daemon.stop() == 0
    started, ended = daemon.events("session_started"), daemon.events("session_ended")
    assert len(started) == 1 and len(ended) == 1
    assert started[0].data["source"] == "schedule" and started[0].data["ends_at"] == "2026-11-24T22:00:00+01:00"
    assert abs(started[0].t - epoch("2026-11-24 21:30")) < late(SPEED)
    assert abs(ended[0].t - epoch("2026-11-24 22:00")) < late(SPEED) and ended[0].data["reason"] == "time_limit"
    fades = daemon.lamp_fades()
    evening, sunset, sunrise, morning_off = fades[0], fades[1], fades[2], fades[3]
    assert (evening.level, evening.curve) == (35.0, "ease")
    assert (sunset.level, sunset.curve) == (0.0, "sunset")
    assert abs(sunset.t + sunset.duration - epoch("2026-11-24 22:00")) < EXACT  # night level at the end
    assert (sunrise.level, sunrise.curve) == (60.0, "linear")
    assert abs(sunrise.t - epoch("2026-11-25 06:10")) < late(SPEED)
    assert abs(sunrise.t + sunrise.duration - epoch("2026-11-25 06:30")) < EXACT
    assert (morning_off.level, morning_off.curve) == (0.0, "ease")
    assert abs(morning_off.t - epoch("2026-11-25 06:35")) < late(SPEED)
    night_sound = daemon.events("allnight_started")
    assert len(night_sound) == 1 and abs(night_sound[0].t - epoch("2026-11-24 22:00")) < late(SPEED)
    assert any(abs(t - epoch("2026-11-25 05:00")) < late(SPEED) for t in daemon.effects("FadeOutSound"))


def test_a_corrupt_session_file_is_set_aside_and_bad_overrides_dropped(tmp_path, caplog):
    from device.config import default_config
    from device.runtime.daemon import load_session, load_settings

    (tmp_path / "session.json").write_text('{"version": 1, "active": true, "started_at": "soon"}')
    (tmp_path / "settings.json").write_text(json.dumps({"day_sleep": {"monday": "25:00"}, "dates_off": "xmas"}))
    stored, _ = load_session(tmp_path)
    assert stored is None and len(list(tmp_path.glob("session.json.corrupt-*"))) == 1
    settings, _ = load_settings(default_config(), tmp_path)
    assert settings.day_sleep == {} and settings.dates_off == []
    assert "day_sleep['monday']" in caplog.text and "dates_off: expected list" in caplog.text


def test_the_real_daemon_refuses_the_faster_clock(tmp_path, capsys):
    from device.cli import main

    config = write_config(tmp_path)
    assert main(["run", "--speed", "60", "--config", str(config), "--state-dir", str(tmp_path)]) == 2
    assert main(["run", "--start", "2026-11-24 22:00", "--config", str(config), "--state-dir", str(tmp_path)]) == 2
    assert "for --simulate only" in capsys.readouterr().err
