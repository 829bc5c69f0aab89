"""The systemd unit: it verifies, it is hardened to an exposure of at most 2.0, it keeps what the hardware
needs, and the service user can use GPIO from the unit's working directory (lgpio's notification pipes)."""

from __future__ import annotations

import json
import os
import pwd
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.tools import require_module, require_tool

ROOT = Path(__file__).resolve().parent.parent
UNIT = ROOT / "systemd" / "hushlight.service"


def unit_values(key: str) -> list[str]:
    """Every value of ``key`` in the unit (keys may repeat, so no configparser)."""
    return [line.split("=", 1)[1] for line in UNIT.read_text().splitlines() if line.startswith(f"{key}=")]


def test_unit_verifies_cleanly(tmp_path: Path) -> None:
    analyze = require_tool("systemd-analyze", "systemd")
    # A root with the unit, the command it runs and systemd's own targets: verify checks all three.
    shutil.copytree("/usr/lib/systemd/system", tmp_path / "usr/lib/systemd/system", symlinks=True)
    (tmp_path / "etc/systemd/system").mkdir(parents=True)
    shutil.copy(UNIT, tmp_path / "etc/systemd/system/hushlight.service")
    command = tmp_path / "opt/hushlight/bin/hushlight"
    command.parent.mkdir(parents=True)
    command.write_text("#!/bin/sh\n")
    command.chmod(0o755)
    done = subprocess.run(
        [analyze, "verify", f"--root={tmp_path}", "hushlight.service"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "hushlight.service" not in done.stderr + done.stdout, done.stderr  # warnings do not change the exit code


def test_a_broken_unit_is_caught_by_the_same_check(tmp_path: Path) -> None:
    analyze = require_tool("systemd-analyze", "systemd")
    broken = tmp_path / "hushlight.service"
    broken.write_text(UNIT.read_text().replace("WatchdogSec=90", "WatchdogSec=ninety"))
    done = subprocess.run([analyze, "verify", str(broken)], capture_output=True, text=True, timeout=60)
    assert "Failed to parse sec value" in done.stderr


def exposure() -> float:
    analyze = require_tool("systemd-analyze", "systemd")
    done = subprocess.run(
        [analyze, "security", "--offline=yes", "--no-pager", str(UNIT)], capture_output=True, text=True, timeout=60
    )
    match = re.search(r"Overall exposure level for hushlight\.service: (\d+\.\d)", done.stdout)
    assert match, done.stdout + done.stderr
    return float(match.group(1))


def test_exposure_is_at_most_2() -> None:
    score = exposure()
    assert score <= 2.0
    readme = (ROOT / "README.md").read_text()
    assert f"exposure **{score}**" in readme, "the README states the unit's exposure score"


def test_hardening_leaves_gpio_i2c_pwm_and_alsa_working() -> None:
    assert unit_values("Type") == ["notify"]
    assert unit_values("WorkingDirectory") == ["/var/lib/hushlight"]
    assert unit_values("StateDirectory") == ["hushlight"]
    assert unit_values("SupplementaryGroups") == ["gpio i2c audio"]
    assert sorted(unit_values("DeviceAllow")) == ["char-alsa rw", "char-gpiochip rw", "char-i2c rw"]
    assert unit_values("ProtectKernelTunables") == ["no"]  # /sys/class/pwm is written
    assert "/sys/class/pwm" in unit_values("ReadWritePaths")
    for forbidden in ("PrivateDevices", "MemoryDenyWriteExecute", "ProcSubset"):  # hardware, cffi, /proc/cpuinfo
        assert unit_values(forbidden) == [], forbidden
    assert any("modprobe@i2c_dev.service" in v for v in unit_values("Wants"))
    assert any("modprobe@i2c_dev.service" in v for v in unit_values("After"))
    assert unit_values("Restart") == ["on-failure"]


# -- lgpio's notification pipes, as the service user ----------------------------------------------

PROBE = """
import json, os, sys
from pathlib import Path
from device.runtime.wiring import make_pin_factory
try:
    factory = type(make_pin_factory(False, Path(sys.argv[1]))).__name__
    error = ""
except Exception as exc:
    factory, error = "", str(exc)
print(json.dumps({"factory": factory, "error": error, "lgpio": "lgpio" in sys.modules, "cwd": os.getcwd()}))
"""


@pytest.fixture
def service_user() -> Iterator[tuple[list[str], Path]]:
    """A command prefix that runs as an unprivileged user, and a state directory that user owns."""
    require_module("lgpio", "lgpio")
    state = Path(tempfile.mkdtemp(prefix="hushlight-lgpio-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        os.chown(state, nobody.pw_uid, nobody.pw_gid)
        setpriv = require_tool("setpriv", "util-linux")
        prefix = [setpriv, f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups"]
    try:
        yield prefix, state
    finally:
        shutil.rmtree(state, ignore_errors=True)


def unit_environment() -> dict[str, str]:
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    for value in unit_values("Environment"):
        for pair in value.split():
            key, _, val = pair.partition("=")
            env[key] = val
    return env


def probe(prefix: list[str], state: Path, cwd: str, env: dict[str, str]) -> dict[str, object]:
    done = subprocess.run(
        [*prefix, sys.executable, "-c", PROBE, str(state)], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def pipes(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob(".lgd-nfy*"))


def test_in_the_units_working_directory_lgpio_loads_as_the_service_user(service_user) -> None:
    prefix, state = service_user
    result = probe(prefix, state, str(state), unit_environment())  # state stands in for /var/lib/hushlight
    assert result["lgpio"] is True
    assert pipes(state), "lgpio made its notification pipe in the working directory"
    # On a Pi the factory is LGPIOFactory; elsewhere lgpio loads and then finds no Pi, never a pipe problem.
    assert result["factory"] == "LGPIOFactory" or "lgpio: unable to locate Pi revision" in str(result["error"])
    assert ".lgd-nfy" not in str(result["error"])


def test_in_the_root_directory_lgpio_cannot_load_which_is_why_the_unit_sets_one(service_user) -> None:
    prefix, _state = service_user
    done = subprocess.run(
        [*prefix, sys.executable, "-c", "import lgpio"], cwd="/", env=unit_environment(), capture_output=True, text=True
    )
    assert done.returncode != 0 and ".lgd-nfy" in done.stderr


def test_started_elsewhere_the_daemon_points_lgpio_at_its_state_directory(service_user) -> None:
    prefix, state = service_user
    result = probe(prefix, state, "/", unit_environment())
    assert result["lgpio"] is True and pipes(state)
    assert result["cwd"] == "/"  # lgpio changed into $LG_WD; the caller's directory is restored
    assert ".lgd-nfy" not in str(result["error"])


def test_the_daemon_itself_as_the_service_user_in_the_units_directory(service_user, tmp_path: Path) -> None:
    """`hushlight run` as the unit runs it (no --simulate): lgpio loads from the working directory and the
    daemon gets as far as gpiozero's real factory selection; off a Pi it then stops with one clear line."""
    if Path("/proc/device-tree/model").exists():
        pytest.skip("on a Pi the daemon would start and run: this checks the path up to the pin factory elsewhere")
    prefix, state = service_user
    config = state / "hushlight.toml"
    config.write_text("[mqtt]\nenabled = false\n")
    os.chown(config, os.stat(state).st_uid, os.stat(state).st_gid)
    env = {**unit_environment(), "SDL_AUDIODRIVER": "dummy"}
    done = subprocess.run(
        [*prefix, sys.executable, "-m", "device", "run", "--config", str(config), "--state-dir", str(state)],
        cwd=str(state),
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert pipes(state), "lgpio made its notification pipe in the working directory"
    assert done.returncode == 1
    assert "hushlight cannot start: no GPIO pin factory works (lgpio: unable to locate Pi revision" in done.stderr
    assert ".lgd-nfy" not in done.stderr and "Traceback" not in done.stderr
