"""A device clock whose wait() returns at once with time moved on: a 45-minute sunset runs in milliseconds."""

from __future__ import annotations

import threading


class InstantClock:
    speed = 1.0

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.t = start
        self.waits = 0
        self.pause_at: float | None = None
        self.paused = threading.Event()

    def now(self) -> float:
        return self.t

    def real_seconds(self, device_seconds: float) -> float:
        return 0.0

    def wait(self, stop: threading.Event, device_seconds: float) -> bool:
        """Advance at once; a wait that would pass ``pause_at`` parks there until stopped, like a real one."""
        if stop.is_set():
            return True
        self.waits += 1
        if self.pause_at is not None and self.t + device_seconds >= self.pause_at:
            self.t, self.pause_at = self.pause_at, None
            self.paused.set()
            stop.wait()
            return True
        self.t += max(0.0, device_seconds)
        return False
