"""Sound: latency from play() to the first sound in the output, and CPU while a trigger loops.

Runs the real mixer: SDL's disk driver (in real time) for latency, its dummy driver for CPU.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import numpy as np

from bench.__main__ import figure
from device.audio.dsp import RATE, band, freqs_of, shaped_noise, write_wav
from device.audio.library import Library
from device.audio.mixer import close_mixer, make_sound, open_mixer
from device.audio.pygame_player import PygamePlayer
from device.config.schema import SoundsConfig
from device.runtime.clock import RealClock

CONFIG = SoundsConfig(volume=100.0, max_volume=100.0, buffer_samples=512)
FRAME_BYTES = 8  # float32 stereo


def _recording(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    frames = 10 * RATE
    write_wav(folder / "hiss.wav", shaped_noise(rng, frames, band(freqs_of(frames), 100.0, 8000.0)) * 0.05)


def _first_sound_after(raw: Path, start_byte: int, timeout: float = 2.0) -> float:
    """Wall-clock time at which a non-zero sample appears in the disk driver's file past ``start_byte``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        data = np.frombuffer(raw.read_bytes()[start_byte:], dtype="<f4")
        data = data[: data.size - data.size % 2]
        if np.any(data != 0):
            return time.monotonic()
        time.sleep(0.0005)
    raise RuntimeError("no sound within 2 s")


def _latency(tmp: Path, use_player: bool, tries: int = 5) -> float:
    """Median seconds from the call to the first non-silent output sample, over ``tries``."""
    raw = tmp / "out.raw"
    os.environ.update(SDL_AUDIODRIVER="disk", SDL_DISKAUDIOFILE=str(raw))
    os.environ.pop("SDL_DISKAUDIODELAY", None)
    results = []
    for _ in range(tries):
        open_mixer(CONFIG, fallback_to_dummy=False)
        player = PygamePlayer(Library(tmp / "sounds", tmp / "cache"), CONFIG, RealClock())
        samples = player.library.load("hiss")
        sound = make_sound(samples)
        time.sleep(0.2)
        start_byte = raw.stat().st_size
        called = time.monotonic()
        if use_player:
            player.play("hiss", 100.0, 0.0)
        else:
            sound.set_volume(1.0)
            sound.play(loops=-1)
        results.append(_first_sound_after(raw, start_byte) - called)
        player.close()
    return float(np.median(results))


def _cpu(tmp: Path, seconds: float, action: str) -> float:
    """Process CPU time in % of one core over ``seconds`` with the dummy driver: idle, looping, or ramping."""
    os.environ["SDL_AUDIODRIVER"] = "dummy"
    open_mixer(CONFIG, fallback_to_dummy=False)
    player = PygamePlayer(Library(tmp / "sounds", tmp / "cache"), CONFIG, RealClock())
    if action != "idle":
        player.play("hiss", 50.0, 0.5)
        time.sleep(1.0)
    if action == "ramp":
        player.set_volume(10.0, seconds)
    cpu, wall = time.process_time(), time.monotonic()
    time.sleep(seconds)
    used = (time.process_time() - cpu) / (time.monotonic() - wall) * 100.0
    player.close()
    return used


def run() -> list[dict[str, object]]:
    saved = {k: os.environ.get(k) for k in ("SDL_AUDIODRIVER", "SDL_DISKAUDIOFILE", "SDL_DISKAUDIODELAY")}
    close_mixer()
    try:
        with tempfile.TemporaryDirectory() as name:
            tmp = Path(name)
            _recording(tmp / "sounds")
            raw_latency = _latency(tmp, use_player=False)
            latency = _latency(tmp, use_player=True)
            idle = _cpu(tmp, 5.0, "idle")
            looping = _cpu(tmp, 5.0, "loop")
            ramping = _cpu(tmp, 5.0, "ramp")
    finally:
        close_mixer()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    note = f"buffer {CONFIG.buffer_samples} samples; SDL disk driver in real time; baseline: bare pygame Sound.play()"
    return [
        figure("sound play-to-first-sample latency", latency * 1000, "ms", raw_latency * 1000, "lower", note),
        figure("sound CPU while a trigger loops", looping, "% of a core", idle, "lower", "baseline: mixer open, idle"),
        figure("sound CPU during a volume ramp", ramping, "% of a core", idle, "lower", "baseline: mixer open, idle"),
    ]
