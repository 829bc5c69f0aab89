"""Whisper and brushing: noise through filters that move frame by frame, shaped by syllable or stroke envelopes."""

from __future__ import annotations

import math

import numpy as np

from device.audio.dsp import RATE, Array, band, frame_noise, freqs_of
from device.audio.synth.impacts import room_tone

HOP = 512

# Vowel formants F1, F2, F3 (Hz), after Peterson & Barney; whispered formants sit a little higher.
VOWELS = (
    (730.0, 1090.0, 2440.0),
    (270.0, 2290.0, 3010.0),
    (300.0, 870.0, 2240.0),
    (530.0, 1840.0, 2480.0),
    (570.0, 840.0, 2410.0),
)
# Fricative onsets: (low, high) band in Hz: s, sh, f, h.
FRICATIVES = ((4500.0, 9500.0), (2200.0, 6000.0), (1500.0, 8000.0), (1200.0, 5000.0))


def _frame_times(frames: int) -> Array:
    return np.arange(frames // HOP) * HOP / RATE


def _syllables(rng: np.random.Generator, seconds: float) -> list[tuple[float, float, int, int]]:
    """(start s, length s, vowel, fricative or -1) for phrases of 3–10 syllables at 3.5–5.5 a second."""
    plan: list[tuple[float, float, int, int]] = []
    t = rng.uniform(0.1, 0.5)
    while t < seconds - 0.5:
        rate = rng.uniform(3.5, 5.5)
        for _ in range(int(rng.integers(3, 11))):
            length = float(np.clip(rng.normal(1.0 / rate, 0.03), 0.14, 0.32))
            fricative = int(rng.integers(len(FRICATIVES))) if rng.uniform() < 0.65 else -1
            plan.append((t, length, int(rng.integers(len(VOWELS))), fricative))
            t += length
        t += rng.uniform(0.3, 0.9) if rng.uniform() < 0.75 else rng.uniform(1.4, 2.4)
    return plan


def _formant_shape(f: Array, formants: tuple[float, float, float]) -> Array:
    bumps = sum(
        g * np.exp(-0.5 * ((f - fc * 1.1) / bw) ** 2)
        for fc, bw, g in zip(formants, (180.0, 260.0, 380.0), (0.5, 1.0, 0.9), strict=True)
    )
    extra = 0.5 * np.exp(-0.5 * ((f - 3800.0) / 500.0) ** 2) + 0.35 * np.exp(-0.5 * ((f - 5200.0) / 900.0) ** 2)
    return (bumps + extra + 0.08) * band(f, 1100.0, 8500.0, 1.5)


def _syllable_envelope(t: Array, start: float, length: float, seconds: float) -> Array:
    """Rises in 40 ms, holds, falls over the last 40 % (a raised-cosine bump), on a ring."""
    phase = (t - start) % seconds
    x = np.clip(phase / length, 0.0, 1.0)
    up = np.clip(x / 0.2, 0.0, 1.0)
    down = np.clip((1.0 - x) / 0.4, 0.0, 1.0)
    return np.where(phase < length, np.sin(0.5 * math.pi * np.minimum(up, down)) ** 2, 0.0)


def whisper(rng: np.random.Generator, frames: int) -> Array:
    """Unvoiced speech-like texture: breath noise through gliding vowel formants, fricative onsets, syllables at 3–6 Hz."""
    seconds = frames / RATE
    t = _frame_times(frames)
    f = freqs_of(2 * HOP)
    magnitudes = np.zeros((t.shape[0], f.shape[0]))
    for start, length, vowel, fricative in _syllables(rng, seconds):
        env = _syllable_envelope(t, start, length, seconds)
        active = env > 0
        phase = ((t[active] - start) % seconds) / length
        vowel_part = _formant_shape(f, VOWELS[vowel])
        if fricative >= 0:
            low, high = FRICATIVES[fricative]
            onset = band(f, low, high, 2.0) * 1.3
            mix = np.clip((phase - 0.15) / 0.2, 0.0, 1.0)[:, None]
            magnitudes[active] += env[active, None] * ((1 - mix) * onset + mix * vowel_part)
        else:
            magnitudes[active] += env[active, None] * vowel_part
    mono = frame_noise(rng, magnitudes, HOP)[:frames]
    return _pan_by_phrase(rng, mono, frames) + room_tone(rng, frames, 0.0004)


def _pan_by_phrase(rng: np.random.Generator, mono: Array, frames: int) -> Array:
    """Move the voice slowly from ear to ear (a point every ~4 s, smoothed, on a ring)."""
    points = max(2, int(frames / RATE / 4.0))
    anchors = rng.uniform(-0.8, 0.8, points)
    x = np.arange(frames) / frames * points
    i = np.floor(x).astype(np.int64)
    frac = 0.5 - 0.5 * np.cos(math.pi * (x - i))
    where = anchors[i % points] * (1 - frac) + anchors[(i + 1) % points] * frac
    angle = (where + 1.0) * math.pi / 4.0
    return np.stack([mono * np.cos(angle), mono * np.sin(angle)], axis=1)


def _strokes(rng: np.random.Generator, seconds: float) -> list[tuple[float, float, float, float]]:
    """(start s, length s, centre Hz at start, at end): strokes of 0.3–1 s, with short gaps and rests."""
    plan: list[tuple[float, float, float, float]] = []
    t = rng.uniform(0.0, 0.3)
    direction = 1.0
    while t < seconds - 0.3:
        length = rng.uniform(0.3, 1.0)
        centre = rng.uniform(1800.0, 3200.0)
        plan.append((t, length, centre, centre * (1.0 + 0.35 * direction)))
        direction = -direction
        t += length + (rng.uniform(0.05, 0.25) if rng.uniform() < 0.85 else rng.uniform(0.6, 1.5))
    return plan


def brushing(rng: np.random.Generator, frames: int) -> Array:
    """A soft brush on a microphone: band-passed noise in strokes of 0.3–1 s, sweeping across, with bristle flutter."""
    seconds = frames / RATE
    t = _frame_times(frames)
    f = freqs_of(2 * HOP)
    magnitudes = np.zeros((t.shape[0], f.shape[0]))
    sweep = np.zeros(t.shape[0])
    for index, (start, length, centre_a, centre_b) in enumerate(_strokes(rng, seconds)):
        env = _syllable_envelope(t, start, length, seconds)
        active = np.flatnonzero(env > 0)
        progress = ((t[active] - start) % seconds) / length
        for k, p in zip(active, progress, strict=True):
            centre = centre_a + (centre_b - centre_a) * p
            magnitudes[k] += env[k] * band(f, centre / 1.9, centre * 1.9, 2.0)
            sweep[k] = (2 * p - 1) * (1 if index % 2 else -1) * 0.6
    left = frame_noise(rng, magnitudes, HOP)[:frames]
    right = frame_noise(rng, magnitudes, HOP)[:frames]
    flutter = 1.0 + 0.25 * _smooth_noise(rng, frames, 40.0)
    where = np.repeat(sweep, HOP)[:frames]
    angle = (where + 1.0) * math.pi / 4.0
    near = 0.8 * np.stack([left * np.cos(angle), right * np.sin(angle)], axis=1)
    return near * flutter[:, None] + room_tone(rng, frames, 0.0004)


def _smooth_noise(rng: np.random.Generator, frames: int, cutoff: float) -> Array:
    """Unit-RMS noise below ``cutoff`` Hz, periodic over the loop."""
    spectrum = np.fft.rfft(rng.standard_normal(frames)) * band(freqs_of(frames), 5.0, cutoff, 2.0)
    out = np.fft.irfft(spectrum, n=frames)
    return out / max(float(np.sqrt(np.mean(out * out))), 1e-12)
