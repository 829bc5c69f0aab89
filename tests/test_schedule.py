"""The weekly plan, pure: sleep times, after-midnight nights, DST, overrides, wake times."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from device.core.schedule import Overrides, Schedule, clean_overrides, parse_date, parse_sleep
from device.core.state import Settings
from tests.support.nights import config

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


def at(local: str, tz: dt.tzinfo = BERLIN) -> float:
    return dt.datetime.fromisoformat(local).replace(tzinfo=tz).timestamp()


def local(instant: float, tz: dt.tzinfo = BERLIN) -> str:
    return dt.datetime.fromtimestamp(instant, tz).strftime("%Y-%m-%d %H:%M")


def schedule(toml: str = "", tz: dt.tzinfo = BERLIN, **overrides: object) -> Schedule:
    cfg = config(toml, str(tz))
    return Schedule(cfg.routine, tz, Overrides(**overrides))  # type: ignore[arg-type]


def winddowns(sched: Schedule, start: str, days: int, tz: dt.tzinfo = BERLIN) -> list[tuple[str, str, str]]:
    """(night, local wind-down, local session end) for every wind-down from start on, as the routine takes them."""
    now, done, out = at(start, tz), "", []
    end = now + days * 86400
    while (night := sched.next_night(now, after=done)) is not None and night.winddown_at < end:
        out.append((night.night.isoformat(), local(night.winddown_at, tz), local(night.ends_at, tz)))
        done, now = night.night.isoformat(), night.winddown_at
    return out


def test_default_week_starts_every_night_ninety_minutes_before_sleep():
    nights = winddowns(schedule(), "2026-11-23 12:00", 7)
    assert [n[0] for n in nights] == [f"2026-11-{d}" for d in range(23, 30)]
    assert all(n[1].endswith("21:30") and n[2].endswith("22:00") for n in nights)


def test_per_day_sleep_after_midnight_belongs_to_the_evening_before():
    sched = schedule('[routine.friday]\nsleep = "00:30"\n[routine.saturday]\nsleep = "off"\n')
    nights = dict((n, (w, e)) for n, w, e in winddowns(sched, "2026-11-23 12:00", 7))
    assert nights["2026-11-27"] == ("2026-11-27 23:00", "2026-11-27 23:30")  # Friday night, sleep Sat 00:30
    assert "2026-11-28" not in nights  # Saturday off
    assert nights["2026-11-29"] == ("2026-11-29 21:30", "2026-11-29 22:00")
    assert str(sched.sleep_time(dt.date(2026, 11, 27))) == "00:30"


@pytest.mark.parametrize(
    ("tz", "start", "dst_night"),
    [
        (BERLIN, "2026-03-25 12:00", "2026-03-28"),  # spring forward Sunday 29 March 02:00 -> 03:00
        (BERLIN, "2026-10-21 12:00", "2026-10-24"),  # fall back Sunday 25 October 03:00 -> 02:00
        (NEW_YORK, "2026-03-04 12:00", "2026-03-07"),  # spring forward Sunday 8 March
        (NEW_YORK, "2026-10-28 12:00", "2026-10-31"),  # fall back Sunday 1 November
    ],
)
def test_dst_weeks_neither_skip_nor_double(tz, start, dst_night):
    sched = schedule(tz=tz)
    nights = winddowns(sched, start, 7, tz)
    assert len(nights) == 7 and len({n[0] for n in nights}) == 7
    assert all(n[1].endswith("21:30") and n[2].endswith("22:00") for n in nights)
    assert dst_night in {n[0] for n in nights}


@pytest.mark.parametrize("tz", [BERLIN, NEW_YORK])
def test_sleep_time_inside_the_spring_gap_is_read_an_hour_later_and_the_session_keeps_its_length(tz):
    spring = {BERLIN: dt.date(2026, 3, 28), NEW_YORK: dt.date(2026, 3, 7)}[tz]
    sched = schedule('[routine]\nsleep = "02:30"\n', tz)
    night = sched.plan(spring)
    assert night is not None
    assert local(night.sleep_at, tz).endswith("03:30")  # 02:30 does not exist that night
    assert night.ends_at - night.winddown_at == 30 * 60
    assert night.sleep_at - night.ends_at == 60 * 60
    # the night before and after are as usual
    before, after = sched.plan(spring - dt.timedelta(days=1)), sched.plan(spring + dt.timedelta(days=1))
    assert before is not None and local(before.sleep_at, tz).endswith("02:30")
    assert after is not None and local(after.sleep_at, tz).endswith("02:30")


def test_sleep_time_repeated_in_autumn_means_its_first_occurrence():
    sched = schedule('[routine]\nsleep = "02:30"\n')
    night = sched.plan(dt.date(2026, 10, 24))
    assert night is not None
    assert dt.datetime.fromtimestamp(night.sleep_at, BERLIN).utcoffset() == dt.timedelta(hours=2)
    nights = winddowns(sched, "2026-10-22 12:00", 5)
    assert [n[0] for n in nights] == ["2026-10-22", "2026-10-23", "2026-10-24", "2026-10-25", "2026-10-26"]


def test_overrides_in_order_tonight_then_day_then_config():
    sched = schedule(
        '[routine.wednesday]\nsleep = "22:00"\n',
        night_sleep={"2026-11-25": "23:30"},
        day_sleep={"wednesday": "00:15", "thursday": "off"},
    )
    assert str(sched.sleep_time(dt.date(2026, 11, 25))) == "23:30"  # tonight's beats everything
    assert str(sched.sleep_time(dt.date(2026, 12, 2))) == "00:15"  # run-time day change beats the file
    assert sched.plan(dt.date(2026, 11, 26)) is None  # thursday off at run time
    assert str(sched.sleep_time(dt.date(2026, 11, 27))) == "23:00"


def test_skip_dates_off_and_disabled():
    sched = schedule(
        "[routine]\ndates_off = [2026-12-24]\n", skip_night="2026-11-25", dates_off=frozenset({"2026-12-31"})
    )
    assert sched.plan(dt.date(2026, 11, 25)) is None and sched.skipped(dt.date(2026, 11, 25))
    assert sched.plan(dt.date(2026, 11, 26)) is not None
    assert sched.plan(dt.date(2026, 12, 24)) is None and sched.plan(dt.date(2026, 12, 31)) is None
    assert schedule(enabled=False).next_night(at("2026-11-25 12:00")) is None


def test_tonight_rolls_over_at_the_start_of_the_morning_window():
    sched = schedule()
    assert sched.night_of(at("2026-11-25 02:00")) == dt.date(2026, 11, 24)
    assert sched.night_of(at("2026-11-25 04:59")) == dt.date(2026, 11, 24)
    assert sched.night_of(at("2026-11-25 05:00")) == dt.date(2026, 11, 25)


def test_late_grace_returns_a_wind_down_that_is_a_little_late():
    sched = schedule()
    now = at("2026-11-25 21:40")
    assert local(sched.next_night(now).winddown_at) == "2026-11-26 21:30"
    assert local(sched.next_night(now, late=15 * 60).winddown_at) == "2026-11-25 21:30"
    assert local(sched.next_night(now, late=15 * 60, after="2026-11-25").winddown_at) == "2026-11-26 21:30"


def test_session_length_per_day_and_from_settings():
    sched = schedule("[routine.sunday]\nsession_minutes = 45\n", session_minutes=20)
    sunday, monday = sched.plan(dt.date(2026, 11, 29)), sched.plan(dt.date(2026, 11, 30))
    assert sunday is not None and monday is not None
    assert (sunday.ends_at - sunday.winddown_at, monday.ends_at - monday.winddown_at) == (45 * 60, 20 * 60)
    assert local(monday.winddown_at) == "2026-11-30 21:40"


def test_wake_times_per_day_and_dates_off():
    sched = schedule('[routine]\nwake = "06:30"\ndates_off = [2026-11-28]\n[routine.sunday]\nwake = "off"\n')
    wakes = []
    now = at("2026-11-25 12:00")
    while (wake := sched.next_wake(now)) is not None and wake.wake_at < at("2026-12-01 12:00"):
        wakes.append((local(wake.sunrise_at), local(wake.wake_at)))
        now = wake.wake_at
    assert wakes == [
        ("2026-11-26 06:10", "2026-11-26 06:30"),
        ("2026-11-27 06:10", "2026-11-27 06:30"),
        ("2026-11-30 06:10", "2026-11-30 06:30"),  # 28th off, Sunday off
        ("2026-12-01 06:10", "2026-12-01 06:30"),
    ]


def test_parsers_reject_bad_values_with_the_reason():
    assert parse_sleep("off") == "off" and parse_sleep("07:05") == "07:05" and parse_sleep(None) is None
    for bad in ("25:00", "7:05", 700, "later"):
        with pytest.raises(ValueError, match="HH:MM"):
            parse_sleep(bad)
    assert parse_date("2026-12-24") == "2026-12-24"
    for bad in ("2026-13-01", "24.12.2026", 20261224):
        with pytest.raises(ValueError, match="date"):
            parse_date(bad)


def test_clean_overrides_drops_what_does_not_parse():
    settings = Settings(
        skip_night="yesterday",
        night_sleep={"2026-11-25": "23:30", "bad-date": "23:00"},
        day_sleep={"monday": "22:00", "funday": "22:00", "tuesday": "26:00"},
        dates_off=["2026-12-24", "2026-12-24", "xmas"],
    )
    problems = clean_overrides(settings)
    assert len(problems) == 5
    assert settings.skip_night == ""
    assert settings.night_sleep == {"2026-11-25": "23:30"}
    assert settings.day_sleep == {"monday": "22:00"}
    assert settings.dates_off == ["2026-12-24"]


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[routine]\nmorning_level = 90.0\n[lamp]\nmax_level = 80.0\n", "routine.morning_level"),
        ("[routine]\nallnight_volume = 90.0\n", "routine.allnight_volume"),
        ("[routine]\nwake_volume = 81.0\n", "routine.wake_volume"),
        ('[routine]\ndates_off = ["2026-02-30"]\n', "routine.dates_off"),
        ("[routine]\nend_volume = 1.5\n", "routine.end_volume"),
    ],
)
def test_routine_config_errors_name_the_key(toml, key):
    from device.errors import ConfigError

    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        config(toml)
