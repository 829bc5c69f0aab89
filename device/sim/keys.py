"""The panel's keys: which key does what, and how taps of the space bar become a gesture.

A terminal reports key presses, never releases: a held key is a first press
followed, after the keyboard's repeat delay (250-660 ms), by a stream of
repeats. So the space bar is read like this: a stream of repeats is a long
press (reported as soon as it is clear), two separate taps are a double
press, one tap is a single press once the keyboard has been quiet for
:data:`QUIET` seconds (longer than any repeat delay, so a hold is never
mistaken for a tap). Pure: times are passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

QUIET = 0.7  # s without a space: the taps so far are the whole gesture
HOLD_SPACES = 3  # a first press and two repeats...
HOLD_SPAN = 0.3  # ...spread over at least this long: the key is held

# Keys other than the space bar, and the action each asks for.
KEY_ACTIONS: dict[str, str] = {
    "l": "long",
    "n": "next_trigger",
    "+": "volume_up",
    "=": "volume_up",  # + without shift on most layouts
    "-": "volume_down",
    "t": "warmer",
    "T": "colder",
    "b": "brighter",
    "B": "darker",
    "q": "quit",
    "Q": "quit",
}

HELP = "space press (tap single, 2 taps double, hold long) · l long · n next · +/- volume · t/T warmer/colder · b/B brighter/darker · q quit"


@dataclass
class SpaceBar:
    """Turns the times of space bar presses into single, double and long."""

    presses: list[float] = field(default_factory=list)
    reported: bool = False  # a long press was reported for the current stream

    def press(self, now: float) -> list[str]:
        """A space arrived at ``now`` (real seconds); returns gestures complete by now."""
        out = self.due(now)
        self.presses.append(now)
        if not self.reported and len(self.presses) >= HOLD_SPACES and now - self.presses[0] >= HOLD_SPAN:
            self.reported = True
            out.append("long")
        return out

    def deadline(self) -> float | None:
        """When :meth:`due` may next report something (real seconds), or None."""
        return self.presses[-1] + QUIET if self.presses else None

    def due(self, now: float) -> list[str]:
        """Gestures complete at ``now``: the keyboard has been quiet long enough."""
        deadline = self.deadline()
        if deadline is None or now < deadline:
            return []
        presses, reported = self.presses, self.reported
        self.presses, self.reported = [], False
        if reported:
            return []
        return ["double" if len(presses) >= 2 else "single"]

    @property
    def pending(self) -> str:
        """What the panel shows while taps are being counted."""
        if not self.presses or self.reported:
            return "held" if self.reported else ""
        return "tap " * len(self.presses)


def actions_for(key: str, space: SpaceBar, now: float) -> list[str]:
    """The actions one key press asks for: gestures (``single``, ``double``, ``long``) or a KEY_ACTIONS value."""
    if key == " ":
        return space.press(now)
    action = KEY_ACTIONS.get(key)
    return space.due(now) + ([action] if action else [])
