"""A lamp with no hardware that records every command: what the core's tests and benches drive."""

from __future__ import annotations

import threading
from collections.abc import Callable

from device.core.events import Event
from device.core.fade import fade_level
from device.runtime.clock import Clock


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
        self.post: Callable[[Event], None] | None = None

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

    def report_to(self, post: Callable[[Event], None]) -> None:
        self.post = post

    def close(self) -> None:
        self.closed = True
