"""hardware/: the wiring table, the diagram and the config.txt lines agree with the pin facts and the default config."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from device.config import parse_config
from device.hardware.pinout import PHYSICAL_PIN, boot_config_lines, configured_pins, owned_pins

HARDWARE = Path(__file__).resolve().parent.parent / "hardware"
README = (HARDWARE / "README.md").read_text()
POWER_PINS = {"GND": {6, 9, 14, 20, 25, 30, 34, 39}, "3.3 V": {1, 17}, "5 V": {2, 4}}
# The optional parts of the build, as the shipped config's commented tables have them.
FULL_BUILD = "[buttons.second]\npin = 27\n[buttons.encoder]\npin_a = 5\npin_b = 6\n"


def wiring_rows() -> list[tuple[int, str, str]]:
    rows = re.findall(r"^\| (\d+) \| ([^|]+) \| ([^|]+) \|", README, re.M)
    return [(int(pin), gpio.strip(), goes.strip()) for pin, gpio, goes in rows]


def test_every_row_of_the_wiring_table_names_the_right_physical_pin() -> None:
    rows = wiring_rows()
    assert len(rows) >= 15
    for pin, gpio, _ in rows:
        if gpio.startswith("GPIO"):
            assert PHYSICAL_PIN[int(gpio[4:])] == pin, (pin, gpio)
        else:
            assert pin in POWER_PINS[gpio], (pin, gpio)


def test_the_table_wires_every_pin_of_the_full_build_and_nothing_owned() -> None:
    config = parse_config(FULL_BUILD)
    by_gpio = {int(g[4:]): goes for _, g, goes in wiring_rows() if g.startswith("GPIO")}
    for key, gpio in configured_pins(config):
        assert gpio in by_gpio, f"{key} (GPIO{gpio}) is not in the wiring table"
    assert "MOSFET gate" in by_gpio[config.lamp.pin]
    assert "bedside button" in by_gpio[config.buttons.main.pin]
    for owner, gpio in owned_pins(config):
        goes = by_gpio.get(gpio, "")
        assert "MAX98357A" in goes or "sensors" in goes or goes == "(nothing)", (owner, gpio, goes)


def test_the_config_txt_lines_are_what_boot_config_prints() -> None:
    block = re.search(r"```ini\n(.*?)```", README, re.S)
    assert block is not None
    assert block.group(1).splitlines() == boot_config_lines(parse_config(""))


def test_the_diagram_is_svg_and_its_pin_numbers_are_right() -> None:
    svg = (HARDWARE / "wiring.svg").read_text()
    ET.fromstring(svg)  # well-formed
    pairs = re.findall(r"GPIO(\d+) \(pin (\d+)\)", svg)
    assert len(pairs) >= 10
    for gpio, pin in pairs:
        assert PHYSICAL_PIN[int(gpio)] == int(pin), (gpio, pin)
    config = parse_config(FULL_BUILD)
    for _, gpio in configured_pins(config):
        assert f"GPIO{gpio} (pin {PHYSICAL_PIN[gpio]})" in svg
    for line in boot_config_lines(config):
        if not line.startswith("#"):
            assert line in svg
    assert parse_config("").lamp.pwm_chip == -1
