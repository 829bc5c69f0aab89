"""The volume scale, fade curves, and how a gain is set exactly through SDL_mixer's integer volumes.

Pure functions: no pygame, no clock.
"""

from __future__ import annotations

import math

SILENT = 0.0


def volume_to_db(volume: float, floor_db: float, ceiling_db: float) -> float:
    """Gain in dB of the user's volume 1–100: equal steps in dB from ``floor_db`` at 1 to ``ceiling_db`` at 100."""
    v = min(max(volume, 1.0), 100.0)
    return floor_db + (ceiling_db - floor_db) * (v - 1.0) / 99.0


def volume_to_gain(volume: float, floor_db: float, ceiling_db: float) -> float:
    """Linear gain of the user's volume 0–100; 0 is silence, and 0–1 fades linearly into the floor."""
    if volume <= 0.0:
        return SILENT
    gain = 10.0 ** (volume_to_db(volume, floor_db, ceiling_db) / 20.0)
    return gain * min(volume, 1.0)


def rise(x: float) -> float:
    """Equal-power fade-in shape over x in [0, 1]: sin(πx/2); with :func:`fall` the power sums to 1."""
    return math.sin(0.5 * math.pi * min(max(x, 0.0), 1.0))


def fall(x: float) -> float:
    """Equal-power fade-out shape over x in [0, 1]: cos(πx/2), exactly 0 at the end."""
    return 0.0 if x >= 1.0 else math.cos(0.5 * math.pi * max(x, 0.0))


def smooth(x: float) -> float:
    """Raised-cosine shape over x in [0, 1]: starts and ends with zero slope, so a fade to silence lands softly."""
    return 0.5 - 0.5 * math.cos(math.pi * min(max(x, 0.0), 1.0))


def envelope(start: float, end: float, x: float, shape: str = "power") -> float:
    """A fade from level ``start`` to ``end`` at progress ``x``.

    ``power``: equal-power (sin/cos) shapes, for crossfades between uncorrelated sounds;
    ``smooth``: raised cosine, for fades to silence; ``linear``: for volume ramps already in dB.
    """
    if shape == "linear":
        return start + (end - start) * min(max(x, 0.0), 1.0)
    if shape == "smooth":
        return start + (end - start) * smooth(x)
    if end >= start:
        return start + (end - start) * rise(x)
    return end + (start - end) * fall(x)


def split_gain(gain: float) -> tuple[int, int]:
    """Write ``gain`` (0–1) as chunk volume c (0–128) × pan p (0–255), SDL_mixer's two integer volume stages.

    Sound.set_volume has only 128 steps (6 dB apart at 1/128 and 2/128); multiplied by the panning
    effect's 255 steps the product is exact to better than 0.1 dB down to -50 dB.
    """
    g = min(max(gain, 0.0), 1.0)
    chunk = math.ceil(g * 128.0 - 1e-9)
    if chunk <= 0:
        return 0, 255
    return chunk, min(255, round(g * 128.0 / chunk * 255.0))


def applied_gain(chunk: int, pan: int) -> float:
    """The gain SDL_mixer applies for :func:`split_gain`'s pair."""
    return chunk / 128.0 * pan / 255.0
