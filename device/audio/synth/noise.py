"""Noise colours and the sea: spectra shaped over the whole loop, so the loop has no seam."""

from __future__ import annotations

import math

import numpy as np

from device.audio.dsp import RATE, Array, band, frame_noise, freqs_of, shaped_noise, stereo_mix

OCEAN_HOP = 1024


def pink(rng: np.random.Generator, frames: int) -> Array:
    """Power falling 3 dB per octave (1/f), from 20 Hz up."""
    f = freqs_of(frames)
    return stereo_mix(shaped_noise(rng, frames, band(f, 20.0, 1e9, 2.0) / np.sqrt(np.maximum(f, 1.0))), 0.3)


def brown(rng: np.random.Generator, frames: int) -> Array:
    """Power falling 6 dB per octave (1/f²), from 30 Hz up (no speaker this size plays lower)."""
    f = freqs_of(frames)
    return stereo_mix(shaped_noise(rng, frames, band(f, 30.0, 1e9, 2.0) / np.maximum(f, 1.0)), 0.3)


def _wave_bumps(rng: np.random.Generator, count: int, seconds: float) -> tuple[Array, Array]:
    """(swell, crash) per frame: each wave swells for 2–4 s, breaks, and recedes over 3–6 s, every 6–12 s."""
    t = np.arange(count) * OCEAN_HOP / RATE
    swell = np.full(count, 0.18)
    crash = np.zeros(count)
    start = rng.uniform(0, 3)
    while start < seconds - 3.0:
        rise, fall = rng.uniform(2.0, 4.0), rng.uniform(3.0, 6.0)
        height = rng.uniform(0.6, 1.0)
        phase = (t - start) % seconds
        up = phase < rise
        down = (phase >= rise) & (phase < rise + fall)
        swell[up] += height * np.sin(0.5 * math.pi * phase[up] / rise) ** 2
        swell[down] += height * np.exp(-3.0 * (phase[down] - rise) / fall) * (1 - (phase[down] - rise) / fall)
        after = phase[down] - rise
        crash[down] += height * (1.0 - np.exp(-after / 0.4)) * np.exp(-5.0 * after / fall)
        start += rng.uniform(6.0, 12.0)
    return swell, crash


def ocean(rng: np.random.Generator, frames: int) -> Array:
    """Brown-ish surf that swells and recedes every 6–12 s, brighter as each wave breaks."""
    count = frames // OCEAN_HOP
    f = freqs_of(2 * OCEAN_HOP)
    body = band(f, 40.0, 1e9, 2.0) / np.maximum(f, 40.0) ** 0.8
    body /= np.sqrt(np.mean(body**2))
    hiss = band(f, 800.0, 9000.0, 1.0)
    hiss /= np.sqrt(np.mean(hiss**2))
    swell, crash = _wave_bumps(rng, count, frames / RATE)
    magnitudes = swell[:, None] * body[None, :] + 0.8 * crash[:, None] * hiss[None, :]
    left = frame_noise(rng, magnitudes, OCEAN_HOP)
    right = frame_noise(rng, magnitudes, OCEAN_HOP)
    return stereo_mix(np.stack([left, right], axis=1)[:frames], 0.4)
