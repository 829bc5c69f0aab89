"""The built-in triggers: synthesized with numpy from a fixed seed, loudness-matched, cached as WAV.

Each generator takes a random generator and a length in samples and returns stereo float samples
that loop seamlessly. :func:`render` normalizes them to :data:`TARGET_LUFS`; :func:`cached_wav`
renders once and keeps the file under ``<state_dir>/cache``.
"""

from __future__ import annotations

import logging
import math
import signal
import subprocess
import sys
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from device.audio.dsp import RATE, Array, write_wav
from device.audio.loudness import gain_to, integrated_loudness
from device.audio.synth import impacts, noise, voice, water
from device.runtime import lifeline

log = logging.getLogger(__name__)

TARGET_LUFS = -24.0  # every trigger, built-in or recorded, is brought to this loudness
PEAK_CEILING = 0.89  # -1 dBFS: transients above are rounded off rather than clipped
LOOP_SECONDS = 40.0  # a built-in repeats only after this long
SYNTH_VERSION = 1  # bump when a generator changes, so caches are rendered again
BLOCK = 4096  # loop lengths are whole numbers of this (the frame-based generators need it)

Generator = Callable[[np.random.Generator, int], Array]


@dataclass(frozen=True)
class Builtin:
    name: str
    title: str
    tags: tuple[str, ...]
    generate: Generator


BUILTINS: dict[str, Builtin] = {
    b.name: b
    for b in (
        Builtin("rain", "Rain", ("rain", "water", "noise"), water.rain),
        Builtin("brushing", "Brushing", ("brushing",), voice.brushing),
        Builtin("tapping", "Tapping", ("tapping",), impacts.tapping),
        Builtin("typing", "Typing", ("tapping", "typing"), impacts.typing),
        Builtin("whisper", "Soft whisper", ("whisper",), voice.whisper),
        Builtin("crinkle", "Crinkling", ("crinkling",), impacts.crinkle),
        Builtin("pouring", "Pouring water", ("water",), water.pouring),
        Builtin("ocean", "Ocean waves", ("water", "noise"), noise.ocean),
        Builtin("pink", "Pink noise", ("noise",), noise.pink),
        Builtin("brown", "Brown noise", ("noise",), noise.brown),
    )
}


def seed_of(name: str) -> int:
    return zlib.crc32(f"hushlight-{name}-{SYNTH_VERSION}".encode())


def loop_frames(seconds: float) -> int:
    """Samples in a loop of about ``seconds``: a multiple of BLOCK whose factors are all 2, 3 or 5 (fast FFTs)."""
    blocks = max(4, round(seconds * RATE / BLOCK))
    while not _smooth(blocks):
        blocks += 1
    return blocks * BLOCK


def _smooth(n: int) -> bool:
    for p in (2, 3, 5):
        while n % p == 0:
            n //= p
    return n == 1


def soft_limit(samples: Array, ceiling: float = PEAK_CEILING) -> Array:
    """Round off the rare peaks above 60 % of ``ceiling`` so nothing reaches it (a few ms of transient at most)."""
    knee = 0.6 * ceiling
    mag = np.abs(samples)
    over = mag > knee
    out = samples.copy()
    out[over] = np.sign(samples[over]) * (knee + (ceiling - knee) * np.tanh((mag[over] - knee) / (ceiling - knee)))
    return out


def normalize(samples: Array, target: float = TARGET_LUFS) -> Array:
    """Scale to ``target`` LUFS, rounding off peaks that would pass the ceiling, and re-matching after."""
    out = samples
    for _ in range(3):
        out = out * gain_to(target, integrated_loudness(out, RATE))
        if np.max(np.abs(out)) <= PEAK_CEILING:
            break
        out = soft_limit(out)
    return out


def render(name: str, seconds: float = LOOP_SECONDS) -> Array:
    """The built-in ``name`` as stereo float samples at 44.1 kHz, loudness-matched; KeyError if unknown."""
    builtin = BUILTINS[name]
    rng = np.random.default_rng(seed_of(name))
    samples = builtin.generate(rng, loop_frames(seconds))
    return normalize(samples - samples.mean(axis=0))


def cache_path(cache_dir: Path, name: str) -> Path:
    return cache_dir / f"builtin-{name}-v{SYNTH_VERSION}-{round(LOOP_SECONDS)}s.wav"


_RENDERING = {name: threading.Lock() for name in BUILTINS}


def cached_wav(name: str, cache_dir: Path) -> Path:
    """The rendered WAV of ``name`` in ``cache_dir``, rendered first if it is not there yet.

    One render per trigger at a time: the player and the background pre-render may ask together.
    """
    path = cache_path(cache_dir, name)
    with _RENDERING[name]:
        if not path.is_file():
            cache_dir.mkdir(parents=True, exist_ok=True)
            log.info("rendering built-in trigger %r (once; cached in %s)", name, cache_dir)
            _render_in_child(name, path)
    return path


def _render_in_child(name: str, path: Path) -> None:
    """Render ``name`` to ``path`` in a child process, or here if that fails.

    A render's arrays peak at about 220 MB above the interpreter; a long-running daemon would keep
    that heap (the allocator does not give it back), a child gives it all back when it exits. That
    matters on a Pi Zero 2 W with 512 MB.
    """
    # SIGKILL: a render that outlives the daemon would write into the cache while a new daemon starts.
    command = lifeline.command([sys.executable, "-m", "device.audio.synth", name, str(path)], signal.SIGKILL)
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("cannot render %r in a child process (%s): rendering it here", name, exc)
    else:
        if done.returncode == 0 and path.is_file():
            return
        log.warning("rendering %r in a child process failed: %s", name, done.stderr.strip()[-500:] or done.returncode)
    write_wav(path, render(name))


def crest_db(samples: Array) -> float:
    """Peak over RMS in dB (for the README's table and the tests)."""
    rms = math.sqrt(float(np.mean(samples * samples)))
    return 20.0 * math.log10(float(np.max(np.abs(samples))) / max(rms, 1e-12))
