"""Fade curves over perceived brightness (0-100 %), shared by the core and the lamp.

The core uses them to know where the lamp is at any moment without asking
it; the lamp driver uses the same functions to plan its duty steps, so both
agree.
"""

from __future__ import annotations

import math

CURVES = ("linear", "ease", "sunset")


def ease(curve: str, x: float) -> float:
    """Progress 0..1 along ``curve`` at time fraction ``x`` (0..1)."""
    x = min(1.0, max(0.0, x))
    if curve == "ease":  # smoothstep: no jolt at either end
        return x * x * (3 - 2 * x)
    if curve == "sunset":
        # Quick at first, slow near the end: the long last stretch at low
        # light is where drowsiness builds, and the step to dark is gentle.
        return 1 - (1 - x) ** 2
    return x


def fade_level(start_level: float, target: float, t0: float, t1: float, now: float, curve: str = "linear") -> float:
    """Perceived level at ``now`` of a fade from ``start_level`` (at t0) to ``target`` (at t1)."""
    if now >= t1 or t1 <= t0:
        return target
    if now <= t0:
        return start_level
    progress = ease(curve, (now - t0) / (t1 - t0))
    return start_level + (target - start_level) * progress


def is_finite_level(value: float) -> bool:
    return math.isfinite(value) and 0.0 <= value <= 100.0
