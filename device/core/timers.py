"""The core's deadlines: named times, each set and cleared by exactly one part.

A part gets only its own view (:meth:`Timers.of`), so it cannot move another
part's deadline: the routine cannot touch the session's sunset, it asks a
flow to (:mod:`device.core.flows`). The worker sleeps until :meth:`Timers.next`;
the controller hands each due deadline to :func:`device.core.flows.timer_due`,
which gives it to the part that owns it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

OWNERS: dict[str, str] = {
    "sunset": "session",  # the lamp's sunset begins
    "session_fade": "session",  # the sound starts fading out before the end
    "session_end": "session",  # the session's time limit
    "lamp_effect_end": "lamp",  # the breathing light ends
    "winddown": "routine",  # tonight's scheduled session starts
    "volume_ease": "routine",  # the sound starts easing down to its end volume
    "sunrise": "routine",
    "wake_sound": "routine",
    "morning_off": "routine",  # the sunrise light goes off after its hold
    "allnight_end": "routine",  # the all-night sound stops
    "replan": "routine",  # "tonight" rolls over with the morning window
    "preview_end": "preview",  # a sound's 15 s preview fades out
}
PARTS = tuple(dict.fromkeys(OWNERS.values()))


@dataclass
class Timers:
    """Every deadline of the core (device seconds), by name."""

    at: dict[str, float] = field(default_factory=dict)

    def of(self, part: str) -> PartTimers:
        """The deadlines ``part`` owns, to set and clear."""
        return PartTimers(self, part)

    def get(self, name: str) -> float | None:
        return self.at.get(name)

    def next(self) -> float | None:
        return min(self.at.values()) if self.at else None

    def due(self, now: float) -> Iterator[tuple[str, float]]:
        """Each deadline due by ``now``, earliest first, removed as it is handed out.

        Deadlines set or cleared while handling one are seen: one cleared is not
        handed out, one moved is handed out when it comes.
        """
        if not self.at or min(self.at.values()) > now:  # the usual case: nothing due
            return
        for name, when in sorted(self.at.items(), key=lambda item: item[1]):
            if when <= now and self.at.get(name) == when:
                del self.at[name]
                yield name, when


class PartTimers:
    """One part's view of :class:`Timers`: only the names it owns."""

    def __init__(self, timers: Timers, part: str) -> None:
        self._timers = timers
        self.part = part
        self.names = frozenset(name for name, owner in OWNERS.items() if owner == part)

    def _own(self, name: str) -> str:
        if name not in self.names:
            raise KeyError(f"timer {name!r} belongs to {OWNERS.get(name, 'no part')}, not to {self.part}")
        return name

    def set(self, name: str, when: float) -> None:
        self._timers.at[self._own(name)] = when

    def clear(self, *names: str) -> None:
        for name in names:
            self._timers.at.pop(self._own(name), None)

    def clear_all(self) -> None:
        self.clear(*self.names)

    def get(self, name: str) -> float | None:
        return self._timers.at.get(self._own(name))
