"""Small fakes shared by tests: a clock you move by hand."""

from __future__ import annotations

import threading


class FakeClock:
    """Device time that moves only when told; ``wait`` advances it instantly."""

    speed = 1.0

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.t = start
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self.t

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.t += seconds

    def set(self, t: float) -> None:
        with self._lock:
            self.t = t

    def real_seconds(self, device_seconds: float) -> float:
        return 0.0

    def wait(self, stop: threading.Event, device_seconds: float) -> bool:
        if stop.is_set():
            return True
        self.advance(max(0.0, device_seconds))
        return stop.is_set()
