"""Rain and pouring water: many small impacts and bubbles over a wash of noise (after Farnell, *Designing Sound*)."""

from __future__ import annotations

import math

import numpy as np

from device.audio.dsp import (
    RATE,
    Array,
    band,
    circular_add,
    circular_convolve,
    damped_modes,
    freqs_of,
    impulse_trains,
    pan,
    shaped_noise,
    stereo_mix,
)


def _slow_wobble(rng: np.random.Generator, frames: int, depth_db: float, cycles: tuple[int, ...]) -> Array:
    """A smooth gain that drifts by about ±depth_db, periodic over the loop (whole numbers of cycles)."""
    t = np.arange(frames) / frames
    drift = sum(np.sin(2 * math.pi * (c * t + rng.uniform())) for c in cycles) / len(cycles)
    return 10.0 ** (depth_db * drift / 20.0)


def _droplet_kernels(rng: np.random.Generator, count: int) -> list[Array]:
    """Kinds of drop, each a few ms: noisy splashes in different bands, some with a brief ring."""
    n = int(0.012 * RATE)
    t = np.arange(n) / RATE
    kernels = []
    for _ in range(count):
        low = math.exp(rng.uniform(math.log(800.0), math.log(3000.0)))
        burst = rng.standard_normal(n) * np.exp(-t / rng.uniform(0.0004, 0.0015))
        kernel = np.fft.irfft(np.fft.rfft(burst) * band(freqs_of(n), low, low * 4.0, 1.0), n=n)
        ring = damped_modes(np.array([low * rng.uniform(1.5, 3.0)]), np.array([0.001]), np.array([1.0]), n)
        kernel = kernel / np.max(np.abs(kernel)) + rng.uniform(0.0, 0.5) * ring
        kernels.append(kernel / np.max(np.abs(kernel)))
    return kernels


def rain(rng: np.random.Generator, frames: int) -> Array:
    """Hundreds of drops a second (short decaying clicks), a few ringing puddle bubbles, over a 1–10 kHz wash."""
    seconds = frames / RATE
    wash = stereo_mix(shaped_noise(rng, frames, band(freqs_of(frames), 900.0, 9000.0, 1.0)), 0.2) * 0.03
    out = wash
    for kernel in _droplet_kernels(rng, 8):
        count = rng.poisson(90.0 * seconds)
        times = rng.uniform(0, frames, count)
        amplitudes = 0.5 * rng.lognormal(0.0, 0.6, count) * rng.choice([-1.0, 1.0], count)
        out = out + circular_convolve(impulse_trains(rng, frames, times, amplitudes, 0.9), kernel)
    for _ in range(rng.poisson(6.0 * seconds)):
        f0 = math.exp(rng.uniform(math.log(1200.0), math.log(4500.0)))
        circular_add(
            out, pan(_bubble(f0, 0.3 * rng.uniform(0.2, 1.0)), rng.uniform(-0.8, 0.8)), int(rng.integers(frames))
        )
    return out * _slow_wobble(rng, frames, 1.5, (1, 2, 3))[:, None]


def _bubble(f0: float, amplitude: float) -> Array:
    """One bubble: a sine at the Minnaert frequency that rises as the bubble nears the surface and dies away."""
    decay = min(max(6.0 / f0, 0.004), 0.03)
    n = int(5 * decay * RATE)
    t = np.arange(n) / RATE
    rise = 0.6 / (5 * decay)  # the pitch climbs about 60 % over the bubble's life
    attack = np.minimum(1.0, t / 0.0007)
    return amplitude * np.sin(2 * math.pi * f0 * (t + 0.5 * rise * t * t)) * np.exp(-t / decay) * attack


def pouring(rng: np.random.Generator, frames: int) -> Array:
    """Water poured into water: a stream of rising bubble chirps (300 Hz–3 kHz) over a low rumble and splash."""
    seconds = frames / RATE
    intensity = _slow_wobble(rng, frames, 4.0, (1, 2, 5))
    f = freqs_of(frames)
    rumble = stereo_mix(shaped_noise(rng, frames, band(f, 40.0, 300.0, 2.0)), 0.7) * 0.12
    splash = stereo_mix(shaped_noise(rng, frames, band(f, 1500.0, 7000.0, 1.0)), 0.3) * 0.012
    out = (rumble + splash) * intensity[:, None]
    count = rng.poisson(110.0 * seconds)
    times = np.sort(rng.uniform(0, frames, count))
    keep = rng.uniform(0, float(np.max(intensity)), count) < intensity[times.astype(np.int64)]
    for start in times[keep]:
        f0 = math.exp(rng.uniform(math.log(300.0), math.log(3000.0)))
        amplitude = 0.5 * rng.lognormal(0.0, 0.4) * (600.0 / f0) ** 0.4
        circular_add(out, pan(_bubble(f0, amplitude), rng.uniform(-0.5, 0.5)), int(start))
    return out
