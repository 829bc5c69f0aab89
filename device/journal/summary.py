"""What some weeks of the journal add up to: per trigger, bedtime regularity, the room, one line of advice.

Pure: nights in, plain data out (the command line prints it, ``--json``
dumps it, the report draws it).
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from device.config.schema import Config
from device.core.policy import credible_interval, posterior_mean
from device.core.schedule import Overrides, Schedule
from device.journal.nights import Night, clock_text, minutes_after_noon

GOOD_MEAN = 0.6  # a trigger whose posterior mean is above this "works for you"
BAD_MEAN = 0.35
MIN_RATED = 3  # ...once it has at least this many rated nights
IRREGULAR_MINUTES = 30.0  # bedtime spread above this earns a word


@dataclass
class TriggerSummary:
    name: str
    nights: int = 0
    good: int = 0
    bad: int = 0
    mean: float = 0.5
    low: float = 0.0
    high: float = 1.0


@dataclass
class Summary:
    weeks: int
    first: str = ""
    last: str = ""
    nights: int = 0  # nights with a session
    rated: int = 0
    triggers: list[TriggerSummary] = field(default_factory=list)
    bedtime_mean: str | None = None  # "22:03": the first session start, on average
    bedtime_spread_min: float | None = None  # standard deviation of those starts
    late_min: float | None = None  # how late starts were against the schedule, on average
    avg_temperature_c: float | None = None
    temperature_nights: int = 0
    too_warm: int = 0
    too_cold: int = 0
    not_ready: int = 0
    streak: int = 0  # nights in a row, up to the last, that the routine started by itself
    favourite: str = ""
    advice: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def summarize(nights: list[Night], weeks: int, tz: dt.tzinfo, config: Config) -> Summary:
    summary = Summary(weeks=weeks)
    played = [n for n in nights if n.sessions]
    if nights:
        summary.first, summary.last = nights[0].night, nights[-1].night
    summary.nights = len(played)
    summary.rated = sum(1 for n in nights if n.verdict is not None)
    summary.triggers = trigger_table(nights)
    _bedtime(summary, played, tz, config)
    _room(summary, played, config)
    summary.streak = routine_streak(nights)
    summary.favourite = favourite(summary.triggers)
    summary.advice = advice(summary)
    return summary


def trigger_table(nights: list[Night]) -> list[TriggerSummary]:
    """Per trigger played: nights, good and bad ratings, posterior mean and 90 % interval; best first."""
    table: dict[str, TriggerSummary] = {}
    for night in nights:
        main = night.main
        if main is None:
            continue
        row = table.setdefault(main.played, TriggerSummary(main.played))
        row.nights += 1
        if night.verdict == "good":
            row.good += 1
        elif night.verdict == "bad":
            row.bad += 1
    for row in table.values():
        row.mean = round(posterior_mean(row.good, row.bad), 3)
        low, high = credible_interval(row.good, row.bad)
        row.low, row.high = round(low, 3), round(high, 3)
    return sorted(table.values(), key=lambda r: (-r.mean, -r.nights, r.name))


def _bedtime(summary: Summary, played: list[Night], tz: dt.tzinfo, config: Config) -> None:
    starts, lateness = [], []
    for night in played:
        first = night.first
        assert first is not None
        starts.append(minutes_after_noon(first.start, night.night, tz))
        planned = planned_start(night, config, tz)
        if planned is not None:
            lateness.append((first.start - planned) / 60)
    if starts:
        summary.bedtime_mean = clock_text(statistics.fmean(starts))
        summary.bedtime_spread_min = round(statistics.pstdev(starts), 1)
    if lateness:
        summary.late_min = round(statistics.fmean(lateness), 1)


def planned_start(night: Night, config: Config, tz: dt.tzinfo) -> float | None:
    """When the routine meant to start that night's session: from the journal, else from the config."""
    first = night.first
    if first is None:
        return None
    if first.scheduled is not None:
        return first.scheduled
    sleep_at = Schedule(config.routine, tz, Overrides()).sleep_at(dt.date.fromisoformat(night.night))
    if sleep_at is None:
        return None
    return sleep_at - 60 * config.routine.ends_before_sleep_minutes - first.planned


def _room(summary: Summary, played: list[Night], config: Config) -> None:
    room = config.room
    temperatures = []
    for night in played:
        first = night.first
        assert first is not None
        if first.temperature_c is not None:
            temperatures.append(first.temperature_c)
            summary.too_warm += first.temperature_c > room.max_temp_c
            summary.too_cold += first.temperature_c < room.min_temp_c
        summary.not_ready += bool(first.not_ready)
    summary.temperature_nights = len(temperatures)
    if temperatures:
        summary.avg_temperature_c = round(statistics.fmean(temperatures), 1)


def routine_streak(nights: list[Night]) -> int:
    """Nights in a row, back from the latest, on which the routine started a session by itself."""
    streak = 0
    expected: dt.date | None = None
    for night in reversed(nights):
        date = dt.date.fromisoformat(night.night)
        if expected is not None and date != expected:
            break
        if not any(s.source == "schedule" for s in night.sessions):
            break
        streak += 1
        expected = date - dt.timedelta(days=1)
    return streak


def favourite(triggers: list[TriggerSummary]) -> str:
    """The rated trigger with the best posterior mean, or "" before any rating."""
    rated = [t for t in triggers if t.good + t.bad > 0]
    return max(rated, key=lambda t: (t.mean, t.nights)).name if rated else ""


def advice(summary: Summary) -> str:
    """One line of plain advice from the summary."""
    if summary.nights == 0:
        return "No nights yet: let the routine run at bedtime, and rate each night in the morning."
    parts = []
    rated = [t for t in summary.triggers if t.good + t.bad >= MIN_RATED]
    works = [t.name for t in rated if t.mean >= GOOD_MEAN]
    fails = [t.name for t in rated if t.mean <= BAD_MEAN]
    if summary.rated == 0:
        parts.append("rate your nights in the morning (one press: good, two: bad) so the device can learn")
    elif works:
        parts.append(f"{_join(works)} {'works' if len(works) == 1 else 'work'} for you")
    else:
        parts.append("no trigger stands out yet: keep rating, it takes a few weeks")
    if fails and works:
        parts.append(f"{_join(fails)} {'does' if len(fails) == 1 else 'do'} not")
    if summary.too_warm:
        parts.append(f"your room was too warm on {summary.too_warm} of {summary.temperature_nights} nights")
    if summary.too_cold:
        parts.append(f"your room was too cold on {summary.too_cold} of {summary.temperature_nights} nights")
    if summary.bedtime_spread_min is not None and summary.bedtime_spread_min > IRREGULAR_MINUTES:
        parts.append(f"your bedtime varied by ±{summary.bedtime_spread_min:.0f} min: a steadier time helps")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
