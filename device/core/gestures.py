"""Classify raw button edges into single, double and long presses.

Pure: it is fed edges with their times and asked what is due at a time; it
never reads a clock. Debounce is done here, not in the GPIO driver, so it
works (and is tested) the same on mock pins as on a Pi: the first edge is
taken at once, later edges within ``debounce`` are held back, and when the
quiet period ends the contact's last reported level wins.

Timing rules:
- a press held for ``long_press`` is a long press, reported while still held
  (the user gets feedback without letting go); its release is ignored;
- a press released earlier waits ``double_window`` for a second press:
  a second press makes a double press (reported on its release),
  none makes a single press (reported when the window closes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GestureKind = Literal["single", "double", "long"]


@dataclass(frozen=True)
class GestureTiming:
    debounce: float = 0.03
    double_window: float = 0.4
    long_press: float = 1.5


class GestureClassifier:
    def __init__(self, timing: GestureTiming) -> None:
        self.timing = timing
        self._level = False  # debounced level: True while pressed
        self._raw_level = False
        self._last_accepted: float | None = None
        self._reconcile_at: float | None = None
        self._pressed_at: float | None = None
        self._long_reported = False
        self._clicks = 0
        self._window_ends: float | None = None

    @property
    def pressed(self) -> bool:
        return self._level

    def edge(self, pressed: bool, at: float) -> list[GestureKind]:
        """A raw edge from the contact; returns gestures completed by it."""
        self._raw_level = pressed
        out = self.due(at)
        if self._last_accepted is not None and at - self._last_accepted < self.timing.debounce:
            self._reconcile_at = self._last_accepted + self.timing.debounce
            return out
        if pressed != self._level:
            out += self._accept(pressed, at)
        return out

    def deadline(self) -> float | None:
        """The next time :meth:`due` may report something or change state."""
        times = [self._reconcile_at, self._window_ends]
        if self._level and self._pressed_at is not None and not self._long_reported:
            times.append(self._pressed_at + self.timing.long_press)
        pending = [t for t in times if t is not None]
        return min(pending) if pending else None

    def due(self, now: float) -> list[GestureKind]:
        """Gestures that are complete at ``now`` (call at :meth:`deadline`)."""
        out: list[GestureKind] = []
        if self._reconcile_at is not None and now >= self._reconcile_at:
            at = self._reconcile_at
            self._reconcile_at = None
            out += self._long_due(at)
            if self._raw_level != self._level:
                out += self._accept(self._raw_level, at)
        out += self._long_due(now)
        if self._window_ends is not None and now >= self._window_ends and not self._level:
            self._window_ends = None
            if self._clicks == 1:
                out.append("single")
            self._clicks = 0
        return out

    def reset(self) -> None:
        self.__init__(self.timing)  # type: ignore[misc]

    def _long_due(self, now: float) -> list[GestureKind]:
        held = self._pressed_at is not None and now - self._pressed_at >= self.timing.long_press
        if self._level and held and not self._long_reported:
            self._long_reported = True
            self._clicks = 0
            self._window_ends = None
            return ["long"]
        return []

    def _accept(self, pressed: bool, at: float) -> list[GestureKind]:
        self._level = pressed
        self._last_accepted = at
        if pressed:
            self._pressed_at = at
            self._long_reported = False
            return []
        out = self._long_due(at)
        if self._long_reported or out:
            self._pressed_at = None
            return out
        self._pressed_at = None
        self._clicks += 1
        if self._clicks >= 2:
            self._clicks = 0
            self._window_ends = None
            return ["double"]
        self._window_ends = at + self.timing.double_window
        return []
