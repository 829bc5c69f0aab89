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

from device.core import effects as fx
from device.core.routine import Routine
from device.core.schedule import parse_date, parse_sleep, parse_weekday
from device.core.state import Settings

Effects = list[fx.Effect]
Handler = Callable[[float, Any, str], Effects]

MAX_DATES_OFF = 366
MAX_ENDS_BEFORE = 24 * 60  # the config's ranges for ends_before_sleep_minutes and sunrise_minutes
MAX_SUNRISE = 120
KEEP_PAST_NIGHTS = 2  # one-off sleep times older than this many nights are dropped when a new one is set


def routine_actions(routine: Routine) -> dict[str, Handler]:
    """The routine's actions by name, for :attr:`Controller._actions`."""
    actions = RoutineActions(routine)
    return {
        "skip_tonight": actions.skip_tonight,
        "tonight_sleep": actions.tonight_sleep,
        "day_sleep": actions.day_sleep,
        "day_wake": actions.day_wake,
        "dates_off": actions.dates_off,
        "routine": actions.enabled,
        "ends_before": lambda now, value, source: actions.minutes(
            now, value, "ends_before_minutes", 0, MAX_ENDS_BEFORE
        ),
        "sunrise_minutes": lambda now, value, source: actions.minutes(now, value, "sunrise_minutes", 1, MAX_SUNRISE),
    }


class RoutineActions:
    def __init__(self, routine: Routine) -> None:
        self.routine = routine

    @property
    def settings(self) -> Settings:
        return self.routine.ctl.state.settings

    def _changed(self, now: float) -> Effects:
        return [fx.PersistSettings(self.settings.to_dict()), *self.routine.replan(now)]

    def skip_tonight(self, now: float, value: Any, source: str) -> Effects:
        if not isinstance(value, bool):
            return [fx.RejectCommand("skip_tonight", f"expected true or false, not {value!r}")]
        night = self.routine.schedule().night_of(now).isoformat()
        if value:
            self.settings.skip_night = night
        elif self.settings.skip_night == night:
            self.settings.skip_night = ""
        return self._changed(now)

    def tonight_sleep(self, now: float, value: Any, source: str) -> Effects:
        try:
            sleep = parse_sleep(value)
        except ValueError as exc:
            return [fx.RejectCommand("tonight_sleep", str(exc))]
        night = self.routine.schedule().night_of(now)
        oldest = (night - dt.timedelta(days=KEEP_PAST_NIGHTS)).isoformat()
        table = {k: v for k, v in self.settings.night_sleep.items() if k >= oldest}
        if sleep is None:
            table.pop(night.isoformat(), None)
        else:
            table[night.isoformat()] = sleep
        self.settings.night_sleep = table
        return self._changed(now)

    def day_sleep(self, now: float, value: Any, source: str) -> Effects:
        return self._day_time(now, value, "day_sleep", "sleep")

    def day_wake(self, now: float, value: Any, source: str) -> Effects:
        return self._day_time(now, value, "day_wake", "wake")

    def _day_time(self, now: float, value: Any, action: str, key: str) -> Effects:
        """A weekday's sleep or wake time from now on; null = back to the file."""
        if not isinstance(value, dict) or set(value) - {"day", key} or "day" not in value:
            return [fx.RejectCommand(action, f'expected {{"day": "monday", "{key}": "HH:MM"}}, not {value!r}')]
        try:
            day = parse_weekday(value["day"])
            time = parse_sleep(value.get(key))
        except ValueError as exc:
            return [fx.RejectCommand(action, str(exc))]
        table: dict[str, str] = getattr(self.settings, action)
        if time is None:
            table.pop(day, None)
        else:
            table[day] = time
        return self._changed(now)

    def dates_off(self, now: float, value: Any, source: str) -> Effects:
        if not isinstance(value, list) or len(value) > MAX_DATES_OFF:
            return [fx.RejectCommand("dates_off", f"expected a list of up to {MAX_DATES_OFF} dates, not {value!r}")]
        try:
            dates = sorted({parse_date(item) for item in value})
        except ValueError as exc:
            return [fx.RejectCommand("dates_off", str(exc))]
        self.settings.dates_off = dates
        return self._changed(now)

    def minutes(self, now: float, value: Any, key: str, low: int, high: int) -> Effects:
        """A whole number of minutes in ``low..high`` for ``key``; null = back to the config file's."""
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high):
            return [fx.RejectCommand(key, f"expected whole minutes in {low}..{high} (or null), not {value!r}")]
        setattr(self.settings, key, -1 if value is None else value)
        return self._changed(now)

    def enabled(self, now: float, value: Any, source: str) -> Effects:
        if not isinstance(value, bool):
            return [fx.RejectCommand("routine", f"expected true or false, not {value!r}")]
        self.settings.routine_enabled = value
        return self._changed(now)
