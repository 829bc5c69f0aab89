"""Run-time wake times (``day_wake``): the sunrise moves, "off" removes it, kept across a restart, bad values refused."""

from __future__ import annotations

import datetime as dt
import json
import logging
import zoneinfo

import pytest

from device.cli.plan import plan_lines
from device.core import effects as fx
from device.core.schedule import Overrides, Schedule, clean_overrides
from device.core.state import Settings
from device.persist import JsonStateFile
from device.runtime.daemon import load_settings
from tests.support.nights import Nights, config

WAKE = '[routine]\nwake = "06:30"\nmorning_level = 55.0\n'


def sunrises(nights: Nights) -> list[str]:
    return [nights.local(t) for t, _ in nights.events("sunrise_started")]


def test_a_wake_change_moves_the_next_sunrise_and_the_lamp_follows_it():
    nights = Nights(config(WAKE), "2026-11-24 12:00")  # Tuesday
    assert nights.ctl.state.routine.next_sunrise.startswith("2026-11-25T06:10")
    effects = nights.command("day_wake", {"day": "wednesday", "wake": "07:15"})
    assert any(isinstance(e, fx.PersistSettings) for e in effects)
    assert nights.ctl.state.routine.next_sunrise.startswith("2026-11-25T06:55")
    nights.run_until("2026-11-25 08:00")
    assert sunrises(nights) == ["2026-11-25 06:55:00"]
    assert nights.lamp.level(nights.at("2026-11-25 06:54")) == 0.0  # nothing at the file's 06:10
    assert nights.lamp.level(nights.at("2026-11-25 07:15")) == pytest.approx(55.0)
    assert nights.ctl.state.routine.next_sunrise.startswith("2026-11-26T06:10")  # Thursday: the file's time


def test_off_removes_the_sunrise_and_null_brings_back_the_files_time():
    nights = Nights(config(WAKE), "2026-11-24 12:00")
    nights.command("day_wake", {"day": "wednesday", "wake": "off"})
    assert nights.ctl.state.routine.next_sunrise.startswith("2026-11-26T06:10")
    nights.run_until("2026-11-26 08:00")
    assert sunrises(nights) == ["2026-11-26 06:10:00"]
    assert nights.lamp.level(nights.at("2026-11-25 06:30")) == 0.0
    nights.command("day_wake", {"day": "wednesday", "wake": None})
    assert nights.ctl.state.settings.day_wake == {}
    nights.run_until("2026-12-03 08:00")
    assert "2026-12-02 06:10:00" in sunrises(nights)


def test_a_wake_time_for_a_day_the_file_leaves_without_one_adds_a_sunrise():
    nights = Nights(config(), "2026-11-29 12:00")  # Sunday; no wake time in the file
    assert nights.ctl.state.routine.next_sunrise == ""
    nights.command("day_wake", {"day": "MONDAY", "wake": "05:45"})
    assert nights.ctl.state.settings.day_wake == {"monday": "05:45"}
    nights.run_until("2026-12-08 12:00")
    assert sunrises(nights) == ["2026-11-30 05:25:00", "2026-12-07 05:25:00"]


def test_a_date_off_still_has_no_sunrise_whatever_the_wake_time():
    nights = Nights(config(WAKE), "2026-11-24 12:00")
    nights.command("day_wake", {"day": "wednesday", "wake": "07:00"})
    nights.command("dates_off", ["2026-11-25"])
    assert nights.ctl.state.routine.next_sunrise.startswith("2026-11-26T06:10")


@pytest.mark.parametrize(
    "bad",
    [
        {"day": "funday", "wake": "07:00"},
        {"wake": "07:00"},
        "monday",
        None,
        ["monday", "07:00"],
        {"day": "monday", "wake": "7:00"},
        {"day": "monday", "wake": "24:00"},
        {"day": "monday", "wake": 700},
        {"day": "monday", "wake": True},
        {"day": "monday", "sleep": "07:00"},  # the wrong action's key
        {"day": "monday", "wake": "07:00", "extra": 1},
    ],
)
def test_bad_wake_values_are_refused_with_the_reason_and_change_nothing(bad):
    nights = Nights(config(WAKE), "2026-11-24 12:00")
    planned = nights.ctl.state.routine.next_sunrise
    effects = nights.command("day_wake", bad)
    assert [type(e) for e in effects] == [fx.RejectCommand]
    assert effects[0].action == "day_wake" and effects[0].reason
    assert nights.ctl.state.settings.day_wake == {} and nights.ctl.state.routine.next_sunrise == planned


def test_the_wake_change_is_persisted_survives_a_restart_and_shows_in_the_snapshot_and_plan(tmp_path):
    cfg = config(WAKE)
    nights = Nights(cfg, "2026-11-24 12:00")
    effects = nights.command("day_wake", {"day": "thursday", "wake": "08:00"})
    stored = [e.settings for e in effects if isinstance(e, fx.PersistSettings)]
    assert stored[-1]["day_wake"] == {"thursday": "08:00"}
    assert nights.ctl.state.snapshot(nights.now)["settings"]["day_wake"] == {"thursday": "08:00"}
    JsonStateFile(tmp_path / "settings.json").save(stored[-1])  # what the worker does with the effect

    settings, _ = load_settings(cfg, tmp_path)
    assert settings.day_wake == {"thursday": "08:00"}
    again = Nights(cfg, "2026-11-25 12:00", settings=settings)
    assert again.ctl.state.routine.next_sunrise.startswith("2026-11-26T07:40")
    tz = zoneinfo.ZoneInfo("Europe/Berlin")
    lines = plan_lines(Schedule(cfg.routine, tz, Overrides.from_settings(settings)), again.now, 2)
    assert lines[1].split()[-1] == "07:40-08:00"  # Wednesday night, Thursday morning


def test_bad_stored_wake_times_are_dropped_on_load_with_the_reason(tmp_path, caplog):
    stored = {"day_wake": {"monday": "06:00", "tuesday": "26:00", "funday": "07:00", "friday": ""}}
    (tmp_path / "settings.json").write_text(json.dumps(stored))
    with caplog.at_level(logging.ERROR):
        settings, _ = load_settings(config(WAKE), tmp_path)
    assert settings.day_wake == {"monday": "06:00"}
    assert "day_wake['tuesday']" in caplog.text and "day_wake['funday']" in caplog.text
    (tmp_path / "settings.json").write_text(json.dumps({"day_wake": ["monday"]}))
    settings, _ = load_settings(config(WAKE), tmp_path)
    assert settings.day_wake == {}


def test_the_schedule_takes_the_run_time_wake_before_the_files():
    cfg = config('[routine]\nwake = "06:30"\n[routine.saturday]\nwake = "09:00"\n[routine.sunday]\nwake = "off"\n')
    tz = zoneinfo.ZoneInfo("Europe/Berlin")
    sched = Schedule(cfg.routine, tz, Overrides(day_wake={"saturday": "08:00", "sunday": "10:00", "monday": "off"}))
    saturday, sunday, monday, tuesday = (dt.date(2026, 11, 28) + dt.timedelta(days=n) for n in range(4))
    assert [str(sched.wake_time(d)) for d in (saturday, sunday, monday, tuesday)] == ["08:00", "10:00", "off", "06:30"]


def test_clean_overrides_normalises_wake_times():
    settings = Settings(day_wake={"monday": "OFF", "tuesday": "7:00"})
    problems = clean_overrides(settings)
    assert settings.day_wake == {"monday": "off"} and len(problems) == 1 and "tuesday" in problems[0]
