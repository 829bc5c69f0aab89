"""Pick the lamp's backend by name: the real part on a Pi, the same backend over its fake in simulation."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from device.config.schema import LampConfig
from device.hardware.lamp import DutyOutput, gpio, hwpwm, pca9685
from device.hardware.lamp.pwm_chips import find_header_chip

log = logging.getLogger(__name__)

DEFAULT_FREQUENCIES = {
    "gpio": gpio.DEFAULT_FREQUENCY,
    "hwpwm": hwpwm.DEFAULT_FREQUENCY,
    "pca9685": pca9685.DEFAULT_FREQUENCY,
}
SIM_SYSFS_DIR = "sim-sysfs-pwm"  # the simulated /sys/class/pwm, under the state directory


def frequency(config: LampConfig) -> int:
    """The configured PWM frequency, or the backend's flicker-safe default."""
    return config.frequency_hz or DEFAULT_FREQUENCIES[config.backend]


def simulated_pwm_tree(config: LampConfig, state_dir: Path) -> tuple[Path, Any]:
    """The fake /sys/class/pwm of a simulation: a Pi 4's PWM (``fe20c000.pwm``) as the configured chip, or pwmchip0."""
    from device.hardware.lamp.fakes.sysfs_pwm import FakePwmSysfs

    root = state_dir / SIM_SYSFS_DIR
    chip = max(config.pwm_chip, 0)
    return root, FakePwmSysfs(root, {chip: 2}, {chip: "fe20c000.pwm"})


def open_output(config: LampConfig, simulate: bool, pin_factory: Any, state_dir: Path) -> DutyOutput:
    """The lamp's PWM output for ``config.backend``.

    In simulation: gpio on the given (mock) pin factory, hwpwm on a fake sysfs
    tree in ``<state_dir>/sim-sysfs-pwm``, pca9685 on a fake chip.
    """
    hz = frequency(config)
    if config.backend == "gpio":
        return gpio.GpioPwmOutput(config.pin, hz, pin_factory)
    if config.backend == "hwpwm":
        if not simulate:
            chip = config.pwm_chip if config.pwm_chip >= 0 else find_header_chip().number
            return hwpwm.SysfsPwmOutput(chip, config.pwm_channel, config.pin, hz)
        root, fake = simulated_pwm_tree(config, state_dir)
        chip = config.pwm_chip if config.pwm_chip >= 0 else find_header_chip(root).number
        return hwpwm.SysfsPwmOutput(chip, config.pwm_channel, config.pin, hz, root, fake)
    if not simulate:
        return pca9685.Pca9685Output.open(config.i2c_bus, config.i2c_address, config.pca_channel, hz)
    from device.hardware.lamp.fakes.pca9685 import FakePca9685Bus

    return pca9685.Pca9685Output(FakePca9685Bus(config.i2c_address), config.i2c_address, config.pca_channel, hz)
