"""Clocks: the real one, and a faster one for simulation.

Device time is seconds since the epoch. The core only ever sees it as a
number; adapters that sleep (fades, sensor polling) convert device seconds to
real seconds with :meth:`Clock.real_seconds`, so ``--speed 600`` speeds up
everything at once.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    speed: float

    def now(self) -> float:
        """Device time, seconds since the epoch."""
        ...

    def real_seconds(self, device_seconds: float) -> float:
        """How long ``device_seconds`` of device time lasts in real time."""
        ...

    def wait(self, stop: threading.Event, device_seconds: float) -> bool:
        """Sleep ``device_seconds`` of device time or until ``stop`` is set; True if stopped."""
        ...


class RealClock:
    speed = 1.0

    def now(self) -> float:
        return time.time()

    def real_seconds(self, device_seconds: float) -> float:
        return device_seconds

    def wait(self, stop: threading.Event, device_seconds: float) -> bool:
        return stop.wait(max(0.0, device_seconds))


class ScaledClock:
    """Device time that starts at ``start`` and runs ``speed`` times faster than real time."""

    def __init__(self, speed: float = 1.0, start: float | None = None, held: bool = False) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be above 0, not {speed}")
        self.speed = float(speed)
        self._start = time.time() if start is None else start
        self._origin: float | None = None if held else time.monotonic()

    def release(self) -> None:
        """Start a held clock running (the daemon does it once it is up, so start-up costs no device time)."""
        if self._origin is None:
            self._origin = time.monotonic()

    def now(self) -> float:
        if self._origin is None:
            return self._start
        return self._start + (time.monotonic() - self._origin) * self.speed

    def real_seconds(self, device_seconds: float) -> float:
        return device_seconds / self.speed

    def wait(self, stop: threading.Event, device_seconds: float) -> bool:
        return stop.wait(max(0.0, self.real_seconds(device_seconds)))
