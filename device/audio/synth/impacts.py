"""Struck things: tapping, typing and crinkling. Each impact is an excitation (a click) into short resonant modes."""

from __future__ import annotations

import math

import numpy as np

from device.audio.dsp import RATE, Array, band, circular_add, damped_modes, freqs_of, pan, shaped_noise

# A few surfaces to tap on: (mode frequencies in Hz, decay times in s, relative gains).
SURFACES = (
    ((1150.0, 2240.0, 3380.0), (0.030, 0.018, 0.010), (1.0, 0.6, 0.3)),  # wooden box
    ((1900.0, 2950.0, 4100.0), (0.022, 0.014, 0.008), (1.0, 0.7, 0.4)),  # plastic case
    ((2600.0, 3700.0), (0.045, 0.025), (1.0, 0.5)),  # glass jar
    ((900.0, 1700.0, 2800.0), (0.020, 0.012, 0.008), (1.0, 0.5, 0.35)),  # hardcover book
)


def room_tone(rng: np.random.Generator, frames: int, level: float) -> Array:
    """A barely-there stereo room noise, so quiet passages are quiet rather than digitally dead."""
    f = freqs_of(frames)
    return shaped_noise(rng, frames, band(f, 60.0, 4000.0, 1.0) / np.sqrt(np.maximum(f, 60.0))) * level


def _click(rng: np.random.Generator, length_s: float, low: float) -> Array:
    n = max(8, int(length_s * RATE))
    burst = rng.standard_normal(n) * np.exp(-np.arange(n) / (n / 4))
    return np.fft.irfft(np.fft.rfft(burst) * band(freqs_of(n), low, 12000.0, 1.0), n=n)


def tap(rng: np.random.Generator, surface: int, strength: float) -> Array:
    """One fingertip or nail tap: a click and the surface's modes, each a little detuned."""
    freqs, decays, gains = (np.array(v) for v in SURFACES[surface])
    n = int(0.16 * RATE)
    body = damped_modes(freqs * rng.uniform(0.97, 1.03, len(freqs)), decays * rng.uniform(0.8, 1.2), gains, n)
    click = np.zeros(n)
    nail = _click(rng, 0.0008, 2500.0)
    click[: nail.shape[0]] = nail * rng.uniform(0.1, 0.4)
    return strength * (body / np.max(np.abs(body)) + click)


def tapping(rng: np.random.Generator, frames: int) -> Array:
    """Sparse, irregular phrases of taps (3–12 taps, 0.12–0.45 s apart) with silence between phrases."""
    out = room_tone(rng, frames, 0.0006)
    t = rng.uniform(0.0, 0.5)
    seconds = frames / RATE
    while t < seconds - 0.3:
        surface = int(rng.integers(len(SURFACES)))
        where = rng.uniform(-0.7, 0.7)
        for _ in range(int(rng.integers(3, 13))):
            strength = 0.5 * rng.lognormal(0.0, 0.3)
            circular_add(out, pan(tap(rng, surface, strength), where + rng.uniform(-0.1, 0.1)), int(t * RATE))
            t += float(np.clip(rng.lognormal(math.log(0.24), 0.35), 0.12, 0.45))
        t += rng.uniform(0.8, 2.5)
    return out


def key(rng: np.random.Generator, space: bool) -> Array:
    """A soft key press and its release: a click, a plastic resonance, a bottom-out thud, then a lighter click."""
    n = int(0.2 * RATE)
    freqs = np.array([420.0, 2700.0, 3900.0]) if not space else np.array([240.0, 1500.0, 2500.0])
    press = damped_modes(
        freqs * rng.uniform(0.9, 1.1, 3), np.array([0.012, 0.006, 0.004]), np.array([0.8, 0.6, 0.3]), n
    )
    press /= np.max(np.abs(press))
    click = _click(rng, 0.0015, 1500.0)
    press[: click.shape[0]] += click * 0.8
    release_at = int(rng.uniform(0.06, 0.11) * RATE)
    release = damped_modes(freqs[1:] * 1.1, np.array([0.004, 0.003]), np.array([1.0, 0.4]), n - release_at)
    press[release_at:] += 0.3 * release / np.max(np.abs(release))
    return press * (1.3 if space else 1.0)


def typing(rng: np.random.Generator, frames: int) -> Array:
    """Words of 2–9 keys at 6–10 keys a second, a space bar after each, pauses between words and sentences."""
    out = room_tone(rng, frames, 0.0008)
    t = rng.uniform(0.0, 0.3)
    seconds = frames / RATE
    words_left = int(rng.integers(4, 11))
    while t < seconds - 0.3:
        rate = rng.uniform(6.0, 10.0)
        for _ in range(int(rng.integers(2, 10))):
            strength = 0.4 * rng.lognormal(0.0, 0.2)
            circular_add(out, pan(key(rng, False) * strength, rng.uniform(-0.3, 0.3)), int(t * RATE))
            t += rng.uniform(0.6, 1.4) / rate
        circular_add(out, pan(key(rng, True) * 0.4, 0.0), int(t * RATE))
        words_left -= 1
        if words_left == 0:
            t += rng.uniform(1.0, 3.0)
            words_left = int(rng.integers(4, 11))
        else:
            t += rng.uniform(0.15, 0.5)
    return out


def crinkle(rng: np.random.Generator, frames: int) -> Array:
    """Crinkled paper or foil: gestures of 0.4–2 s full of sparse, very broadband crackles of every size."""
    out = room_tone(rng, frames, 0.0005)
    t = rng.uniform(0.0, 0.5)
    seconds = frames / RATE
    while t < seconds - 0.5:
        length = rng.uniform(0.4, 2.0)
        rate = rng.uniform(40.0, 140.0)
        where = rng.uniform(-0.6, 0.6)
        times = t + np.sort(rng.uniform(0, length, rng.poisson(rate * length)))
        swell = np.sin(math.pi * (times - t) / length) ** 0.5
        for at, s in zip(times, swell, strict=True):
            size = min(rng.pareto(1.6) + 0.05, 4.0)
            crack = _click(rng, rng.uniform(0.0003, 0.0025), rng.uniform(300.0, 2500.0))
            circular_add(out, pan(crack * 0.12 * size * s, where + rng.uniform(-0.3, 0.3)), int(at * RATE))
        t += length + rng.uniform(0.5, 3.0)
    return out
