"""The lamp: its interface here; the fader, one module per backend, calibration and fakes beside it.

Levels are *perceived* brightness in percent (0-100). A fade always starts
from wherever the lamp is at that moment, so a new command never jumps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from device.core.events import Event


class Lamp(Protocol):
    def fade_to(self, level: float, duration: float, curve: str = "linear") -> None:
        """Fade from the current level to ``level`` over ``duration`` device seconds."""
        ...

    def blink(self, times: int) -> None:
        """Blink ``times`` to confirm, then go back to the level before."""
        ...

    def breathe(self, low: float, high: float, duration: float, start_bpm: float, end_bpm: float) -> None:
        """Swell and fade between ``low`` and ``high`` at a breathing pace slowing from ``start_bpm`` to ``end_bpm``.

        Lasts ``duration`` device seconds and ends at ``low``; any other command stops it.
        """
        ...

    def level(self) -> float:
        """The perceived level shown right now."""
        ...

    def report_to(self, post: Callable[[Event], None]) -> None:
        """Post ``AdapterFailed("lamp", …)`` / ``AdapterRecovered("lamp")`` for what happens on the lamp's own thread."""
        ...

    def close(self) -> None:
        """Stop any fade and release the hardware; safe to call twice."""
        ...


class DutyOutput(Protocol):
    """One PWM output of a lamp backend: the fader writes duties, nothing else."""

    quantum: float  # the smallest duty change this output can show
    frequency_hz: float  # the PWM frequency it runs at

    def write(self, duty: float) -> None:
        """Show ``duty`` (0..1) from now on."""
        ...

    def close(self) -> None:
        """Turn the output off and release it; safe to call twice."""
        ...
