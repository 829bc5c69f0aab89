"""The hub's interface, and the hub used when MQTT is off."""

from __future__ import annotations

from typing import Any, Protocol


class Hub(Protocol):
    def publish_state(self, snapshot: dict[str, Any]) -> None:
        """The device state changed; publish it (coalescing is the hub's job)."""
        ...

    def publish_event(self, kind: str, data: dict[str, Any]) -> None: ...

    def reject(self, action: str, reason: str) -> None:
        """A command was refused; tell whoever sent it."""
        ...

    def close(self) -> None:
        """Say offline and disconnect; safe to call twice."""
        ...


class NullHub:
    """No hub: remembers the last state and events (handy in tests)."""

    def __init__(self) -> None:
        self.state: dict[str, Any] = {}
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.rejections: list[tuple[str, str]] = []
        self.closed = False

    def publish_state(self, snapshot: dict[str, Any]) -> None:
        self.state = snapshot

    def publish_event(self, kind: str, data: dict[str, Any]) -> None:
        self.events.append((kind, data))

    def reject(self, action: str, reason: str) -> None:
        self.rejections.append((action, reason))

    def close(self) -> None:
        self.closed = True
