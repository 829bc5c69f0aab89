"""Signal helpers for the built-in triggers and for looping recordings.

Everything that makes a built-in loop is *circular*: noise is shaped in the frequency domain
over the whole loop, events that run past the end wrap round to the start, and time-varying
filters overlap-add frames on a ring. The last sample therefore flows into the first exactly
as any sample flows into the next, and the seam cannot be heard or seen. Recordings, which are
not circular, get their ends crossfaded instead (:func:`loop_crossfade`).
"""

from __future__ import annotations

import math
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

RATE = 44100
Array = npt.NDArray[np.float64]


def freqs_of(frames: int, rate: int = RATE) -> Array:
    """Centre frequencies of an rfft of ``frames`` samples."""
    return np.fft.rfftfreq(frames, 1.0 / rate).astype(np.float64)


def band(freqs: Array, low: float, high: float, order: float = 2.0) -> Array:
    """Magnitude of a smooth band pass (Butterworth-like slopes of 6·order dB per octave)."""
    f = np.maximum(freqs, 1e-3)
    return 1.0 / np.sqrt((1.0 + (f / high) ** (2 * order)) * (1.0 + (low / f) ** (2 * order)))


def shaped_noise(rng: np.random.Generator, frames: int, magnitude: Array, channels: int = 2) -> Array:
    """Periodic Gaussian noise, ``frames`` long, whose spectrum follows ``magnitude`` (rfft bins); unit RMS."""
    spectrum = np.fft.rfft(rng.standard_normal((frames, channels)), axis=0) * magnitude[:, None]
    out = np.fft.irfft(spectrum, n=frames, axis=0)
    return out / max(float(np.sqrt(np.mean(out * out))), 1e-12)


def stereo_mix(noise: Array, correlation: float) -> Array:
    """Blend two independent channels towards a common one, keeping each channel's power."""
    common = (noise[:, 0] + noise[:, 1]) / math.sqrt(2.0)
    a, b = math.sqrt(correlation), math.sqrt(1.0 - correlation)
    return np.stack([a * common + b * noise[:, 0], a * common + b * noise[:, 1]], axis=1)


def circular_convolve(train: Array, kernel: Array) -> Array:
    """``train`` (frames, channels) convolved with ``kernel`` on a ring: what runs off the end comes in at the start."""
    frames = train.shape[0]
    k = np.zeros(frames)
    k[: kernel.shape[0]] = kernel[:frames]
    return np.fft.irfft(np.fft.rfft(train, axis=0) * np.fft.rfft(k)[:, None], n=frames, axis=0)


def circular_add(buf: Array, event: Array, start: int) -> None:
    """Add ``event`` (samples, channels) into ``buf`` at ``start``, wrapping round the end."""
    frames = buf.shape[0]
    start %= frames
    length = min(event.shape[0], frames)
    first = min(length, frames - start)
    buf[start : start + first] += event[:first]
    if first < length:
        buf[: length - first] += event[first:length]


def pan(mono: Array, position: float) -> Array:
    """Constant-power pan of a mono signal, ``position`` from -1 (left) to 1 (right)."""
    angle = (position + 1.0) * math.pi / 4.0
    return np.stack([mono * math.cos(angle), mono * math.sin(angle)], axis=1)


def impulse_trains(
    rng: np.random.Generator, frames: int, times: Array, amplitudes: Array, spread: float = 0.8
) -> Array:
    """A stereo train of impulses at sample ``times`` with random constant-power pans."""
    angle = (rng.uniform(-spread, spread, len(times)) + 1.0) * math.pi / 4.0
    train = np.zeros((frames, 2))
    idx = times.astype(np.int64) % frames
    np.add.at(train[:, 0], idx, amplitudes * np.cos(angle))
    np.add.at(train[:, 1], idx, amplitudes * np.sin(angle))
    return train


def damped_modes(freqs: Array, decays: Array, gains: Array, length: int, rate: int = RATE) -> Array:
    """Sum of exponentially decaying sines (a struck object's resonant modes)."""
    t = np.arange(length) / rate
    modes = np.sin(2 * np.pi * freqs[:, None] * t) * np.exp(-t / decays[:, None]) * gains[:, None]
    return modes.sum(axis=0)


def frame_noise(rng: np.random.Generator, magnitudes: Array, hop: int) -> Array:
    """Time-varying filtered noise on a ring: frame k (2·hop long, starting at k·hop) has spectrum magnitudes[k].

    Frames are windowed with a sine window and overlap by half, so the noise power is constant
    when the magnitudes are. The result is len(magnitudes)·hop samples long; the frame count must be even.
    """
    count = magnitudes.shape[0]
    if count % 2:
        raise ValueError(f"frame_noise needs an even number of frames, not {count}")
    size = 2 * hop
    spectra = (rng.standard_normal(magnitudes.shape) + 1j * rng.standard_normal(magnitudes.shape)) * magnitudes
    grains = np.fft.irfft(spectra, n=size, axis=1) * np.sin(np.pi * (np.arange(size) + 0.5) / size)
    return grains[0::2].reshape(-1) + np.roll(grains[1::2].reshape(-1), hop)


def envelope_from_events(
    frames: int, starts: Array, shape: Callable[[int], Array], lengths: Array, gains: Array
) -> Array:
    """A gain envelope made of one ``shape(length)`` bump per event, placed on a ring."""
    env = np.zeros((frames, 1))
    for start, length, gain in zip(starts, lengths, gains, strict=True):
        circular_add(env, shape(int(length))[:, None] * gain, int(start))
    return env[:, 0]


def loop_crossfade(samples: Array, overlap: int) -> Array:
    """Make a recording loop seamlessly: its last ``overlap`` samples fade (equal power) into its first.

    The result is ``overlap`` samples shorter; its last sample is followed, when looped, by what
    followed it in the recording.
    """
    frames = samples.shape[0]
    overlap = min(overlap, frames // 2)
    if overlap < 2:
        return samples
    x = (np.arange(overlap) + 0.5) / overlap * (math.pi / 2)
    out = samples[: frames - overlap].copy()
    out[:overlap] = samples[:overlap] * np.sin(x)[:, None] + samples[frames - overlap :] * np.cos(x)[:, None]
    return out


def to_int16(samples: Array) -> npt.NDArray[np.int16]:
    """Float samples (full scale 1.0) to 16-bit, clipped."""
    return np.clip(np.round(samples * 32767.0), -32768, 32767).astype(np.int16)


def write_wav(path: Path, samples: Array, rate: int = RATE) -> None:
    """Write (frames, channels) float samples as 16-bit PCM WAV, atomically (temporary file, rename)."""
    data = to_int16(samples)
    tmp = path.with_name(path.name + ".tmp")
    with wave.open(str(tmp), "wb") as out:
        out.setnchannels(data.shape[1])
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(data.tobytes())
    tmp.replace(path)


def read_wav(path: Path) -> tuple[Array, int]:
    """(samples as float (frames, channels), rate) of a 16-bit PCM WAV."""
    with wave.open(str(path), "rb") as src:
        if src.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit WAV is read here")
        data = np.frombuffer(src.readframes(src.getnframes()), dtype="<i2")
        return data.reshape(-1, src.getnchannels()).astype(np.float64) / 32768.0, src.getframerate()
