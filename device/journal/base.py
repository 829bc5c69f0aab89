"""The journal's interface, and an in-memory one for tests of other parts.

The real journal is :class:`device.journal.writer.SqliteJournal`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from device.core import events as ev

Stored = Callable[[], None]


class Journal(Protocol):
    def record(self, kind: str, data: dict[str, Any], on_stored: Stored | None = None) -> None:
        """Store one record (``session_start``, ``session_end``, ``rating``...); never blocks.

        ``on_stored`` is called (on the journal's thread) once the record is committed to disk.
        """
        ...

    def subscribe(self, post: Callable[[ev.Event], None]) -> None:
        """Post :class:`~device.core.events.JournalStats` to ``post`` now and after each rating."""
        ...

    def close(self) -> None: ...


class MemoryJournal:
    """Keeps records in a list; counts no ratings (the experiment then explores as on a fresh device)."""

    def __init__(self) -> None:
        self.records: list[tuple[str, dict[str, Any]]] = []

    def record(self, kind: str, data: dict[str, Any], on_stored: Stored | None = None) -> None:
        self.records.append((kind, data))
        if on_stored is not None:
            on_stored()

    def subscribe(self, post: Callable[[ev.Event], None]) -> None:
        pass

    def close(self) -> None:
        pass
