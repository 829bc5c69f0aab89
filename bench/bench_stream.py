"""Recordings of any length: memory of measuring and of playing, measuring speed, start-up, streaming CPU.

Each figure runs in a fresh interpreter (the memory ones read VmHWM, the peak resident set, from
/proc) against a baseline measured in the same run:

- peak memory of measuring a 10-minute, 1-hour and 3-hour recording (44.1 kHz stereo FLAC), and of
  playing the 3-hour one for a while, against the same process idle with every module imported
  (goal: at most +20 MB, whatever the length);
- measuring speed in × real time on one core, against decoding alone;
- start to ``hushlight ready`` with 100 unmeasured 3-hour recordings in the folder (hard links to one
  file: 100 paths to measure, one file on disk), against an empty folder (goal ≤ 1.2×);
- CPU while streaming the 3-hour recording (48 kHz: resampled), against looping a built-in;
- resident memory after a night of all ten built-ins against after start (issue 14: ≤ +15 MB).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.__main__ import figure

ROOT = Path(__file__).resolve().parent.parent
MIB = 1024 * 1024

PROBE = r"""
import json, os, sys, time, resource
from pathlib import Path
os.environ["SDL_AUDIODRIVER"] = "dummy"
import numpy, pygame, soundfile, soxr
from device.audio.recording import measure_file, Reader
from device.audio.library import Library
from device.audio.mixer import open_mixer
from device.audio.pygame_player import PygamePlayer
from device.config.schema import SoundsConfig
from device.runtime.clock import RealClock

def status(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return 0

what, path = sys.argv[1], Path(sys.argv[2])
out = {}
if what == "measure":
    idle = status("VmRSS")
    cpu = time.process_time()
    lufs, seconds = measure_file(path)
    out = {"idle": idle, "peak": status("VmHWM"), "cpu": time.process_time() - cpu, "seconds": seconds}
elif what == "decode":
    reader = Reader(path)
    cpu = time.process_time()
    for block in reader.blocks():
        pass
    out = {"cpu": time.process_time() - cpu, "seconds": reader.info.seconds}
elif what == "scan":
    Library(path.parent, Path(sys.argv[3]))  # measures and caches: the players below find it measured
elif what in ("play", "builtin"):
    config = SoundsConfig()
    open_mixer(config, fallback_to_dummy=True)
    library = Library(path.parent, Path(sys.argv[3]))
    player = PygamePlayer(library, config, RealClock())
    idle = status("VmRSS")
    player.play(path.stem if what == "play" else "rain", 40.0, 0.5)
    time.sleep(1.0)
    cpu, wall = time.process_time(), time.monotonic()
    time.sleep(float(sys.argv[4]))
    out = {"idle": idle, "peak": status("VmHWM"), "cpu_share": (time.process_time() - cpu) / (time.monotonic() - wall)}
    player.close()
print(json.dumps(out))
"""


def probe(*args: str) -> dict[str, float]:
    env = {**os.environ, "SDL_AUDIODRIVER": "dummy", "PYGAME_HIDE_SUPPORT_PROMPT": "1"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
        timeout=1800,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def recording(folder: Path, name: str, seconds: float, rate: int = 44100) -> Path:
    from tests.support.audio import long_recording

    return long_recording(folder / name, seconds, rate=rate, channels=2)


def memory_figures(tmp: Path) -> list[dict[str, object]]:
    out = []
    for label, seconds in (("10 min", 600.0), ("1 h", 3600.0), ("3 h", 10800.0)):
        path = recording(tmp, f"m{int(seconds)}.flac", seconds)
        result = probe("measure", str(path))
        out.append(
            figure(
                f"peak memory measuring a {label} recording",
                result["peak"] / MIB,
                "MiB",
                result["idle"] / MIB,
                "lower",
                "goal: at most 20 MiB above the idle process, whatever the length",
            )
        )
        if seconds == 600.0:
            decode = probe("decode", str(path))
            out.append(
                figure(
                    "measuring speed (one core)",
                    result["seconds"] / result["cpu"],
                    "x real time",
                    decode["seconds"] / decode["cpu"],
                    "higher",
                    "baseline: decoding alone; goal: at least 30x real time",
                )
            )
        path.unlink()
    return out


def playing_figures(tmp: Path) -> list[dict[str, object]]:
    from tests.support.night_memory import fake_builtin_cache, measure

    sounds, cache = tmp / "sounds", tmp / "cache"
    sounds.mkdir()
    fake_builtin_cache(cache)
    path = recording(sounds, "night.flac", 10800.0, rate=48000)
    probe("scan", str(path), str(cache))
    played = probe("play", str(path), str(cache), "20")
    builtin = probe("builtin", str(path), str(cache), "20")
    night = measure(tmp, 0.6)
    return [
        figure(
            "peak memory playing a 3 h recording (48 kHz, resampled)",
            played["peak"] / MIB,
            "MiB",
            played["idle"] / MIB,
            "lower",
            "baseline: the same process, mixer open, before it plays; goal: at most +20 MiB",
        ),
        figure(
            "CPU streaming a 3 h recording (48 kHz, resampled)",
            100.0 * played["cpu_share"],
            "% of a core",
            100.0 * builtin["cpu_share"],
            "lower",
            "baseline: looping a built-in",
        ),
        figure(
            "memory after a night of the ten built-ins",
            night["after"] / MIB,
            "MiB",
            night["start"] / MIB,
            "lower",
            "baseline: after start; goal: at most +15 MiB (it was +100 MiB holding them decoded)",
        ),
    ]


def time_to_ready(state: Path) -> float:
    config = state.parent / f"{state.name}.toml"
    config.write_text('[mqtt]\nenabled = false\n[device]\nid = "bench"\n[routine]\nenabled = false\n')
    env = {**os.environ, "SDL_AUDIODRIVER": "dummy", "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-m", "device", "run", "--simulate", "--config", str(config), "--state-dir", str(state)]
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
    assert proc.stdout is not None
    took = float("nan")
    for line in proc.stdout:
        if "hushlight ready" in line:
            took = time.monotonic() - started
            break
    proc.terminate()
    proc.wait(30)
    return took


def startup_figure(tmp: Path) -> dict[str, object]:
    from tests.support.night_memory import fake_builtin_cache

    states = {}
    for kind in ("empty", "full"):
        state = tmp / kind
        (state / "sounds").mkdir(parents=True)
        fake_builtin_cache(state / "cache")
        states[kind] = state
    source = recording(tmp, "three-hours.flac", 10800.0)
    for i in range(100):
        os.link(source, states["full"] / "sounds" / f"night {i:03d}.flac")
    empty = min(time_to_ready(states["empty"]) for _ in range(3))
    full = min(time_to_ready(states["full"]) for _ in range(3))
    return figure(
        "start to ready, 100 unmeasured 3 h recordings",
        full,
        "s",
        empty,
        "lower",
        "baseline: an empty sounds folder; goal: at most 1.2x",
    )


def run() -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory(prefix="hushlight-bench-stream-") as name:
        tmp = Path(name)
        (tmp / "m").mkdir()
        (tmp / "p").mkdir()
        (tmp / "s").mkdir()
        return [*memory_figures(tmp / "m"), *playing_figures(tmp / "p"), startup_figure(tmp / "s")]
