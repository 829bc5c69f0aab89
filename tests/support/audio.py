"""Helpers for the sound tests: SDL's disk driver, test recordings, measurements of the output."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from device.audio.dsp import RATE, band, freqs_of, shaped_noise, write_wav
from device.audio.mixer import close_mixer, open_mixer
from device.config.schema import SoundsConfig


@dataclass
class DiskOutput:
    """What the mixer wrote; ``samples`` is filled in when the mixer closes."""

    path: Path
    opened: float = field(default_factory=time.monotonic)
    samples: np.ndarray = field(default_factory=lambda: np.zeros((0, 2)))

    def mark(self) -> int:
        """The output sample that plays about now (default delay: the disk driver keeps real time)."""
        return int((time.monotonic() - self.opened) * RATE)


@contextmanager
def disk_mixer(tmp: Path, config: SoundsConfig, realtime: bool) -> Iterator[DiskOutput]:
    """Open the real mixer on SDL's disk driver; after the block, the written float32 PCM is in ``.samples``."""
    close_mixer()
    saved = {k: os.environ.get(k) for k in ("SDL_AUDIODRIVER", "SDL_DISKAUDIOFILE", "SDL_DISKAUDIODELAY")}
    out = DiskOutput(tmp / "out.raw")
    os.environ.update(SDL_AUDIODRIVER="disk", SDL_DISKAUDIOFILE=str(out.path))
    if realtime:
        os.environ.pop("SDL_DISKAUDIODELAY", None)
    else:
        os.environ["SDL_DISKAUDIODELAY"] = "0"
    try:
        open_mixer(config, fallback_to_dummy=False)
        out.opened = time.monotonic()
        yield out
    finally:
        close_mixer()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if out.path.exists():
            out.samples = np.fromfile(out.path, dtype="<f4").reshape(-1, 2).astype(np.float64)


def noise_file(path: Path, seconds: float, level: float, seed: int, low: float = 100.0, high: float = 8000.0) -> Path:
    """A stereo band-limited noise recording as 16-bit WAV (not made to loop: the library must do that)."""
    rng = np.random.default_rng(seed)
    frames = int(seconds * RATE)
    samples = shaped_noise(rng, frames, band(freqs_of(frames), low, high, 2.0)) * level
    samples[: frames // 2] *= np.linspace(0.6, 1.0, frames // 2)[:, None]  # an end that differs from its start
    write_wav(path, samples)
    return path


def sine_file(path: Path, seconds: float, level: float, freq: float = 997.0) -> Path:
    t = np.arange(int(seconds * RATE)) / RATE
    s = level * np.sin(2 * math.pi * freq * t)
    write_wav(path, np.stack([s, s], axis=1))
    return path


def rms_db(samples: np.ndarray) -> float:
    return 10.0 * math.log10(max(float(np.mean(samples * samples)), 1e-20))


def windowed_rms_db(samples: np.ndarray, window: int) -> np.ndarray:
    n = samples.shape[0] // window
    power = (samples[: n * window] ** 2).reshape(n, window, -1).mean(axis=(1, 2))
    return 10.0 * np.log10(np.maximum(power, 1e-20))


def last_sound(samples: np.ndarray) -> int:
    """Index after the last non-zero output frame (0 for all silence)."""
    nonzero = np.flatnonzero(np.any(samples != 0, axis=1))
    return int(nonzero[-1]) + 1 if nonzero.size else 0


def longest_zero_run(samples: np.ndarray) -> int:
    zero = np.all(samples == 0, axis=1).astype(np.int8)
    if not zero.any():
        return 0
    edges = np.diff(np.concatenate([[0], zero, [0]]))
    return int((np.flatnonzero(edges == -1) - np.flatnonzero(edges == 1)).max())


def long_recording(
    path: Path, seconds: float, rate: int = RATE, channels: int = 2, level: float = 0.05, seed: int = 0
) -> Path:
    """A recording of band-limited noise, long in samples and quick to make: a 10 s block written again and
    again (each time at a slightly different level), encoded by soundfile in the format of the suffix."""
    from device.audio.recording import write_blocks

    rng = np.random.default_rng(seed)
    frames = int(10.0 * rate)
    block = shaped_noise(rng, frames, band(freqs_of(frames, rate), 100.0, min(8000.0, rate / 2.5), 2.0), channels)
    total = int(seconds * rate)

    def blocks() -> Iterator[np.ndarray]:
        for i, start in enumerate(range(0, total, frames)):
            yield block[: min(frames, total - start)] * level * (1.0 + 0.01 * (i % 7))

    write_blocks(path, blocks(), rate, channels)
    return path
