"""Measurements that say what a sound is: spectral slope, band energy, transients, envelopes."""

from __future__ import annotations

import math

import numpy as np

RATE = 44100


def mono(x: np.ndarray) -> np.ndarray:
    return x.mean(axis=1) if x.ndim == 2 else x


def power_spectrum(x: np.ndarray, size: int = 8192) -> tuple[np.ndarray, np.ndarray]:
    """Welch average of the power spectrum (Hann windows, half overlap): (freqs, power)."""
    m = mono(x)
    hop = size // 2
    count = (m.shape[0] - size) // hop
    frames = np.stack([m[i * hop : i * hop + size] for i in range(count)]) * np.hanning(size)
    return np.fft.rfftfreq(size, 1 / RATE), (np.abs(np.fft.rfft(frames, axis=1)) ** 2).mean(axis=0)


def octave_slope(x: np.ndarray, low: float = 100.0, high: float = 10000.0) -> float:
    """Slope in dB per octave of the power per Hz, fitted over octave bands from ``low`` to ``high``."""
    f, p = power_spectrum(x)
    centres = low * 2.0 ** np.arange(0, math.log2(high / low) + 1e-9, 0.5)
    levels = [10 * math.log10(p[(f >= c / 2**0.25) & (f < c * 2**0.25)].mean()) for c in centres]
    return float(np.polyfit(np.log2(centres), levels, 1)[0])


def band_fraction(x: np.ndarray, low: float, high: float) -> float:
    f, p = power_spectrum(x)
    return float(p[(f >= low) & (f < high)].sum() / p[f >= 20].sum())


def frame_levels(x: np.ndarray, seconds: float) -> np.ndarray:
    """RMS level in dB of consecutive frames of ``seconds``."""
    n = int(seconds * RATE)
    m = mono(x)
    count = m.shape[0] // n
    power = (m[: count * n].reshape(count, n) ** 2).mean(axis=1)
    return 10 * np.log10(np.maximum(power, 1e-20))


def onsets(x: np.ndarray, rise_db: float = 12.0, frame: float = 0.002) -> np.ndarray:
    """Times (s) where a frame is ``rise_db`` louder than the median of the 20 ms before it."""
    levels = frame_levels(highpassed(x, 1000.0), frame)
    back = int(0.02 / frame)
    ref = np.array([np.median(levels[max(0, i - back) : i]) if i else levels[0] for i in range(levels.shape[0])])
    hits = np.flatnonzero((levels - ref > rise_db) & (levels > levels.max() - 50))
    keep = hits[np.concatenate([[True], np.diff(hits) > int(0.01 / frame)])] if hits.size else hits
    return keep * frame


def highpassed(x: np.ndarray, cutoff: float) -> np.ndarray:
    m = mono(x)
    spectrum = np.fft.rfft(m)
    spectrum[np.fft.rfftfreq(m.shape[0], 1 / RATE) < cutoff] = 0
    return np.fft.irfft(spectrum, n=m.shape[0])


def modulation_peak(x: np.ndarray, low: float = 0.5, high: float = 20.0) -> float:
    """Frequency (Hz) of the strongest modulation of the loudness envelope between ``low`` and ``high``."""
    levels = 10 ** (frame_levels(x, 0.01) / 20)
    spectrum = np.abs(np.fft.rfft(levels - levels.mean()))
    f = np.fft.rfftfreq(levels.shape[0], 0.01)
    band = (f >= low) & (f <= high)
    return float(f[band][np.argmax(spectrum[band])])


def runs(mask: np.ndarray, frame: float) -> np.ndarray:
    """Lengths in seconds of the runs of True in ``mask``."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return (np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)) * frame


def voicing(x: np.ndarray) -> float:
    """Highest normalized autocorrelation at a voice's pitch periods (2.5–12.5 ms) over loud 40 ms frames."""
    m = mono(x)
    n = int(0.04 * RATE)
    levels = frame_levels(x, 0.04)
    best = 0.0
    for i in np.flatnonzero(levels > np.percentile(levels, 80))[:200]:
        f = m[i * n : (i + 1) * n]
        f = f - f.mean()
        ac = np.correlate(f, f, "full")[n - 1 :]
        ac /= ac[0]
        best = max(best, float(ac[int(0.0025 * RATE) : int(0.0125 * RATE)].max()))
    return best


def rising_chirps(x: np.ndarray, low: float = 300.0, high: float = 3000.0) -> tuple[int, int]:
    """(rising, falling) counts of a prominent spectral peak in ``low``–``high`` followed over 6 ms steps."""
    m = mono(x)
    size, hop = 1024, 256
    count = (m.shape[0] - size) // hop
    frames = np.stack([m[i * hop : i * hop + size] for i in range(count)]) * np.hanning(size)
    spec = np.abs(np.fft.rfft(frames, n=4 * size, axis=1))
    f = np.fft.rfftfreq(4 * size, 1 / RATE)
    band = (f >= low) & (f < high)
    peak = f[band][np.argmax(spec[:, band], axis=1)]
    prominent = spec[:, band].max(axis=1) > 8 * np.median(spec[:, band], axis=1)
    up = down = 0
    for i in range(count - 1):
        if prominent[i] and prominent[i + 1] and abs(peak[i + 1] / peak[i] - 1) < 0.15:
            up += peak[i + 1] > peak[i]
            down += peak[i + 1] < peak[i]
    return up, down


def transient_rate(x: np.ndarray, above_db: float = 9.0) -> float:
    """Short clicks a second: 1 ms frames of the >2 kHz part that peak ``above_db`` over their median 100 ms around."""
    levels = frame_levels(highpassed(x, 2000.0), 0.001)
    width = 100
    padded = np.pad(levels, width // 2, mode="wrap")
    windows = np.lib.stride_tricks.sliding_window_view(padded, width + 1)[: levels.shape[0]]
    local = np.median(windows, axis=1)
    peak = (levels > np.roll(levels, 1)) & (levels >= np.roll(levels, -1)) & (levels - local > above_db)
    return float(peak.sum() / (x.shape[0] / RATE))


def seam_click_db(x: np.ndarray) -> float:
    """How much the >5 kHz level of the 1 ms frame at the loop seam exceeds its loudest neighbour within 50 ms."""
    half = x.shape[0] // 2
    rolled = np.roll(mono(x), half)  # the seam is now in the middle
    frame = int(0.001 * RATE)
    start = half - 50 * frame
    levels = frame_levels(highpassed(rolled[start : half + 50 * frame], 5000.0), 0.001)
    seam = levels[49:51].max()
    neighbours = np.concatenate([levels[:45], levels[55:]])
    return float(seam - neighbours.max())


def repetition(x: np.ndarray, min_lag: float = 0.5) -> float:
    """Largest normalized autocorrelation of the loop at lags from ``min_lag`` s to the loop length less that."""
    m = mono(x)
    spectrum = np.fft.rfft(m)
    ac = np.fft.irfft(np.abs(spectrum) ** 2, n=m.shape[0])
    lag = int(min_lag * RATE)
    return float(np.abs(ac[lag:-lag]).max() / ac[0])
