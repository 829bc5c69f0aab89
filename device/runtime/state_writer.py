"""The run-time settings (settings.json) written off the worker.

A write is an fsync of the file and of its folder: 5-50 ms on an SD card, longer
when the card is busy. The worker must not wait for it, or every command (a
button press, a slider in Home Assistant) would wait too, and the hub would show
a change only once the card had it. So the worker encodes the data (a mistake
in it is found at once, on the worker) and hands the bytes here; this thread
writes the newest bytes of each file, so a burst of changes costs one write.

What a power cut can lose is the change made in the last write's time: the file
holds the old or the new content, never a mix, and the restarted device shows
what the file holds. session.json is not written here: it changes twice a night,
and a session must be on the card before the state says it runs, to be resumed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from device.core import events as ev
from device.persist import write_atomic
from device.runtime.queue_thread import QueueThread

log = logging.getLogger(__name__)

ADAPTER = "state_dir"


class StateWriter:
    """Writes the newest bytes handed over for each path, in a thread of its own."""

    def __init__(self, post: Callable[[ev.Event], None] | None = None) -> None:
        self._post = post
        self._failed = False
        self._thread: QueueThread[tuple[Path, bytes]] = QueueThread("hushlight-state", self._write, batch_seconds=0)

    def save(self, path: Path, data: bytes) -> None:
        """Write ``data`` to ``path`` soon (atomically); never blocks."""
        if not self._thread.put((path, data)):
            log.error("state file %s changed after the writer had stopped; writing it now", path)
            write_atomic(path, data)

    def flush(self, timeout: float | None = 10.0) -> bool:
        """Wait until everything handed over so far is on disk."""
        return self._thread.flush(timeout)

    def close(self, timeout: float | None = 10.0) -> bool:
        """Write what is pending, then stop; safe twice."""
        return self._thread.close(timeout)

    def _write(self, items: list[tuple[Path, bytes]]) -> None:
        newest = dict(items)  # the last bytes of each file win: older ones would be overwritten at once
        for path, data in newest.items():
            try:
                write_atomic(path, data)
            except OSError as exc:
                self._failure(f"cannot write {path}: {type(exc).__name__}: {exc}")
                continue
            if self._failed:
                self._failed = False
                log.info("state files are written again")
                self._tell(ev.AdapterRecovered(ADAPTER))

    def _failure(self, reason: str) -> None:
        if not self._failed:
            log.error("%s (the device carries on; the change is kept in memory)", reason)
            self._tell(ev.AdapterFailed(ADAPTER, reason))
        else:
            log.debug("%s, again", reason)
        self._failed = True

    def _tell(self, event: ev.Event) -> None:
        if self._post is not None:
            self._post(event)
