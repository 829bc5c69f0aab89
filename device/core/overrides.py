"""The routine's run-time changes, as controller actions (from the hub, the simulator or the CLI).

``skip_tonight`` (bool), ``tonight_sleep`` ("HH:MM" | "off" | null to clear),
``day_sleep`` ({"day": "monday", "sleep": "HH:MM" | "off" | null}),
``day_wake`` ({"day": "monday", "wake": "HH:MM" | "off" | null}: the sunrise's wake time),
``dates_off`` (list of "YYYY-MM-DD", replaces the run-time list),
``ends_before`` and ``sunrise_minutes`` (whole minutes, null = the file's) and
``routine`` (bool). Each is checked here; a bad value is rejected with the
reason and changes nothing. Accepted changes are persisted with the settings
and take effect at once (the timers are planned again). A running session is
never touched by them: stop it if you want it gone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from device.config.types import ClockTime
from device.core import effects as fx
from device.core.schedule import night_of, parse_date, parse_sleep, parse_weekday
from device.core.state import Settings

Effects = list[fx.Effect]
Override = Callable[[Settings, dt.tzinfo, ClockTime, Any, float], Effects]

MAX_DATES_OFF = 366
MAX_ENDS_BEFORE = 24 * 60  # the config's ranges for ends_before_sleep_minutes and sunrise_minutes
MAX_SUNRISE = 120
KEEP_PAST_NIGHTS = 2  # one-off sleep times older than this many nights are dropped when a new one is set


def accepted(settings: Settings) -> Effects:
    """What an accepted change leads to here; the flow (:func:`device.core.flows.override`) has the routine plan again."""
    return [fx.PersistSettings(settings.to_dict())]


def skip_tonight(settings: Settings, tz: dt.tzinfo, morning_start: ClockTime, value: Any, now: float) -> Effects:
    if not isinstance(value, bool):
        return [fx.RejectCommand("skip_tonight", f"expected true or false, not {value!r}")]
    night = night_of(now, tz, morning_start).isoformat()
    if value:
        settings.skip_night = night
    elif settings.skip_night == night:
        settings.skip_night = ""
    return accepted(settings)


def tonight_sleep(settings: Settings, tz: dt.tzinfo, morning_start: ClockTime, value: Any, now: float) -> Effects:
    try:
        sleep = parse_sleep(value)
    except ValueError as exc:
        return [fx.RejectCommand("tonight_sleep", str(exc))]
    night = night_of(now, tz, morning_start)
    oldest = (night - dt.timedelta(days=KEEP_PAST_NIGHTS)).isoformat()
    table = {k: v for k, v in settings.night_sleep.items() if k >= oldest}
    if sleep is None:
        table.pop(night.isoformat(), None)
    else:
        table[night.isoformat()] = sleep
    settings.night_sleep = table
    return accepted(settings)


def day_sleep(settings: Settings, tz: dt.tzinfo, morning_start: ClockTime, value: Any, now: float) -> Effects:
    return _day_time(settings, value, "day_sleep", "sleep")


def day_wake(settings: Settings, tz: dt.tzinfo, morning_start: ClockTime, value: Any, now: float) -> Effects:
    return _day_time(settings, value, "day_wake", "wake")


def _day_time(settings: Settings, value: Any, action: str, key: str) -> Effects:
    """A weekday's sleep or wake time from now on; null = back to the file."""
    if not isinstance(value, dict) or set(value) - {"day", key} or "day" not in value:
        return [fx.RejectCommand(action, f'expected {{"day": "monday", "{key}": "HH:MM"}}, not {value!r}')]
    try:
        day = parse_weekday(value["day"])
        time = parse_sleep(value.get(key))
    except ValueError as exc:
        return [fx.RejectCommand(action, str(exc))]
    table: dict[str, str] = getattr(settings, action)
    if time is None:
        table.pop(day, None)
    else:
        table[day] = time
    return accepted(settings)


def dates_off(settings: Settings, tz: dt.tzinfo, morning_start: ClockTime, value: Any, now: float) -> Effects:
    if not isinstance(value, list) or len(value) > MAX_DATES_OFF:
        return [fx.RejectCommand("dates_off", f"expected a list of up to {MAX_DATES_OFF} dates, not {value!r}")]
    try:
        dates = sorted({parse_date(item) for item in value})
    except ValueError as exc:
        return [fx.RejectCommand("dates_off", str(exc))]
    settings.dates_off = dates
    return accepted(settings)


def enabled(settings: Settings, tz: dt.tzinfo, morning_start: ClockTime, value: Any, now: float) -> Effects:
    if not isinstance(value, bool):
        return [fx.RejectCommand("routine", f"expected true or false, not {value!r}")]
    settings.routine_enabled = value
    return accepted(settings)


def _minutes(key: str, low: int, high: int) -> Override:
    """A whole number of minutes in ``low..high`` for the setting ``key``; null = back to the config file's."""

    def change(settings: Settings, tz: dt.tzinfo, morning_start: ClockTime, value: Any, now: float) -> Effects:
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high):
            return [fx.RejectCommand(key, f"expected whole minutes in {low}..{high} (or null), not {value!r}")]
        setattr(settings, key, -1 if value is None else value)
        return accepted(settings)

    return change


OVERRIDES: dict[str, Override] = {
    "skip_tonight": skip_tonight,
    "tonight_sleep": tonight_sleep,
    "day_sleep": day_sleep,
    "day_wake": day_wake,
    "dates_off": dates_off,
    "routine": enabled,
    "ends_before": _minutes("ends_before_minutes", 0, MAX_ENDS_BEFORE),
    "sunrise_minutes": _minutes("sunrise_minutes", 1, MAX_SUNRISE),
}
"""The routine's run-time changes by action name."""
