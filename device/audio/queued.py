"""Carry out player commands on a thread of their own, in order.

Starting a trigger can mean rendering a built-in (a second or two the first
time) or decoding a long recording. The worker must never wait for that: the
lamp and the button would stall with it. Commands keep their order, so a stop
sent while a trigger is still loading is carried out after it, never before.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from device.audio.player import FailureCallback, Player, TriggersCallback
from device.runtime.queue_thread import QueueThread

log = logging.getLogger(__name__)

Call = tuple[Callable[..., None], tuple[Any, ...]]


class QueuedPlayer:
    def __init__(self, inner: Player) -> None:
        self.inner = inner
        self._thread: QueueThread[Call] = QueueThread("hushlight-sound-commands", self._run)

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
        return self._thread.flush(timeout)

    def close(self) -> None:
        """Finish the commands already sent (the last fade-out), then close the player; safe twice."""
        if self._thread.closed:
            return
        self._thread.close(10)
        self.inner.close()

    def _put(self, method: Callable[..., None], *args: Any) -> None:
        self._thread.put((method, args))

    def _run(self, calls: list[Call]) -> None:
        for method, args in calls:
            try:
                method(*args)
            except Exception:
                log.exception("sound: %s%r failed", method.__name__, args)
