"""A fake device clock for sensor tests: conversion waits and poll sleeps advance it, nothing sleeps for real."""

from __future__ import annotations

import threading

START = 1_795_000_000.0  # a fixed device time (2026-11-18)


class FakeClock:
    """Clock protocol plus ``sleep`` (for the drivers' conversion waits).

    ``wait`` advances the time at once; once it would pass ``limit`` it blocks
    until the limit is raised or the stop event is set, and sets ``reached``.
    """

    speed = 1.0

    def __init__(self, start: float = START, limit: float | None = None) -> None:
        self.t = start
        self.limit = limit
        self.reached = threading.Event()
        self._cond = threading.Condition()

    def now(self) -> float:
        return self.t

    def real_seconds(self, device_seconds: float) -> float:
        return 0.0

    def sleep(self, seconds: float) -> None:
        self.t += seconds

    def extend(self, limit: float) -> None:
        with self._cond:
            self.limit = limit
            self.reached.clear()
            self._cond.notify_all()

    def wait(self, stop: threading.Event, device_seconds: float) -> bool:
        with self._cond:
            while not stop.is_set() and self.limit is not None and self.t + device_seconds > self.limit:
                self.reached.set()
                self._cond.wait(0.01)
            if stop.is_set():
                return True
            self.t += device_seconds
            return False
