"""A restart storm: 20 start/stop cycles of the real simulated daemon with its private broker, stopped
by SIGTERM, SIGINT and SIGHUP in turn: every exit is 0 and nothing it started is left running."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

from device.sim.broker import free_port
from tests.support.procs import descendants, gone, wait_for_child
from tests.support.sim import daemon_command, daemon_env, seed_sound_cache, write_config

CYCLES = 20
SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def test_twenty_starts_and_stops_exit_0_and_leave_nothing_behind(tmp_path: Path, sound_cache: Path) -> None:
    state = tmp_path / "state"
    seed_sound_cache(sound_cache, state)
    config = write_config(tmp_path, free_port(), "[routine]\nenabled = false\n").read_text()
    (tmp_path / "hushlight.toml").write_text(config.replace('host = "127.0.0.1"', 'host = "localhost"'))
    command = daemon_command(tmp_path / "hushlight.toml", state, 1, "2026-11-24 12:00", "--sim-broker")
    for cycle in range(CYCLES):
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=daemon_env(), text=True
        )
        try:
            assert process.stderr is not None
            for line in process.stderr:
                if "hushlight ready" in line:
                    break
            wait_for_child(process.pid, "mosquitto")
            children = descendants(process.pid)
            process.send_signal(SIGNALS[cycle % len(SIGNALS)])
            _, err = process.communicate(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
        assert process.returncode == 0, f"cycle {cycle}: exit {process.returncode}\n{err[-1500:]}"
        assert "Traceback" not in err, err[-1500:]
        assert gone(children), f"cycle {cycle}: left running: {children}"
    assert not list(state.glob("*.corrupt-*"))
