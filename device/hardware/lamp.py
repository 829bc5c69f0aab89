"""The lamp's interface, and a recording stand-in used until a backend is chosen.

Levels are *perceived* brightness in percent (0-100). A fade always starts
from wherever the lamp is at that moment, so a new command never jumps.
"""

from __future__ import annotations

import threading
from typing import Protocol

from device.core.fade import fade_level
from device.runtime.clock import Clock


class Lamp(Protocol):
    def fade_to(self, level: float, duration: float, curve: str = "linear") -> None:
        """Fade from the current level to ``level`` over ``duration`` device seconds."""
        ...

    def blink(self, times: int) -> None:
        """Blink ``times`` to confirm, then go back to the level before."""
        ...

    def breathe(self, low: float, high: float, duration: float, start_bpm: float, end_bpm: float) -> None:
        """Swell and fade between ``low`` and ``high`` at a breathing pace slowing from ``start_bpm`` to ``end_bpm``.

        Lasts ``duration`` device seconds and ends at ``low``; any other command stops it.
        """
        ...

    def level(self) -> float:
        """The perceived level shown right now."""
        ...

    def close(self) -> None:
        """Stop any fade and release the hardware; safe to call twice."""
        ...


class DutyOutput(Protocol):
    """One PWM output of a lamp backend: the fader writes duties, nothing else."""

    quantum: float  # the smallest duty change this output can show
    frequency_hz: float  # the PWM frequency it runs at

    def write(self, duty: float) -> None:
        """Show ``duty`` (0..1) from now on."""
        ...

    def close(self) -> None:
        """Turn the output off and release it; safe to call twice."""
        ...


class RecordingLamp:
    """A lamp with no hardware: keeps the fade it was asked for and its history."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._from = 0.0
        self._to = 0.0
        self._t0 = 0.0
        self._t1 = 0.0
        self._curve = "linear"
        self.history: list[tuple[float, float, float, str]] = []  # (at, level, duration, curve)
        self.blinks: list[int] = []
        self.breaths: list[tuple[float, float, float, float, float]] = []
        self.closed = False

    def fade_to(self, level: float, duration: float, curve: str = "linear") -> None:
        with self._lock:
            now = self._clock.now()
            self._from = fade_level(self._from, self._to, self._t0, self._t1, now, self._curve)
            self._to, self._t0, self._t1, self._curve = level, now, now + duration, curve
            self.history.append((now, level, duration, curve))

    def blink(self, times: int) -> None:
        self.blinks.append(times)

    def breathe(self, low: float, high: float, duration: float, start_bpm: float, end_bpm: float) -> None:
        self.breaths.append((low, high, duration, start_bpm, end_bpm))
        self.fade_to(low, 0.0)

    def level(self) -> float:
        with self._lock:
            return fade_level(self._from, self._to, self._t0, self._t1, self._clock.now(), self._curve)

    def close(self) -> None:
        self.closed = True
