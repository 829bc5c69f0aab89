"""What the weekly plan yields: one night's wind-down and one morning's sunrise, as instants."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from device.config.types import ClockTime


@dataclass(frozen=True)
class Night:
    """One night's wind-down, as instants."""

    night: dt.date
    sleep: ClockTime
    sleep_at: float
    winddown_at: float
    ends_at: float
    session_minutes: int


@dataclass(frozen=True)
class Wake:
    """One morning's sunrise."""

    day: dt.date
    wake: ClockTime
    wake_at: float
    sunrise_at: float
