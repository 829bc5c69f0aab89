"""The journal adapter: the worker hands records over and never waits for the SD card.

:meth:`SqliteJournal.record` only puts the record on a queue. One writer thread
gathers what arrives within ``batch_seconds`` (real time: this is about how
often the card is written, not about device time) and writes it in one
transaction, so a night costs a handful of small writes. After a rating or the
end of a session it re-counts the ratings and posts :class:`JournalStats` so
the experiment policy in the core sees them; it also posts them once when
:meth:`subscribe` is called at start.

A record handed over with ``on_stored`` (a rating) is written at once, not with the next batch,
in a transaction synced to the card (``synchronous=FULL``), and ``on_stored`` is called only
after the commit: the user is told a rating was taken once it would survive a power cut.

A journal that cannot be written (permissions, a full card) is reported as an
adapter fault and retried with the next batch; the device goes on either way.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from device.core import events as ev
from device.core.policy import favourite
from device.journal import store
from device.journal.base import Stored
from device.journal.nights import group_nights, rating_counts
from device.journal.summary import routine_streak
from device.runtime.queue_thread import QueueThread

log = logging.getLogger(__name__)

Post = Callable[[ev.Event], None]
MAX_PENDING = 10_000  # records kept for a retry while the file cannot be written
Item = tuple[str, dict[str, Any], Stored | None]
_STATS: Item = ("__stats__", {}, None)  # post the counts even when nothing was written


class SqliteJournal:
    def __init__(self, path: Path, batch_seconds: float = 2.0) -> None:
        self.path = path
        self.batch_seconds = batch_seconds
        self._post: Post | None = None
        self._pending: list[Item] = []
        self._conn: sqlite3.Connection | None = None
        self._failed = False
        self.batches_written = 0  # transactions committed (one per batch): a test's view of card writes
        self._thread: QueueThread[Item] = QueueThread(
            "hushlight-journal", self._handle, batch_seconds, urgent=lambda item: item[2] is not None
        )

    def record(self, kind: str, data: dict[str, Any], on_stored: Stored | None = None) -> None:
        """Queue one record; returns at once. ``on_stored`` runs on the writer thread after the commit."""
        if kind == "session_start" and isinstance(data.get("choice"), dict):
            log.info("tonight: %s", "; ".join(str(c.get("why", "")) for c in data["choice"].values()))
        self._thread.put((kind, dict(data), on_stored))

    def subscribe(self, post: Post) -> None:
        """Post :class:`JournalStats` to ``post`` now and after every rating."""
        self._post = post
        self._thread.put(_STATS)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued so far is written (tests and the CLI's own writes)."""
        return self._thread.flush(timeout)

    def close(self) -> None:
        """Write what is queued and stop the writer; safe to call twice."""
        if self._thread.closed:
            return
        self._thread.close(10.0)
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    # -- the writer thread -----------------------------------------------------

    def _handle(self, batch: list[Item]) -> None:
        records = [item for item in batch if item[0] != _STATS[0]]
        if self._write(records) or len(records) < len(batch):
            self._post_stats()

    def _write(self, records: list[Item]) -> bool:
        """Write pending and new records; True when a rating or a session end was written."""
        todo = self._pending + records
        if not todo:
            return False
        waited_for = [item[2] for item in todo if item[2] is not None]
        try:
            conn = self._connection()
            if waited_for:
                conn.execute("PRAGMA synchronous=FULL")  # this commit reaches the card before the acknowledgement
            store.write_batch(conn, [(kind, data) for kind, data, _ in todo])
            if waited_for:
                conn.execute("PRAGMA synchronous=NORMAL")
        except (sqlite3.Error, OSError, store.JournalError) as exc:
            self._pending = todo[-MAX_PENDING:]
            self._report_failure(f"{type(exc).__name__}: {exc}")
            return False
        self._pending = []
        for on_stored in waited_for:
            try:
                on_stored()
            except Exception:  # the caller's acknowledgement must not stop the writer
                log.exception("journal: acknowledging a stored record failed")
        self.batches_written += 1
        if self._failed:
            self._failed = False
            log.info("journal %s is written again", self.path)
            self._emit(ev.AdapterRecovered("journal"))
        return any(kind in ("rating", "session_end") for kind, _, _ in todo)

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            self._conn = store.open_or_replace(self.path)
        return self._conn

    def _report_failure(self, reason: str) -> None:
        if not self._failed:
            log.error("journal %s cannot be written: %s (records kept in memory and retried)", self.path, reason)
            self._emit(ev.AdapterFailed("journal", reason))
        self._failed = True
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _post_stats(self) -> None:
        if self._post is None:
            return
        try:
            sessions, ratings = store.read_rows(self._connection())
        except (sqlite3.Error, OSError, store.JournalError) as exc:
            self._report_failure(f"{type(exc).__name__}: {exc}")
            return
        nights = group_nights(sessions, ratings)
        counts = rating_counts(nights)
        streak = routine_streak(nights)
        until = nights[-1].night if streak else ""
        self._emit(ev.JournalStats(counts, favourite(counts["trigger"]), streak, until))

    def _emit(self, event: ev.Event) -> None:
        if self._post is not None:
            self._post(event)
