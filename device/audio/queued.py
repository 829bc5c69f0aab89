"""Carry out player commands on a thread of their own, in order.

Starting a trigger can mean rendering a built-in (a second or two the first
time) or decoding a long recording. The worker must never wait for that: the
lamp and the button would stall with it. Commands keep their order, so a stop
sent while a trigger is still loading is carried out after it, never before.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from device.audio.player import FailureCallback, Player, TriggersCallback

log = logging.getLogger(__name__)

_STOP = object()


class QueuedPlayer:
    def __init__(self, inner: Player) -> None:
        self.inner = inner
        self._queue: queue.Queue[Any] = queue.Queue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="hushlight-sound-commands", daemon=True)
        self._thread.start()

    def triggers(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return self.inner.triggers()

    def play(self, trigger: str, volume: float, fade_in: float) -> None:
        self._put(self.inner.play, trigger, volume, fade_in)

    def crossfade(self, trigger: str, duration: float) -> None:
        self._put(self.inner.crossfade, trigger, duration)

    def fade_out(self, duration: float) -> None:
        self._put(self.inner.fade_out, duration)

    def set_volume(self, volume: float, ramp: float) -> None:
        self._put(self.inner.set_volume, volume, ramp)

    def set_failure_callback(self, callback: FailureCallback) -> None:
        self.inner.set_failure_callback(callback)

    def set_triggers_callback(self, callback: TriggersCallback) -> None:
        self.inner.set_triggers_callback(callback)

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until every command sent so far has been carried out (for tests and shutdown)."""
        done = threading.Event()
        self._queue.put(done.set)
        return done.wait(timeout)

    def close(self) -> None:
        """Finish the commands already sent (the last fade-out), then close the player; safe twice."""
        if self._closed:
            return
        self._closed = True
        self._queue.put(_STOP)
        self._thread.join(10)
        self.inner.close()

    def _put(self, method: Callable[..., None], *args: Any) -> None:
        if not self._closed:
            self._queue.put((method, args))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            if callable(item):
                item()
                continue
            method, args = item
            try:
                method(*args)
            except Exception:
                log.exception("sound: %s%r failed", method.__name__, args)
