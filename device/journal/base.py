"""The journal's interface, and an in-memory one used until the SQLite journal lands."""

from __future__ import annotations

from typing import Any, Protocol


class Journal(Protocol):
    def record(self, kind: str, data: dict[str, Any]) -> None:
        """Store one record (``session_start``, ``session_end``, ``rating``...)."""
        ...

    def close(self) -> None: ...


class MemoryJournal:
    def __init__(self) -> None:
        self.records: list[tuple[str, dict[str, Any]]] = []

    def record(self, kind: str, data: dict[str, Any]) -> None:
        self.records.append((kind, data))

    def close(self) -> None:
        pass
