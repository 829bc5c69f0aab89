"""One thread that carries out queued items in order: the pattern behind every adapter that must not block.

The sound commands, the journal writer, the I2C guard and the hub's publisher
each hand work to a thread of their own so the worker (and the button) never
wait. They share this:
:meth:`put` returns at once, :meth:`flush` waits until what was put so far is
done, :meth:`close` lets the queue drain, stops the thread with a sentinel and
joins it (safe to call twice). A handler that raises is logged, and the thread
goes on with the next item. A thread that also has timed work (the
publisher's rate limit, refreshes and delayed discovery) says when through
``wake_after``, and what it must still do once stopped through ``finish``.
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
    one transaction); ``batch_seconds=0`` coalesces a burst: everything already
    queued is one batch. Without, each item is a batch of its own. An item for
    which ``urgent`` is true closes its batch at once.

    ``wake_after`` (called on the thread after each batch) is how many real
    seconds the thread may wait for the next item before it calls ``handle``
    with an empty batch for its timed work (None: wait for an item). ``finish``
    is called on the thread once, after the last batch, when it is closed.
    """

    def __init__(
        self,
        name: str,
        handle: Callable[[list[T]], None],
        batch_seconds: float | None = None,
        urgent: Callable[[T], bool] | None = None,
        wake_after: Callable[[], float | None] | None = None,
        finish: Callable[[], None] | None = None,
    ) -> None:
        self._handle = handle
        self._wake_after, self._finish = wake_after, finish
        self.batch_seconds = batch_seconds
        self._urgent = urgent  # an item someone waits for ends the batch: handled now, not in batch_seconds
        self._queue: queue.Queue[T | _Marker] = queue.Queue()
        self._closed = False
        self._wake_lock = threading.Lock()
        self._wake_pending = False
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

    def wake(self) -> None:
        """Have ``handle`` called soon with no item (its shared or timed work); wakes asked for before that
        call are one, so a burst of changes costs one call and one queue entry. Never blocks."""
        with self._wake_lock:
            if self._closed or self._wake_pending:
                return
            self._wake_pending = True
        self._queue.put(_Marker())

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
            with self._wake_lock:
                self._wake_pending = False  # a wake from now on is for what this call may miss
            items: list[T] = [item for item in batch if not isinstance(item, _Marker)]
            try:
                self._handle(items)  # also with none: a flush or the stop is a moment to retry what is pending
            except Exception:  # one bad item must not end the thread for good
                log.exception("%s: handling %d item(s) failed", self._thread.name, len(items))
            markers = [item for item in batch if isinstance(item, _Marker)]
            for marker in markers:
                marker.done.set()
            if any(marker.stop for marker in markers):
                self._finished()
                return

    def _finished(self) -> None:
        if self._finish is None:
            return
        try:
            self._finish()
        except Exception:
            log.exception("%s: its last work failed", self._thread.name)

    def _first(self) -> list[T | _Marker]:
        """The next item, or none once ``wake_after`` has passed without one."""
        try:
            timeout = self._wake_after() if self._wake_after is not None else None
        except Exception:  # then it waits for an item, which asks again
            log.exception("%s: when to wake failed", self._thread.name)
            timeout = None
        try:
            if timeout is None:
                return [self._queue.get()]
            return [self._queue.get(timeout=timeout) if timeout > 0 else self._queue.get_nowait()]
        except queue.Empty:
            return []

    def _gather(self) -> list[T | _Marker]:
        batch = self._first()
        if not batch or self.batch_seconds is None:
            return batch
        deadline = time.monotonic() + self.batch_seconds
        while not isinstance(batch[-1], _Marker) and not (self._urgent is not None and self._urgent(batch[-1])):
            remaining = deadline - time.monotonic()
            try:
                batch.append(self._queue.get(timeout=remaining) if remaining > 0 else self._queue.get_nowait())
            except queue.Empty:
                break
        return batch
