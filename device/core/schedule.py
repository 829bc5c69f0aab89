"""The weekly plan: when a night's wind-down starts, when you mean to sleep, when to wake.

Pure: the routine config, the run-time overrides, a time zone and a time go in;
instants (seconds since the epoch) come out. No clock is read here.

Rules:
- A night is named by the date of its evening. A sleep time before noon belongs
  to the evening before: Friday's ``"00:30"`` is Saturday 00:30.
- Which sleep time a night has, first match wins: that night's own override
  ("tonight's sleep time"), the run-time change for its weekday, the weekday's
  ``[routine.<day>] sleep``, ``[routine] sleep``. "Skip tonight", a date off
  (config or hub) or ``"off"`` mean no wind-down that night.
- Sleep and wake times are local wall-clock times, turned into instants with
  zoneinfo. A time that occurs twice (autumn) means its first occurrence; a
  time that does not exist (spring) is read with the offset before the change,
  i.e. one hour later on the clock (02:30 becomes 03:30). Durations (ends before
  sleep, session length, sunrise) are real minutes counted back from that
  instant. So each night has exactly one wind-down, DST or not, and a session
  lasts its length on a DST night too.
- A wake time belongs to the morning of its day (``[routine.monday] wake`` is
  Monday morning); the run-time change for its weekday beats the file's
  ``[routine.<day>] wake``, which beats ``[routine] wake``. A date off has no
  sunrise that morning.
- "Tonight", for the hub's one-off changes, is today's evening, or last
  night's before the morning window starts (at 02:00 "skip tonight" means the
  night you are in).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from device.config.schema import WEEKDAYS, RoutineConfig
from device.config.types import ClockTime, SleepTime
from device.core.plan import Night, Wake
from device.core.state import Settings

NOON = 12 * 60
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
LOOKAHEAD_DAYS = 9  # a weekly plan repeats; one more day covers "tonight" and DST edges


@dataclass(frozen=True)
class Overrides:
    """The run-time changes that bend the weekly plan (kept in :class:`Settings`)."""

    enabled: bool = True
    session_minutes: int = 30
    skip_night: str = ""
    night_sleep: Mapping[str, str] = field(default_factory=dict)
    day_sleep: Mapping[str, str] = field(default_factory=dict)
    day_wake: Mapping[str, str] = field(default_factory=dict)
    dates_off: frozenset[str] = frozenset()
    ends_before_minutes: int | None = None  # None: the config's
    sunrise_minutes: int | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> Overrides:
        return cls(
            enabled=settings.routine_enabled,
            session_minutes=settings.session_minutes,
            skip_night=settings.skip_night,
            night_sleep=dict(settings.night_sleep),
            day_sleep=dict(settings.day_sleep),
            day_wake=dict(settings.day_wake),
            dates_off=frozenset(settings.dates_off),
            ends_before_minutes=settings.ends_before_minutes if settings.ends_before_minutes >= 0 else None,
            sunrise_minutes=settings.sunrise_minutes if settings.sunrise_minutes > 0 else None,
        )


def local_instant(day: dt.date, time: ClockTime, tz: dt.tzinfo) -> float:
    """The instant the local wall clock shows ``time`` on ``day`` (first occurrence; gaps read forward)."""
    return dt.datetime.combine(day, time.as_time(), tzinfo=tz).replace(fold=0).timestamp()


def night_of(now: float, tz: dt.tzinfo, morning_start: ClockTime) -> dt.date:
    """Which night it is at ``now``: the date of its evening, rolling over at ``morning_start`` in ``tz``.

    The one rule for the routine's "tonight", the journal's nights and the
    experiment's: 02:00 belongs to the night before, 05:00 (the default
    morning start) on to the coming evening.
    """
    local = dt.datetime.fromtimestamp(now, tz)
    if local.hour * 60 + local.minute < morning_start.minutes:
        return local.date() - dt.timedelta(days=1)
    return local.date()


def in_morning_window(now: float, tz: dt.tzinfo | None, routine: RoutineConfig) -> bool:
    """``now`` is in the morning window (``morning_start`` to ``morning_end``), when a press rates last night."""
    local = dt.datetime.fromtimestamp(now, tz)
    return routine.morning_start.minutes <= local.hour * 60 + local.minute < routine.morning_end.minutes


def rated_night(now: float, tz: dt.tzinfo, routine: RoutineConfig, last_start: float | None) -> dt.date:
    """The night a rating at ``now`` is for: tonight's session's, else last night in the morning window, else tonight."""
    tonight = night_of(now, tz, routine.morning_start)
    if last_start is not None and last_start <= now and night_of(last_start, tz, routine.morning_start) == tonight:
        return tonight
    if in_morning_window(now, tz, routine):
        return tonight - dt.timedelta(days=1)
    return tonight


def iso(instant: float, tz: dt.tzinfo) -> str:
    return dt.datetime.fromtimestamp(instant, tz).isoformat(timespec="seconds")


class Schedule:
    """The weekly plan with its overrides, for one time zone."""

    def __init__(self, routine: RoutineConfig, tz: dt.tzinfo, overrides: Overrides) -> None:
        self.routine = routine
        self.tz = tz
        self.overrides = overrides
        self._config_off = frozenset(d.isoformat() for d in routine.dates_off)

    def night_of(self, now: float) -> dt.date:
        """The night "tonight" refers to at ``now`` (:func:`night_of`)."""
        return night_of(now, self.tz, self.routine.morning_start)

    def is_date_off(self, day: dt.date) -> bool:
        iso_day = day.isoformat()
        return iso_day in self._config_off or iso_day in self.overrides.dates_off

    def sleep_time(self, night: dt.date) -> SleepTime:
        """The night's planned sleep time after the weekly plan and the overrides ("off" included)."""
        key = night.isoformat()
        if key in self.overrides.night_sleep:
            return SleepTime.parse(self.overrides.night_sleep[key])
        weekday = WEEKDAYS[night.weekday()]
        if weekday in self.overrides.day_sleep:
            return SleepTime.parse(self.overrides.day_sleep[weekday])
        day = getattr(self.routine, weekday)
        return day.sleep if day.sleep is not None else self.routine.sleep

    def skipped(self, night: dt.date) -> bool:
        """No wind-down that night because of "skip tonight" or a date off."""
        return self.overrides.skip_night == night.isoformat() or self.is_date_off(night)

    def sleep_at(self, night: dt.date) -> float | None:
        """The instant of the night's planned sleep time (before noon: the morning after), or None if "off"."""
        sleep = self.sleep_time(night).time
        return None if sleep is None else self._sleep_instant(night, sleep)

    def _sleep_instant(self, night: dt.date, sleep: ClockTime) -> float:
        sleep_day = night + dt.timedelta(days=1) if sleep.minutes < NOON else night
        return local_instant(sleep_day, sleep, self.tz)

    def plan(self, night: dt.date) -> Night | None:
        """The night's wind-down, or None when there is none."""
        if not self.overrides.enabled or self.skipped(night):
            return None
        sleep = self.sleep_time(night).time
        if sleep is None:
            return None
        sleep_at = self._sleep_instant(night, sleep)
        minutes = getattr(self.routine, WEEKDAYS[night.weekday()]).session_minutes or self.overrides.session_minutes
        ends_before = self.overrides.ends_before_minutes
        ends_at = sleep_at - 60.0 * (self.routine.ends_before_sleep_minutes if ends_before is None else ends_before)
        return Night(night, sleep, sleep_at, ends_at - 60.0 * minutes, ends_at, minutes)

    def nights(self, now: float) -> Iterable[Night]:
        """Planned nights from the one before "tonight" on, in order."""
        first = self.night_of(now) - dt.timedelta(days=1)
        for offset in range(LOOKAHEAD_DAYS):
            planned = self.plan(first + dt.timedelta(days=offset))
            if planned is not None:
                yield planned

    def next_night(self, now: float, late: float = 0.0, after: str = "") -> Night | None:
        """The first night whose wind-down is later than ``now - late`` and later than night ``after``."""
        for planned in self.nights(now):
            if planned.winddown_at + late > now and planned.night.isoformat() > after:
                return planned
        return None

    def wake_time(self, day: dt.date) -> SleepTime:
        """The morning's wake time: the run-time change for its weekday, else the file's ("off" included)."""
        weekday = WEEKDAYS[day.weekday()]
        if weekday in self.overrides.day_wake:
            return SleepTime.parse(self.overrides.day_wake[weekday])
        config = getattr(self.routine, weekday)
        return config.wake if config.wake is not None else self.routine.wake

    def next_wake(self, now: float, after: str = "") -> Wake | None:
        """The first sunrise whose wake time is later than ``now`` (and whose day is later than ``after``)."""
        today = dt.datetime.fromtimestamp(now, self.tz).date()
        for offset in range(-1, LOOKAHEAD_DAYS):
            day = today + dt.timedelta(days=offset)
            wake = self.wake_time(day).time
            if wake is None or self.is_date_off(day) or day.isoformat() <= after:
                continue
            wake_at = local_instant(day, wake, self.tz)
            if wake_at > now:
                sunrise = self.overrides.sunrise_minutes or self.routine.sunrise_minutes
                return Wake(day, wake, wake_at, wake_at - 60.0 * sunrise)
        return None

    def next_local(self, now: float, time: ClockTime) -> float:
        """The next instant after ``now`` at which the wall clock shows ``time``."""
        day = dt.datetime.fromtimestamp(now, self.tz).date()
        for offset in range(3):
            instant = local_instant(day + dt.timedelta(days=offset), time, self.tz)
            if instant > now:
                return instant
        return now + 86400.0  # pragma: no cover - three days always hold one


