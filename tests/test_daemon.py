"""The real daemon in a subprocess: ready, orderly shutdown on SIGTERM/SIGINT, refusal of a bad config."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.daemon import DaemonProcess

CONFIG = """
[device]
id = "testroom"
[mqtt]
enabled = false
[routine]
enabled = false
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "hushlight.toml"
    path.write_text(CONFIG)
    return path


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_daemon_logs_ready_and_stops_in_order(tmp_path: Path, config_file: Path, sig: int) -> None:
    daemon = DaemonProcess(config_file, tmp_path / "state")
    try:
        daemon.wait_for("hushlight ready")
        started = time.monotonic()
        code = daemon.stop(sig, timeout=30)
        took = time.monotonic() - started
    finally:
        daemon.kill()
    assert code == 0
    log = "\n".join(daemon.lines)
    assert f"{signal.Signals(sig).name} received: shutting down" in log
    assert "hushlight stopped" in log
    assert took < 15  # systemd's TimeoutStopSec; about 1.5 s here, more only when the disk is slow to fsync
    assert "Traceback" not in log


def test_bad_config_refuses_to_start_before_touching_hardware(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[routine.monday]\nsleep = "25:61"\n')
    result = subprocess.run(
        [sys.executable, "-m", "device", "run", "--simulate", "--config", str(bad), "--state-dir", str(tmp_path / "s")],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert f"{bad}: routine.monday.sleep: '25:61' is not a time of day" in result.stderr
    assert "ready" not in result.stderr
    assert not (tmp_path / "s").exists()  # nothing was created, nothing touched


def test_speed_is_refused_outside_simulation(tmp_path: Path, config_file: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "device", "run", "--config", str(config_file), "--speed", "60"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "--speed and --start are for --simulate only" in result.stderr
