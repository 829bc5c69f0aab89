"""Perceived brightness to PWM duty, and fade plans whose steps no eye can see.

Pure functions, no clock and no I/O: the lamp's fader plays the plans, tests
check them. Levels are CIE 1931 lightness L* (0-100), which is what the
device, the config and the hub call "perceived brightness in percent".

The LED's light is taken as proportional to ``duty - min_duty``: below the
calibrated ``min_duty`` the driver and LED show nothing, so L* 0 sits at
``min_duty`` and L* 100 at ``max_duty``. Level 0 is the output fully off.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

MAX_STEP_L = 1.0  # largest change of perceived lightness in one duty step: below what an eye can see
MIN_STEP_INTERVAL = 0.01  # s; faster fades take bigger steps rather than waking the CPU more than 100 times a second
_KAPPA = 24389 / 27  # CIE: L* = kappa * Y below the linear/cubic joint
_EPSILON = 216 / 24389  # CIE: the luminance where the two parts of the curve meet


def lightness_to_luminance(lightness: float) -> float:
    """CIE 1931: relative luminance Y (0..1) of lightness L* (0..100)."""
    lightness = min(100.0, max(0.0, lightness))
    if lightness > _KAPPA * _EPSILON:  # = 8
        return ((lightness + 16) / 116) ** 3
    return lightness / _KAPPA


def luminance_to_lightness(luminance: float) -> float:
    """CIE 1931: lightness L* (0..100) of relative luminance Y (0..1)."""
    luminance = min(1.0, max(0.0, luminance))
    if luminance > _EPSILON:
        return 116 * luminance ** (1 / 3) - 16
    return _KAPPA * luminance


@dataclass(frozen=True)
class DutyMap:
    """Perceived level <-> duty for one LED on one backend.

    ``quantum`` is the smallest duty change the backend can show (1/4096 on a
    PCA9685); every duty this map hands out is a whole number of quanta, so
    equal duties compare equal and no write is wasted on a change nobody sees.
    """

    min_duty: float
    max_duty: float
    quantum: float

    def __post_init__(self) -> None:
        if not 0 <= self.min_duty < self.max_duty <= 1:
            raise ValueError(f"need 0 <= min_duty < max_duty <= 1, got {self.min_duty} and {self.max_duty}")
        if not 0 < self.quantum <= 0.1:
            raise ValueError(f"duty quantum must be in (0, 0.1], got {self.quantum}")

    @property
    def min_shown(self) -> float:
        """The lowest duty above zero that the lamp uses: min_duty, rounded up to the backend's grid."""
        return max(1, math.ceil(self.min_duty / self.quantum - 1e-9)) * self.quantum

    @property
    def max_shown(self) -> float:
        return self._count(self.max_duty, -1) * self.quantum

    def duty(self, level: float) -> float:
        """The exact (unquantized) duty for perceived ``level``; 0 is off."""
        if level <= 0:
            return 0.0
        return self.min_duty + (self.max_duty - self.min_duty) * lightness_to_luminance(level)

    def level(self, duty: float) -> float:
        """Perceived lightness shown at ``duty`` (the inverse of :meth:`duty`)."""
        if duty <= self.min_duty:
            return 0.0
        return luminance_to_lightness((duty - self.min_duty) / (self.max_duty - self.min_duty))

    def quantize(self, duty: float, direction: int = 0) -> float:
        """``duty`` on the backend's grid: rounded down (-1), up (+1) or to the nearest (0).

        Zero stays zero; anything above zero is at least :attr:`min_shown` and
        at most :attr:`max_shown`.
        """
        if duty <= 0:
            return 0.0
        count = min(self._count(duty, direction), self._count(self.max_duty, -1))
        return max(count * self.quantum, self.min_shown)

    def shown(self, level: float) -> float:
        """The duty written for perceived ``level``."""
        return self.quantize(self.duty(level))

    def _count(self, duty: float, direction: int) -> int:
        x = duty / self.quantum
        if direction < 0:
            return math.floor(x + 1e-9)
        if direction > 0:
            return math.ceil(x - 1e-9)
        return round(x)


@dataclass(frozen=True)
class Step:
    """Write ``duty`` at ``at`` seconds after the fade began; the lamp then shows ``level``."""

    at: float
    duty: float
    level: float


def duty_ladder(dmap: DutyMap, start: float, end: float, max_step: float = MAX_STEP_L) -> list[float]:
    """The duties from ``start`` (exclusive) to ``end`` (inclusive), each at most ``max_step`` L* from the last.

    Greedy: every step is the largest the limit allows, so a fade wakes the
    CPU as rarely as an invisible fade can. Where one quantum is already more
    than ``max_step`` (a coarse backend), steps are one quantum.
    """
    return list(_rungs(dmap, start, end, max_step))


