"""The page's side of the worker: the latest state, recent events, and the button sign-in.

:class:`WebLink` is a hub (``publish_state`` / ``publish_event`` / ``reject``)
that the worker calls beside the MQTT hub. It only swaps a reference and
notifies under a lock; the page's event streams wait on that condition, so
nothing on the device wakes up while no page is open.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

SIGN_IN_WINDOW = 60.0  # s the page waits for a long press of the bedside button
KEEPALIVE = 25.0  # s between comment lines on an idle stream (finds browsers that went away)


class WebLink:
    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._cond = threading.Condition()
        self._monotonic = monotonic
        self.snapshot: dict[str, Any] = {}
        self.version = 0
        self.messages: deque[dict[str, Any]] = deque(maxlen=20)  # rejections, to show beside the control
        self._ticket = ""
        self._ticket_until = 0.0
        self._granted: set[str] = set()
        self.on_sign_in: Callable[[], None] = lambda: None  # the lamp's confirming blink
        self.closed = False

    # -- the hub interface (worker thread: quick, never blocking) -----------------------

    def publish_state(self, snapshot: dict[str, Any]) -> None:
        with self._cond:
            self.snapshot = snapshot
            self.version += 1
            self._cond.notify_all()

    def publish_event(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "button" and data.get("gesture") == "long":
            self._long_press()

    def reject(self, action: str, reason: str) -> None:
        with self._cond:
            self.messages.append({"action": action, "reason": reason})
            self.version += 1
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self.closed = True
            self._cond.notify_all()

    # -- the page's streams --------------------------------------------------------------

    def wait_change(self, seen: int, timeout: float = KEEPALIVE) -> tuple[int, dict[str, Any]] | None:
        """The state once its version is past ``seen``; None after ``timeout`` or when closing."""
        with self._cond:
            self._cond.wait_for(lambda: self.version != seen or self.closed, timeout)
            if self.closed or self.version == seen:
                return None
            return self.version, self.snapshot

    def last_rejection(self) -> dict[str, Any] | None:
        with self._cond:
            return self.messages[-1] if self.messages else None

    # -- sign-in by the bedside button -----------------------------------------------------

    def request_button(self) -> str | None:
        """A ticket that a long press within :data:`SIGN_IN_WINDOW` grants; None while another waits."""
        with self._cond:
            now = self._monotonic()
            if self._ticket and self._ticket_until > now:
                return None
            self._ticket = secrets.token_urlsafe(16)
            self._ticket_until = now + SIGN_IN_WINDOW
            return self._ticket

    def wait_button(self, ticket: str) -> bool:
        """Block until the press grants ``ticket`` (True) or its window closes (False)."""
        with self._cond:
            while ticket not in self._granted and not self.closed:
                left = self._ticket_until - self._monotonic() if ticket == self._ticket else 0.0
                if left <= 0:
                    return False
                self._cond.wait(left)
            granted = ticket in self._granted
            self._granted.discard(ticket)
            return granted

    def _long_press(self) -> None:
        with self._cond:
            if not self._ticket or self._ticket_until <= self._monotonic():
                return
            self._granted.add(self._ticket)
            self._ticket = ""
            self._cond.notify_all()
        self.on_sign_in()


class TeeHub:
    """The MQTT hub and the page, as the one hub the worker calls; a failing page never stops the hub."""

    def __init__(self, hub: Any, link: WebLink) -> None:
        self.hub, self.link = hub, link

    def publish_state(self, snapshot: dict[str, Any]) -> None:
        self.link.publish_state(snapshot)
        self.hub.publish_state(snapshot)

    def publish_event(self, kind: str, data: dict[str, Any]) -> None:
        self.link.publish_event(kind, data)
        self.hub.publish_event(kind, data)

    def reject(self, action: str, reason: str) -> None:
        self.link.reject(action, reason)
        self.hub.reject(action, reason)

    def close(self) -> None:
        self.link.close()
        self.hub.close()
