"""The running session as stored in the state directory, so a restart can resume it,
and the journal's record of its end.

Written (atomically, by the worker) whenever a session starts, stops or the
user takes the lamp or the volume during it; read once at daemon start.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

from device.core import effects as fx
from device.core.fade import fade_level

RECORD_VERSION = 1


@dataclass(frozen=True)
class SessionRecord:
    active: bool
    trigger: str = ""
    started_by: str = ""
    started_at: float = 0.0
    ends_at: float = 0.0
    volume: float = 0.0  # the volume the session started at (the easing's start)
    routine_night: str = ""  # the last night the routine has handled: it does not start again
    lamp_user: float | None = None  # level the user put the lamp at during the session
    volume_user: float | None = None  # volume the user chose during the session
    sunset_s: float | None = None  # the sunset's length when the experiment chose one

    def to_dict(self) -> dict[str, Any]:
        return {"version": RECORD_VERSION, **asdict(self)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SessionRecord:
        """Parse a stored record; raises ValueError naming the first bad key."""
        if data.get("version") != RECORD_VERSION:
            raise ValueError(f"version: expected {RECORD_VERSION}, found {data.get('version')!r}")
        active = data.get("active")
        if not isinstance(active, bool):
            raise ValueError(f"active: expected true or false, found {active!r}")
        values: dict[str, Any] = {"active": active}
        for key in ("trigger", "started_by", "routine_night"):
            value = data.get(key, "")
            if not isinstance(value, str) or len(value) > 64:
                raise ValueError(f"{key}: expected a short string, found {value!r}")
            values[key] = value
        for key in ("started_at", "ends_at", "volume"):
            values[key] = _number(data, key)
        for key in ("lamp_user", "volume_user", "sunset_s"):
            values[key] = None if data.get(key) is None else _number(data, key)
        record = cls(**values)
        if record.active and record.ends_at < record.started_at:
            raise ValueError("ends_at: before started_at")
        return record


def _number(data: dict[str, Any], key: str) -> float:
    value = data.get(key, 0.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{key}: expected a number, found {value!r}")
    return float(value)


def sunset_level(evening: float, night: float, sunset_at: float, ends_at: float, now: float) -> float:
    """Where the lamp's sunset (evening level at ``sunset_at`` to night level at ``ends_at``) is at ``now``."""
    return fade_level(evening, night, sunset_at, ends_at, now, "sunset")


def eased_volume(start: float, fraction: float, ease_from: float, ends_at: float, now: float) -> float:
    """The session's volume at ``now`` while it eases from ``start`` to ``start * fraction`` by ``ends_at``."""
    return fade_level(start, start * fraction, ease_from, ends_at, now, "linear")


def session_end(trigger: str, started_at: float, end: float, reason: str, night: str) -> fx.JournalRecord:
    """The journal's ``session_end`` record: how long it played, why it ended, and its night (the core's rule)."""
    data = {"trigger": trigger, "end": end, "actual": end - started_at, "reason": reason, "night": night}
    return fx.JournalRecord("session_end", data)