def first_fade_step(dmap: DutyMap, start_duty: float, target: float, max_step: float = MAX_STEP_L) -> Step | None:
    """The first step :func:`plan_fade` takes towards ``target``, due at once; None if the duty stays."""
    end = dmap.shown(target)
    duty = next(_rungs(dmap, start_duty, end, max_step), None)
    if duty is None:
        return None
    return Step(0.0, duty, target if duty == end else dmap.level(duty))


def _rungs(dmap: DutyMap, start: float, end: float, max_step: float) -> Iterator[float]:
    current = start
    end_level = dmap.level(end)
    up = end > start
    while current != end:
        level = dmap.level(current)
        if abs(end_level - level) <= max_step:
            nxt = end
        elif up:
            nxt = dmap.quantize(dmap.duty(level + max_step), -1)
            if nxt <= current:
                nxt = current + dmap.quantum if current > 0 else dmap.min_shown
            nxt = min(nxt, end)
        else:
            nxt = dmap.quantize(dmap.duty(level - max_step), +1)
            if nxt >= current:
                nxt = current - dmap.quantum if current > dmap.min_shown + dmap.quantum / 2 else 0.0
            nxt = max(nxt, end)
        yield nxt
        current = nxt


def inverse_ease(curve: str, progress: float) -> float:
    """The time fraction at which ``curve`` reaches ``progress`` (both 0..1)."""
    progress = min(1.0, max(0.0, progress))
    if curve == "sunset":
        return 1 - math.sqrt(1 - progress)
    if curve != "ease" or progress in (0.0, 1.0):
        return progress
    # Smoothstep's inverse in closed form: a bisection here was most of the time a button press
    # took to reach the lamp (48 steps for each of a fade's ~60 duty steps, 2 ms on a fast machine).
    return min(1.0, max(0.0, 0.5 - math.sin(math.asin(1.0 - 2.0 * progress) / 3.0)))


def plan_fade(
    dmap: DutyMap,
    start_duty: float,
    start_level: float,
    target: float,
    duration: float,
    curve: str = "linear",
    max_step: float = MAX_STEP_L,
    min_interval: float = MIN_STEP_INTERVAL,
) -> list[Step]:
    """The steps of a fade from what the lamp shows now to perceived ``target`` over ``duration`` s.

    The path in perceived level is the core's (:func:`device.core.fade.fade_level`
    from ``start_level`` to ``target`` along ``curve``); each duty of the ladder
    is written when the path reaches the level it shows, and the last step is
    exactly the target at exactly ``duration``. Steps closer together than
    ``min_interval`` are merged (only very fast fades have them).
    """
    end = dmap.shown(target)
    ladder = duty_ladder(dmap, start_duty, end, max_step)
    if not ladder:
        return [Step(max(0.0, duration), end, target)] if start_level != target else []
    if duration <= 0:
        return [Step(0.0, end, target)]
    span = target - start_level
    steps: list[Step] = []
    last_at = -min_interval
    for i, duty in enumerate(ladder):
        final = i == len(ladder) - 1
        level = target if final else dmap.level(duty)
        at = duration if final else duration * inverse_ease(curve, (level - start_level) / span if span else 1.0)
        at = max(at, last_at if steps else 0.0)
        if final or at - last_at >= min_interval:
            steps.append(Step(at, duty, level))
            last_at = at
    return steps


INHALE_SHARE = 0.4  # of each breath; a longer out-breath is the calming half
BREATHE_LEAD_IN = 3.0  # s, from the current level to the low level before the first in-breath


def breath_phases(duration: float, start_bpm: float, end_bpm: float) -> list[float]:
    """Lengths in seconds of alternating in- and out-breaths (in first) that fit in ``duration``.

    The pace moves linearly from ``start_bpm`` to ``end_bpm`` breaths a minute
    over ``duration``; only whole breaths are taken, so the last phase is an
    out-breath.
    """
    if not (start_bpm > 0 and end_bpm > 0 and duration > 0):
        return []
    phases: list[float] = []
    t = 0.0
    while True:
        bpm = start_bpm + (end_bpm - start_bpm) * min(1.0, t / duration)
        period = 60.0 / bpm
        if t + period > duration + 1e-9:
            return phases
        phases += [period * INHALE_SHARE, period * (1 - INHALE_SHARE)]
        t += period
