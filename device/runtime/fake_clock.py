"""A device clock for tests and benches: time moves only when told or waited on, nothing sleeps for real.

It keeps the :class:`~device.runtime.clock.Clock` protocol, so a 45-minute
sunset or ten minutes of sensor polling run in milliseconds through the real
fader and poller. ``sleep`` stands in for the sensor drivers' conversion waits.
"""

from __future__ import annotations

import threading

START = 1_800_000_000.0  # 2027-01-15, a fixed device time


class FakeClock:
    """``wait`` advances the time at once, unless it would pass ``hold_at``.

    A wait that would pass ``hold_at`` moves the time there, sets ``held`` and
    blocks, as a real wait would, until the stop event is set (the hold is then
    spent) or :meth:`hold` moves the hold point on (the wait then carries on).
    """

    speed = 1.0

    def __init__(self, start: float = START, hold_at: float | None = None) -> None:
        self.t = start
        self.hold_at = hold_at
        self.held = threading.Event()
        self.waits = 0
        self._cond = threading.Condition()

    def now(self) -> float:
        with self._cond:
            return self.t

    def advance(self, seconds: float) -> None:
        with self._cond:
            self.t += seconds

    def set(self, t: float) -> None:
        with self._cond:
            self.t = t

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)

    def real_seconds(self, device_seconds: float) -> float:
        return 0.0

    def hold(self, at: float | None) -> None:
        """Hold the next wait that would pass ``at`` (None: hold none) and let a held one carry on."""
        with self._cond:
            self.hold_at = at
            self.held.clear()
            self._cond.notify_all()

    def wait(self, stop: threading.Event, device_seconds: float) -> bool:
        if stop.is_set():
            return True
        with self._cond:
            self.waits += 1
            end = self.t + max(0.0, device_seconds)
            while self.hold_at is not None and end > self.hold_at:
                self.t = max(self.t, self.hold_at)
                self.held.set()
                while not stop.is_set() and not self._cond.wait(0.01):
                    pass
                if stop.is_set():
                    self.hold_at = None
                    return True
            self.t = end
            return False
