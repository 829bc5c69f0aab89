"""When the audio output may close after a silence.

A MAX98357A pops when its I2S clock stops and again when it starts, and the clock runs exactly while
SDL holds the output open. Closed 30 s after a session faded out, the output would pop by the bed of
someone falling asleep, and again at the next sound. So with ``[sounds] keep_output_open = "night"``
the output stays open from ``night_starts`` to the morning window's end, and closes after a silence
only in the day (where an open output costs 0.4 % of a core and a powered, faintly hissing amplifier).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from device.config.types import ClockTime

# device time now -> device seconds to keep the output open from now: 0 = close it, None = do not close
Hold = Callable[[float], float | None]


def seconds_left_of_night(local: dt.datetime, starts: ClockTime, ends: ClockTime) -> float:
    """Seconds until the night (``starts`` to ``ends``, across midnight when ``starts`` is later) ends; 0 in the day."""
    minute = local.hour * 60 + local.minute
    begin, end = starts.minutes, ends.minutes
    in_night = (begin <= minute or minute < end) if begin > end else (begin <= minute < end)
    if not in_night:
        return 0.0
    end_day = local.date() if minute < end else local.date() + dt.timedelta(days=1)
    night_end = dt.datetime.combine(end_day, ends.as_time(), tzinfo=local.tzinfo)
    # In UTC: across a DST change the wall clock is not the time that passes.
    return max(0.0, night_end.timestamp() - local.timestamp())


def make_hold(mode: str, starts: ClockTime, ends: ClockTime, zone: dt.tzinfo) -> Hold:
    if mode == "always":
        return lambda now: None
    if mode == "never":
        return lambda now: 0.0
    return lambda now: seconds_left_of_night(dt.datetime.fromtimestamp(now, zone), starts, ends)
