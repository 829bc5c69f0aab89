"""The whole daemon at rest: CPU and memory of `hushlight run --simulate` with nothing to do.

The device spends most of its life idle by the bed, so this is the figure that
matters most for a Pi Zero. The daemon (simulated hardware, MQTT off, routine
on, the sensor poller reading every 30 s) is started, given time to finish
starting (rendering the built-in sounds once) and to come to rest (the idle
audio output closes after ``IDLE_CLOSE``), and then measured for
``SECONDS`` from /proc. The baseline, measured side by side in the same run,
is a Python process that imports the same libraries (pygame, numpy, paho,
gpiozero, the package) and sleeps.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.__main__ import figure

SECONDS = float(os.environ.get("BENCH_DAEMON_SECONDS", "60"))
ROOT = Path(__file__).resolve().parent.parent
# The day's rest, whatever the hour of the run: at night (keep_output_open = "night") the output stays open
# on purpose (an I2S amplifier pops when it closes) and SDL mixes silence: bench_sound's "mixer open and idle".
CONFIG = '[mqtt]\nenabled = false\n[device]\nid = "bench"\n[sounds]\nkeep_output_open = "never"\n'
BASELINE = (
    "import time, numpy, pygame, paho.mqtt.client, gpiozero, smbus2, device.runtime.daemon, device.audio.setup;"
    " time.sleep(1e6)"
)


def cpu_seconds(pid: int) -> float:
    """CPU time of a process's live threads, in nanosecond resolution (/proc/PID/task/*/schedstat).

    /proc/PID/stat counts in clock ticks (10 ms): too coarse for a process that is nearly idle.
    """
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, IndexError, ValueError):
            continue  # a thread that ended meanwhile
    return total / 1e9


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wait_for_cache(state: Path, timeout: float = 120.0) -> None:
    """Until the built-in triggers are rendered (a one-off at first start)."""
    from device.audio import synth

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all((state / "cache" / f"{name}.wav").exists() for name in synth.BUILTINS):
            return
        time.sleep(0.5)


def measure_rest(
    procs: tuple[subprocess.Popen[bytes], ...], seconds: float
) -> tuple[dict[int, float], dict[int, float]]:
    """CPU seconds each process used over ``seconds``, and its resident memory (MiB) at the end, by pid."""
    start = {p.pid: cpu_seconds(p.pid) for p in procs}
    time.sleep(seconds)
    used = {p.pid: cpu_seconds(p.pid) - start[p.pid] for p in procs}
    return used, {p.pid: rss_mib(p.pid) for p in procs}


def stop_all(procs: tuple[subprocess.Popen[bytes], ...]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def run() -> list[dict[str, object]]:
    env = {**os.environ, "SDL_AUDIODRIVER": "dummy", "PYGAME_HIDE_SUPPORT_PROMPT": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "hushlight.toml"
        config.write_text(CONFIG)
        state = Path(tmp) / "state"
        daemon = subprocess.Popen(
            [sys.executable, "-m", "device", "run", "--simulate", "--config", str(config), "--state-dir", str(state)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        idle = subprocess.Popen([sys.executable, "-c", BASELINE], cwd=ROOT, env=env)
        try:
            from device.audio.pygame_player import IDLE_CLOSE

            wait_for_cache(state)
            time.sleep(IDLE_CLOSE + 5)  # at rest: the audio output has closed, the journal has written
            used, rss = measure_rest((daemon, idle), SECONDS)
        finally:
            stop_all((daemon, idle))
    per_hour = 3600 / SECONDS
    note = f"measured over {SECONDS:g} s, simulated hardware, MQTT off"
    return [
        figure("daemon idle CPU", used[daemon.pid] * per_hour, "s/h", used[idle.pid] * per_hour, "lower", note),
        figure("daemon resident memory", rss[daemon.pid], "MiB", rss[idle.pid], "lower", note),
    ]
