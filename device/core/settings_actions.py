"""Actions on the user's run-time settings: volume, session length, and last night's rating.

Functions of (the settings, their config section, the value, now). What
follows from them in other parts (the routine's easing stops, the plan moves)
the flows (:mod:`device.core.flows`) ask of those parts.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from device.config.schema import RoutineConfig, SoundsConfig
from device.core import effects as fx
from device.core.schedule import rated_night
from device.core.state import Settings

Effects = list[fx.Effect]

RATE_BACK_NIGHTS = 30  # how many nights before the last one can still be rated (the page's journal)
VOLUME_STEP = 5.0  # % a press of volume up / down


def volume(settings: Settings, sounds: SoundsConfig, value: Any) -> Effects:
    level = float(value)
    if not math.isfinite(level):
        return [fx.RejectCommand("volume", "volume must be a finite number")]
    settings.volume = min(max(level, 0.0), sounds.max_volume)
    return [fx.SetVolume(settings.volume, 0.5), fx.PersistSettings(settings.to_dict())]


def volume_step(settings: Settings, sounds: SoundsConfig, step: float) -> Effects:
    return volume(settings, sounds, settings.volume + step)


def session_minutes(settings: Settings, routine: RoutineConfig, value: Any) -> Effects:
    if isinstance(value, bool) or not isinstance(value, int | float) or not float(value).is_integer():
        return [fx.RejectCommand("session_minutes", f"expected a whole number of minutes, not {value!r}")]
    minutes = int(value)
    if not routine.min_session_minutes <= minutes <= routine.max_session_minutes:
        return [
            fx.RejectCommand(
                "session_minutes",
                f"{minutes} is outside {routine.min_session_minutes}..{routine.max_session_minutes} minutes",
            )
        ]
    settings.session_minutes = minutes
    return [fx.PersistSettings(settings.to_dict())]


def rate(
    routine: RoutineConfig, tz: dt.tzinfo, value: Any, source: str, last_start: float | None, now: float
) -> tuple[str, Effects]:
    """The rating (``""`` when rejected) and its effects; ``last_start`` is when the last session began.

    The blink and the `rated` event wait for the journal's commit (``then``): the user is told a
    rating was taken only once it is on the card.

    A rating is ``"good"`` / ``"bad"`` for the night the morning is after, or
    ``{"rating": …, "night": "YYYY-MM-DD"}`` for one of the :data:`RATE_BACK_NIGHTS` nights before
    (the page's journal, for a morning that went unrated). Only tonight's rating blinks the lamp:
    an older one is rated at a screen that shows it was taken.
    """
    current = rated_night(now, tz, routine, last_start)
    night_value: object = None
    if isinstance(value, dict):
        night_value, value = value.get("night"), value.get("rating")
    rating = str(value)
    if rating not in ("good", "bad"):
        return "", [fx.RejectCommand("rate", f"rating must be 'good' or 'bad', not {rating[:32]!r}")]
    night_date = current
    if night_value is not None:
        asked = _iso_date(str(night_value))
        if asked is None:
            return "", [
                fx.RejectCommand("rate", f"night must be a date like 2026-11-24, not {str(night_value)[:32]!r}")
            ]
        night_date = asked
        oldest = current - dt.timedelta(days=RATE_BACK_NIGHTS)
        if not oldest <= night_date <= current:
            reason = f"only the nights from {oldest.isoformat()} to {current.isoformat()} can be rated"
            return "", [fx.RejectCommand("rate", reason)]
    night = night_date.isoformat()
    event = fx.PublishEvent("rated", {"night": night, "rating": rating, "source": source})
    acknowledge = (fx.LampBlink(1 if rating == "good" else 2), event) if night_date == current else (event,)
    record = {"night": night, "rating": rating, "source": source, "at": now}
    return rating, [fx.JournalRecord("rating", record, then=acknowledge)]


def _iso_date(text: str) -> dt.date | None:
    """A ``YYYY-MM-DD`` date, or None (``fromisoformat`` alone would also take ``20261124``)."""
    if len(text) != 10:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None
