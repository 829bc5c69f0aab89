"""On a real Raspberry Pi with the reference build installed (`sudo make install`, rebooted): the checks that
only hardware can answer. Skipped everywhere else; run with `pytest -m hardware tests/hardware` on the Pi."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

MODEL = Path("/proc/device-tree/model")
INSTALLED = Path("/opt/hushlight/bin/hushlight")

pytestmark = [
    pytest.mark.hardware,
    pytest.mark.skipif(
        not (MODEL.exists() and "Raspberry Pi" in MODEL.read_text(errors="replace")), reason="needs a Raspberry Pi"
    ),
    pytest.mark.skipif(not INSTALLED.exists(), reason="needs `sudo make install` on this Pi"),
]


def doctor() -> dict[str, dict[str, str]]:
    done = subprocess.run(
        ["sudo", "-n", "-u", "hushlight", str(INSTALLED), "doctor", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    report = json.loads(done.stdout)
    return {c["check"]: c for c in report["checks"]}


def test_the_doctor_passes_on_the_reference_build() -> None:
    checks = doctor()
    failed = {name: c["detail"] for name, c in checks.items() if c["status"] == "fail"}
    assert failed == {}


def test_gpio_uses_lgpio_and_the_pwm_chip_is_found_by_its_device() -> None:
    checks = doctor()
    assert "LGPIOFactory" in checks["gpio"]["detail"]
    assert "20c000.pwm" in checks["pwm"]["detail"] or "1f00098000.pwm" in checks["pwm"]["detail"]


def test_the_amplifier_is_the_sound_card() -> None:
    cards = Path("/proc/asound/cards").read_text()
    assert "MAX98357A" in cards
    assert "the I2S amplifier" in doctor()["audio"]["detail"] or "busy" in doctor()["audio"]["detail"]


def test_the_service_runs_in_its_directory_with_lgpios_pipes_there() -> None:
    state = subprocess.run(
        ["systemctl", "show", "hushlight", "-p", "ActiveState,WorkingDirectory"], capture_output=True, text=True
    )
    assert "ActiveState=active" in state.stdout and "WorkingDirectory=/var/lib/hushlight" in state.stdout
    pipes = subprocess.run(["sudo", "-n", "ls", "-a", "/var/lib/hushlight"], capture_output=True, text=True).stdout
    assert ".lgd-nfy" in pipes
