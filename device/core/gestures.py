"""Classify raw button edges into single, double and long presses.

Pure: it is fed edges with their times and asked what is due at a time; it
never reads a clock. Debounce is done here, not in the GPIO driver, so it
works (and is tested) the same on mock pins as on a Pi: a level counts only
once the contact has stayed at it for ``debounce`` seconds, so bounce and
short glitches (a spike on a long wire) are ignored, and the change is dated
at the contact's last edge.

Timing rules:
- a press held for ``long_press`` is a long press, reported while still held
  (the user gets feedback without letting go); its release is ignored;
- a press released earlier waits ``double_window`` for a second press:
  a second press makes a double press (reported on its release),
  none makes a single press (reported when the window closes).

A gesture that is turned off (a time of 0) is never waited for: with no double
press a release is a single press at once, and with no long press either the
press itself is the single press, taken at its first edge when the contact was
quiet for ``debounce`` before (a switch's feel; the bounce after it is ignored
as usual). That first edge is not filtered, so a spike on the line counts as a
press: the price of answering at the edge, paid only by who turns both off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

GestureKind = Literal["single", "double", "long"]


@dataclass(frozen=True)
class GestureTiming:
    debounce: float = 0.03
    double_window: float = 0.4  # 0: no double presses
    long_press: float = 1.5  # 0: no long presses

    @property
    def press_is_single(self) -> bool:
        """Neither a double nor a long press can follow a press: it is a single press from its first edge."""
        return self.double_window <= 0 and self.long_press <= 0


class GestureClassifier:
    def __init__(self, timing: GestureTiming) -> None:
        self.timing = timing
        self._level = False  # debounced level: True while pressed
        self._raw_level = False
        self._raw_since = 0.0
        self._reconcile_at: float | None = None
        self._pressed_at: float | None = None
        self._long_reported = False
        self._clicks = 0
        self._window_ends: float | None = None

    @property
    def pressed(self) -> bool:
        return self._level

    def edge(self, pressed: bool, at: float) -> list[GestureKind]:
        """A raw edge from the contact; returns gestures completed by now."""
        out = self.due(at)
        quiet = self._reconcile_at is None and at - self._raw_since >= self.timing.debounce
        if self.timing.press_is_single and pressed and not self._level and quiet:
            self._raw_level, self._raw_since = True, at
            self._reconcile_at = at + self.timing.debounce  # what the contact does next is followed as usual
            return out + self._accept(True, at)
        self._raw_level = pressed
        self._raw_since = at
        self._reconcile_at = at + self.timing.debounce
        return out + self.due(at)

    def deadline(self) -> float | None:
        """The next time :meth:`due` may report something or change state."""
        times = [self._reconcile_at, None if self._level else self._window_ends]
        if self._level and self._pressed_at is not None and not self._long_reported and self.timing.long_press > 0:
            times.append(self._pressed_at + self.timing.long_press)
        pending = [t for t in times if t is not None]
        return min(pending) if pending else None

    def due(self, now: float) -> list[GestureKind]:
        """Gestures that are complete at ``now`` (call at :meth:`deadline`)."""
        out: list[GestureKind] = []
        out += self._long_due(now)
        if self._reconcile_at is not None and now >= self._reconcile_at:
            self._reconcile_at = None
            if self._raw_level != self._level:  # stable for the debounce time: a real change
                out += self._accept(self._raw_level, self._raw_since)
        out += self._long_due(now)
        window_closed = self._window_ends is not None and now >= self._window_ends
        if window_closed and not self._level and self._reconcile_at is None:
            self._window_ends = None
            if self._clicks == 1:
                out.append("single")
            self._clicks = 0
        return out

    def _long_due(self, now: float) -> list[GestureKind]:
        if self._reconcile_at is not None and not self._raw_level:
            now = min(now, self._raw_since)  # released then, even if not yet confirmed
        # the same sum as in deadline(), so that due(deadline()) always fires (no float drift)
        held = self._pressed_at is not None and now >= self._pressed_at + self.timing.long_press
        if self._level and held and self.timing.long_press > 0 and not self._long_reported:
            self._long_reported = True
            self._clicks = 0
            self._window_ends = None
            return ["long"]
        return []

    def _accept(self, pressed: bool, at: float) -> list[GestureKind]:
        self._level = pressed
        if pressed:
            self._pressed_at = at
            self._long_reported = False
            return ["single"] if self.timing.press_is_single else []
        was_long = self._long_reported
        self._pressed_at = None
        if was_long or self.timing.press_is_single:
            return []
        if self.timing.double_window <= 0:
            return ["single"]
        self._clicks += 1
        if self._clicks >= 2:
            self._clicks = 0
            self._window_ends = None
            return ["double"]
        self._window_ends = at + self.timing.double_window
        return []
