"""The player's interface, and a silent stand-in that records what it was asked."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

FailureCallback = Callable[[str, str], None]  # (trigger, reason)
TriggersCallback = Callable[[tuple[str, ...], tuple[str, ...]], None]  # (playable, broken)


class Player(Protocol):
    def triggers(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """(playable trigger names, broken ones) in the library right now."""
        ...

    def play(self, trigger: str, volume: float, fade_in: float) -> None:
        """Start ``trigger`` looped, fading in from silence; replaces what plays."""
        ...

    def crossfade(self, trigger: str, duration: float) -> None: ...

    def fade_out(self, duration: float) -> None:
        """Fade to silence over ``duration`` seconds, then stop (never a cut)."""
        ...

    def set_volume(self, volume: float, ramp: float) -> None:
        """Ramp the user's volume (0-100) to ``volume`` over ``ramp`` seconds."""
        ...

    def set_failure_callback(self, callback: FailureCallback) -> None:
        """Called (from any thread) when a trigger fails to play mid-way."""
        ...

    def set_triggers_callback(self, callback: TriggersCallback) -> None:
        """Called (from any thread) when the library's triggers change by themselves (files measured)."""
        ...

    def close(self) -> None: ...


class SilentPlayer:
    """Plays nothing; records calls. Used in tests of the core's wiring."""

    def __init__(self, names: tuple[str, ...] = ("rain", "brushing", "tapping")) -> None:
        self.names = names
        self.calls: list[tuple[str, tuple[object, ...]]] = []
        self.playing = ""
        self.volume = 0.0
        self.on_failure: FailureCallback | None = None
        self.on_triggers: TriggersCallback | None = None
        self.closed = False

    def triggers(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        return self.names, ()

    def play(self, trigger: str, volume: float, fade_in: float) -> None:
        self.calls.append(("play", (trigger, volume, fade_in)))
        self.playing, self.volume = trigger, volume

    def crossfade(self, trigger: str, duration: float) -> None:
        self.calls.append(("crossfade", (trigger, duration)))
        self.playing = trigger

    def fade_out(self, duration: float) -> None:
        self.calls.append(("fade_out", (duration,)))
        self.playing = ""

    def set_volume(self, volume: float, ramp: float) -> None:
        self.calls.append(("set_volume", (volume, ramp)))
        self.volume = volume

    def set_failure_callback(self, callback: FailureCallback) -> None:
        self.on_failure = callback

    def set_triggers_callback(self, callback: TriggersCallback) -> None:
        self.on_triggers = callback

    def close(self) -> None:
        self.closed = True