# -- checking run-time overrides (hub payloads and the stored settings) ----------


def parse_sleep(value: object) -> str | None:
    """A "HH:MM" or "off" value normalised; None = clear the override. Raises ValueError when bad."""
    if value is None or value == "":
        return None
    try:
        return str(SleepTime.parse(value))
    except (TypeError, ValueError) as exc:
        raise ValueError(f'expected "HH:MM", "off" or null: {exc}') from None


def parse_date(value: object) -> str:
    """A "YYYY-MM-DD" date (ASCII digits, a real day) normalised; raises ValueError naming what is wrong."""
    if not isinstance(value, str):
        raise ValueError(f'expected a date "YYYY-MM-DD", got {value!r}')
    if not _DATE.fullmatch(value):
        raise ValueError(f'{value[:32]!r} is not a date "YYYY-MM-DD"')
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(f"{value[:32]!r} is not a real date") from None


def parse_weekday(value: object) -> str:
    day = str(value).strip().lower()
    if day not in WEEKDAYS:
        raise ValueError(f"day must be one of {', '.join(WEEKDAYS)}, not {value!r}")
    return day


def clean_overrides(settings: Settings) -> list[str]:
    """Drop stored overrides that do not parse; returns what was dropped and why."""
    problems: list[str] = []
    if settings.skip_night:
        try:
            parse_date(settings.skip_night)
        except ValueError as exc:
            problems.append(f"skip_night: {exc}")
            settings.skip_night = ""
    for name, check_key in (("night_sleep", parse_date), ("day_sleep", parse_weekday), ("day_wake", parse_weekday)):
        table: dict[str, str] = getattr(settings, name)
        for key, value in list(table.items()):
            try:
                check_key(key)
                normalised = parse_sleep(value)
                if normalised is None:
                    raise ValueError("empty value")
                table[key] = normalised
            except ValueError as exc:
                problems.append(f"{name}[{key!r}]: {exc}")
                del table[key]
    good: list[str] = []
    for value in settings.dates_off:
        try:
            good.append(parse_date(value))
        except ValueError as exc:
            problems.append(f"dates_off: {exc}")
    settings.dates_off = sorted(set(good))
    for key, low, high in (("ends_before_minutes", 0, 24 * 60), ("sunrise_minutes", 1, 120)):
        if getattr(settings, key) != -1 and not low <= getattr(settings, key) <= high:
            problems.append(f"{key}: {getattr(settings, key)} is outside {low}..{high}")
            setattr(settings, key, -1)
    if not all(isinstance(name, str) for name in settings.never):
        problems.append("never: not a list of trigger names")
        settings.never = [name for name in settings.never if isinstance(name, str)]
    return problems
