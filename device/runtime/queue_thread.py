"""One thread that carries out queued items in order: the pattern behind every adapter that must not block.

The sound commands, the journal writer and the I2C guard each hand work to a
thread of their own so the worker (and the button) never wait. They share this:
:meth:`put` returns at once, :meth:`flush` waits until what was put so far is
done, :meth:`close` lets the queue drain, stops the thread with a sentinel and
joins it (safe to call twice). A handler that raises is logged, and the thread
goes on with the next item.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")


class _Marker:
    """The stop sentinel, or a flush request: never handed to the handler."""

    def __init__(self, stop: bool = False) -> None:
        self.stop = stop
        self.done = threading.Event()


class QueueThread(Generic[T]):
    """Items handed to ``handle`` in the order they were put, on a thread called ``name``.

    ``handle`` is called once per batch, with an empty list for a batch that
    held only a flush request or the stop.

    With ``batch_seconds`` set, what is queued or arrives within that many real
    seconds of the first item goes to ``handle`` as one batch (the journal's
    one transaction); without, each item is a batch of its own. An item for which
    ``urgent`` is true closes its batch at once.
    """

    def __init__(
        self,
        name: str,
        handle: Callable[[list[T]], None],
        batch_seconds: float | None = None,
        urgent: Callable[[T], bool] | None = None,
    ) -> None:
        self._handle = handle
        self.batch_seconds = batch_seconds
        self._urgent = urgent  # an item someone waits for ends the batch: handled now, not in batch_seconds
        self._queue: queue.Queue[T | _Marker] = queue.Queue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    @property
    def closed(self) -> bool:
        return self._closed

    def put(self, item: T) -> bool:
        """Queue ``item``; False (and dropped) once closed. Never blocks."""
        if self._closed:
            return False
        self._queue.put(item)
        return True

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Wait until everything put so far has been handled; True if it has within ``timeout``."""
        if not self._thread.is_alive():
            return True
        marker = _Marker()
        self._queue.put(marker)
        return marker.done.wait(timeout)

    def close(self, timeout: float | None = 10.0) -> bool:
        """Handle what is queued, then stop the thread; True if it ended within ``timeout``. Safe twice."""
        if not self._closed:
            self._closed = True
            self._queue.put(_Marker(stop=True))
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        while True:
            batch = self._gather()
            items: list[T] = [item for item in batch if not isinstance(item, _Marker)]
            try:
                self._handle(items)  # also with none: a flush or the stop is a moment to retry what is pending
            except Exception:  # one bad item must not end the thread for good
                log.exception("%s: handling %d item(s) failed", self._thread.name, len(items))
            markers = [item for item in batch if isinstance(item, _Marker)]
            for marker in markers:
                marker.done.set()
            if any(marker.stop for marker in markers):
                return

    def _gather(self) -> list[T | _Marker]:
        batch = [self._queue.get()]
        if self.batch_seconds is None:
            return batch
        deadline = time.monotonic() + self.batch_seconds
        while not isinstance(batch[-1], _Marker) and not (self._urgent is not None and self._urgent(batch[-1])):
            remaining = deadline - time.monotonic()
            try:
                batch.append(self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait())
            except queue.Empty:
                break
        return batch
