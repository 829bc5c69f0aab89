"""A night of built-ins in a process of its own: resident memory after start and after all ten have played.

``python -m tests.support.night_memory STATE_DIR [SECONDS_EACH]`` prints one JSON line. The built-ins'
cache in STATE_DIR/cache must be there already (see :func:`fake_builtin_cache`): rendering is not
what is measured. Each built-in is crossfaded in, as the "next trigger" gesture does, then the
session fades out and the audio output closes, as after a night.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def fake_builtin_cache(cache: Path, seconds: float = 40.0) -> None:
    """Loops as long as the real built-ins (noise, written at once), under the names the library looks for."""
    from device.audio import synth
    from device.audio.dsp import RATE, write_wav

    cache.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    frames = int(seconds * RATE)
    block = rng.standard_normal((frames, 2)) * 0.05
    for name in synth.BUILTINS:
        path = synth.cache_path(cache, name)
        if not path.is_file():
            write_wav(path, block)


def night(state_dir: Path, seconds_each: float) -> dict[str, float]:
    from device.audio import synth
    from device.audio.library import Library
    from device.audio.mixer import open_mixer
    from device.audio.pygame_player import PygamePlayer
    from device.config.schema import SoundsConfig
    from device.runtime.clock import RealClock

    config = SoundsConfig()
    open_mixer(config, fallback_to_dummy=True)
    library = Library(state_dir / "sounds", state_dir / "cache")
    player = PygamePlayer(library, config, RealClock(), idle_close=0.5)
    gc.collect()
    start = rss_bytes()
    peak = start
    player.play("rain", 40.0, 0.5)
    for name in synth.BUILTINS:
        player.crossfade(name, 0.5)
        time.sleep(seconds_each)
        peak = max(peak, rss_bytes())
    player.fade_out(0.3)
    deadline = time.monotonic() + 10.0
    while player._pygame.mixer.get_init() and time.monotonic() < deadline:
        time.sleep(0.05)
    gc.collect()
    after = rss_bytes()
    closed = not player._pygame.mixer.get_init()
    player.close()
    return {"start": start, "peak": peak, "after": after, "output_closed": float(closed)}


def measure(state_dir: Path, seconds_each: float = 0.6) -> dict[str, float]:
    """Run :func:`night` in a fresh interpreter (dummy audio driver) and return what it printed."""
    env = {**os.environ, "SDL_AUDIODRIVER": "dummy", "PYGAME_HIDE_SUPPORT_PROMPT": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.night_memory", str(state_dir), str(seconds_each)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


if __name__ == "__main__":
    print(json.dumps(night(Path(sys.argv[1]), float(sys.argv[2]) if len(sys.argv) > 2 else 0.6)))
