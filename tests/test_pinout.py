"""The reference build's pins: overlays and I2C own theirs, config.txt lines, the PWM chip found by its device."""

from __future__ import annotations

from pathlib import Path

import pytest

from device.config import parse_config
from device.errors import ConfigError, HardwareError
from device.hardware import pinout
from device.hardware.lamp.fakes.sysfs_pwm import FakePwmSysfs
from device.hardware.lamp.outputs import open_output
from device.hardware.lamp.pwm_chips import find_header_chip, list_chips


def test_the_default_config_is_the_reference_build_and_fits() -> None:
    config = parse_config("")
    assert config.lamp.backend == "hwpwm" and config.lamp.pin == 12
    assert config.sounds.audio_overlay == "max98357a"
    assert pinout.pin_conflicts(config) == []
    used = {pin for _, pin in pinout.configured_pins(config)} | {pin for _, pin in pinout.owned_pins(config)}
    assert used == {12, 17, 18, 19, 20, 21, 2, 3}


def test_a_pin_the_overlay_owns_is_free_without_the_overlay_and_i2c_pins_without_i2c_users() -> None:
    with pytest.raises(ConfigError, match="I2S BCLK"):
        parse_config("[lamp]\npin = 18\n")
    assert parse_config('[lamp]\npin = 18\n[sounds]\naudio_overlay = "none"\n').lamp.pin == 18
    with pytest.raises(ConfigError, match="I2C bus 1 SDA"):
        parse_config("[buttons.second]\npin = 2\n")
    no_sensors = '[sensors]\ntemperature = "none"\nlight = "none"\n[buttons.second]\npin = 2\n'
    assert parse_config(no_sensors).buttons.second is not None
    with pytest.raises(ConfigError, match="I2C bus 1 SCL"):  # a PCA9685 lamp needs the bus too
        parse_config(no_sensors.replace("pin = 2", "pin = 3") + '[lamp]\nbackend = "pca9685"\n')


def test_gpio4_stays_free_the_amplifiers_sd_pin_is_left_unconnected() -> None:
    assert parse_config("[buttons.second]\npin = 4\n").buttons.second is not None
    assert "dtoverlay=max98357a,no-sdmode" in pinout.boot_config_lines(parse_config(""))
    lines = pinout.boot_config_lines(parse_config('[sounds]\naudio_overlay = "hifiberry-dac"\n'))
    assert "dtoverlay=hifiberry-dac" in lines


def test_boot_config_lines_follow_the_wiring() -> None:
    lines = [line for line in pinout.boot_config_lines(parse_config("")) if not line.startswith("#")]
    assert lines == [
        "dtparam=i2c_arm=on",
        "dtoverlay=pwm,pin=12,func=4",
        "dtparam=audio=off",
        "dtoverlay=max98357a,no-sdmode",
    ]
    other = parse_config(
        '[lamp]\nbackend = "hwpwm"\npin = 19\n[sounds]\naudio_overlay = "none"\n'
        '[sensors]\ntemperature = "none"\nlight = "none"\n'
    )
    assert [x for x in pinout.boot_config_lines(other) if not x.startswith("#")] == [
        "dtoverlay=pwm,pin=19,func=2",
        "dtparam=audio=off",
    ]
    gpio = parse_config('[lamp]\nbackend = "gpio"\npin = 22\n[sounds]\naudio_overlay = "none"\n')
    assert [x for x in pinout.boot_config_lines(gpio) if not x.startswith("#")] == ["dtparam=i2c_arm=on"]


def test_pin_names_carry_the_physical_pin() -> None:
    assert pinout.pin_name(12) == "GPIO12 (pin 32)"
    assert pinout.pin_name(21) == "GPIO21 (pin 40)"
    assert len(set(pinout.PHYSICAL_PIN.values())) == 28


@pytest.mark.parametrize(
    ("devices", "expected"),
    [
        ({0: "fe20c000.pwm"}, 0),  # Pi 4
        ({0: "1f0009c000.pwm", 2: "1f00098000.pwm"}, 2),  # Pi 5, kernel 6.6: the fan's PWM1 first
        ({0: "1f00098000.pwm", 1: "1f0009c000.pwm"}, 0),  # Pi 5, kernel 6.12
        ({0: "3f20c000.pwm"}, 0),  # Pi 3 / Zero 2 W
    ],
)
def test_the_header_pwm_is_found_by_its_device_not_its_number(
    tmp_path: Path, devices: dict[int, str], expected: int
) -> None:
    FakePwmSysfs(tmp_path, {n: 4 if "1f" in d else 2 for n, d in devices.items()}, devices)
    chip = find_header_chip(tmp_path)
    assert chip.number == expected and chip.kind


def test_no_header_pwm_names_what_is_there(tmp_path: Path) -> None:
    with pytest.raises(HardwareError, match="no PWM chip at all"):
        find_header_chip(tmp_path)
    FakePwmSysfs(tmp_path, {3: 1}, {3: "1f0009c000.pwm"})
    with pytest.raises(HardwareError, match=r"pwmchip3 \(1f0009c000.pwm\).*hushlight boot-config"):
        find_header_chip(tmp_path)
    assert [c.channels for c in list_chips(tmp_path)] == [1]


def test_simulated_lamp_finds_its_chip_by_device(tmp_path: Path) -> None:
    output = open_output(parse_config("").lamp, True, None, tmp_path)
    try:
        output.write(0.5)
        duty = (tmp_path / "sim-sysfs-pwm" / "pwmchip0" / "pwm0" / "duty_cycle").read_text()
        assert int(duty) == 100000  # half of 5 kHz's 200 us
    finally:
        output.close()
