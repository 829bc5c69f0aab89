"""The journal's rows as plain data, grouped into nights, and what they add up to.

Pure: the store reads rows and hands them here; the command line, the report
and the experiment's good/bad counts all come from :func:`group_nights`.

Which trigger a rating counts for: a night may hold several sessions (a
button press after the routine, say); the rating goes to the night's longest
session, and to the trigger that was playing when it ended (the user may have
skipped to another one).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

DIMENSIONS = ("trigger", "session_minutes", "sunset_minutes")


@dataclass
class SessionRow:
    night: str  # the evening's date, YYYY-MM-DD
    trigger: str
    source: str
    start: float
    planned: float  # seconds
    id: int = 0
    final_trigger: str | None = None
    scheduled: float | None = None  # when the routine meant to start it
    end: float | None = None
    actual: float | None = None
    reason: str | None = None  # None: still running, or the device lost power
    volume: float | None = None
    temperature_c: float | None = None
    humidity: float | None = None
    lux: float | None = None
    not_ready: tuple[str, ...] = ()
    sunset_minutes: float | None = None
    choice: dict[str, Any] = field(default_factory=dict)

    @property
    def played(self) -> str:
        return self.final_trigger or self.trigger

    @property
    def length(self) -> float:
        return self.actual if self.actual is not None else self.planned


@dataclass
class RatingRow:
    night: str
    rating: str  # "good", "bad", or "1".."5"
    source: str
    at: float
    score: int | None = None  # 1-5 when rated on a scale

    @property
    def verdict(self) -> str | None:
        """ "good", "bad", or None for a middling 3 on the 1-5 scale."""
        if self.score is not None:
            return "good" if self.score >= 4 else "bad" if self.score <= 2 else None
        return self.rating if self.rating in ("good", "bad") else None


@dataclass
class Night:
    night: str
    sessions: list[SessionRow] = field(default_factory=list)
    rating: RatingRow | None = None  # the latest one given for this night

    @property
    def main(self) -> SessionRow | None:
        """The session the night's rating counts for: the longest (the first on a tie)."""
        best: SessionRow | None = None
        for session in self.sessions:
            if best is None or session.length > best.length:
                best = session
        return best

    @property
    def first(self) -> SessionRow | None:
        return min(self.sessions, key=lambda s: s.start) if self.sessions else None

    @property
    def verdict(self) -> str | None:
        return self.rating.verdict if self.rating is not None else None


def group_nights(sessions: list[SessionRow], ratings: list[RatingRow]) -> list[Night]:
    """Nights in date order; a rating for a night without a session still makes a night."""
    nights: dict[str, Night] = {}
    for session in sorted(sessions, key=lambda s: s.start):
        nights.setdefault(session.night, Night(session.night)).sessions.append(session)
    for rating in sorted(ratings, key=lambda r: r.at):
        nights.setdefault(rating.night, Night(rating.night)).rating = rating
    return [nights[key] for key in sorted(nights)]


def rating_counts(nights: list[Night]) -> dict[str, dict[str, tuple[int, int]]]:
    """(good, bad) rated nights per option of each experiment dimension."""
    counts: dict[str, dict[str, list[int]]] = {dim: {} for dim in DIMENSIONS}
    for night in nights:
        main, verdict = night.main, night.verdict
        if main is None or verdict is None:
            continue
        keys = {"trigger": main.played, "session_minutes": _minutes(main.planned / 60)}
        if main.sunset_minutes is not None:
            keys["sunset_minutes"] = _minutes(main.sunset_minutes)
        for dim, key in keys.items():
            tally = counts[dim].setdefault(key, [0, 0])
            tally[0 if verdict == "good" else 1] += 1
    return {dim: {k: (v[0], v[1]) for k, v in options.items()} for dim, options in counts.items()}


def _minutes(value: float) -> str:
    return str(round(value))


def last_weeks(nights: list[Night], weeks: int) -> list[Night]:
    """The nights in the ``weeks`` weeks up to the latest night in the journal."""
    if not nights:
        return []
    latest = dt.date.fromisoformat(nights[-1].night)
    first = latest - dt.timedelta(days=7 * weeks - 1)
    return [n for n in nights if dt.date.fromisoformat(n.night) >= first]


def minutes_after_noon(when: float, night: str, tz: dt.tzinfo) -> float:
    """Minutes from noon of the night's date to ``when``: 22:30 -> 630, 00:30 next day -> 750."""
    noon = dt.datetime.combine(dt.date.fromisoformat(night), dt.time(12, 0), tz)
    return (dt.datetime.fromtimestamp(when, tz) - noon).total_seconds() / 60


def clock_text(minutes_after_noon_: float) -> str:
    """630 -> "22:30"; 750 -> "00:30"."""
    total = round(minutes_after_noon_ + 12 * 60) % (24 * 60)
    return f"{total // 60:02d}:{total % 60:02d}"
