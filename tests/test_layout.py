"""The package's shape: what a production start loads, and where the drivers are found."""

from __future__ import annotations

import subprocess
import sys


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return set(out.split())


def test_a_production_start_loads_no_simulator_and_no_fakes():
    loaded = _modules_after(
        "from device.cli import build_parser\n"
        "from device.runtime import daemon, wiring, worker\n"
        "from device.hardware.lamp import fader, gpio, hwpwm, outputs, pca9685\n"
        "from device.hardware.sensors import detect, poller\n"
        "build_parser()"
    )
    assert "device.runtime.daemon" in loaded and "device.hardware.lamp.outputs" in loaded
    assert not [m for m in loaded if m.startswith("device.sim")]
    assert not [m for m in loaded if ".fake" in m]


def test_every_module_of_the_drivers_package_is_a_registered_driver():
    from device.hardware.sensors import drivers as package
    from device.hardware.sensors.base import drivers

    found = drivers()
    assert {cls.__module__.rpartition(".")[2] for cls in found} == {"bh1750", "bme280", "sht3x", "sht4x"}
    assert all(cls.__module__.startswith(package.__name__ + ".") for cls in found)
