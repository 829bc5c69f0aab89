"""`hushlight sensors`: what is on the I2C bus, and one reading from each chip.

:func:`read_all` and :func:`describe` are what `hushlight doctor` can build on.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from device.config.schema import SensorsConfig
from device.hardware.sensors import detect
from device.hardware.sensors.base import Bus, Measurement, Sleep, driver

UNITS = (
    ("temperature_c", "{:.2f} °C"),
    ("humidity", "{:.1f} %RH"),
    ("pressure_hpa", "{:.1f} hPa"),
    ("lux", "{:.2f} lx"),
)


def register(subparsers: Any) -> None:
    from device.cli import add_config_args

    parser = subparsers.add_parser("sensors", help="list the I2C room sensors and read each once")
    add_config_args(parser)
    parser.add_argument("--simulate", action="store_true", help="use the fake chips of the simulation, not /dev/i2c-N")
    parser.add_argument("--bus", type=int, help="I2C bus number (default: [sensors] bus)")
    parser.set_defaults(func=cmd_sensors)


def read_all(
    bus: Bus, found: list[detect.Found], sleep: Sleep = time.sleep
) -> list[tuple[detect.Found, Measurement | OSError]]:
    """One reading from each chip found (or the error it gave)."""
    results: list[tuple[detect.Found, Measurement | OSError]] = []
    for item in found:
        chip = driver(item.name)(bus, item.address, sleep)
        try:
            chip.setup()
            results.append((item, chip.read()))
        except OSError as exc:
            results.append((item, exc))
    return results


def format_measurement(measurement: Measurement) -> str:
    parts = [fmt.format(value) for key, fmt in UNITS if (value := getattr(measurement, key)) is not None]
    note = f" ({measurement.note})" if measurement.note else ""
    return "  ".join(parts) + note


def describe(bus: Bus, config: SensorsConfig, sleep: Sleep = time.sleep) -> tuple[list[str], bool]:
    """Lines describing the chips on the bus and a reading of each; True if all is well."""
    found = detect.scan(bus, sleep=sleep)
    lines = ["found:"] if found else ["found: no known sensor answered (checked 0x23, 0x44, 0x45, 0x5c, 0x76, 0x77)"]
    lines += [f"  0x{item.address:02x}  {item.name:<7} {item.detail}" for item in found]
    ok = bool(found)
    if found:
        lines.append("readings:")
    for item, result in read_all(bus, found, sleep):
        if isinstance(result, Measurement):
            lines.append(f"  {item.label:<12} {format_measurement(result)}")
        else:
            ok = False
            lines.append(f"  {item.label:<12} FAILED: {result}")
    for name, kind, choice in detect.slot_choices(config.temperature, config.light):
        names = {d.name for d in detect.candidates(kind, choice)}
        if not any(item.name in names for item in found):
            ok = False
            lines.append(f'[sensors] {name} = "{choice}": no such chip on this bus')
    return lines, ok


def cmd_sensors(args: argparse.Namespace) -> int:
    from device.cli import load_or_exit

    config = load_or_exit(args.config)
    if config is None:
        return 2
    sensors = config.sensors
    number = sensors.bus if args.bus is None else args.bus
    bus: Any
    if args.simulate:
        from device.hardware.sensors.fakes import simulated_bus

        bus, title = simulated_bus(sensors.temperature, sensors.light), "simulated I2C bus (fake chips)"
    else:
        try:
            from smbus2 import SMBus

            bus, title = SMBus(number), f"I2C bus {number} (/dev/i2c-{number})"
        except OSError as exc:
            print(f"hushlight: cannot open /dev/i2c-{number}: {exc.strerror or exc}")
            print("  enable I2C (sudo raspi-config nonint do_i2c 0), reboot, and add the user to the i2c group")
            return 2
    try:
        lines, ok = describe(bus, sensors)
    finally:
        bus.close()
    print(title)
    for line in lines:
        print(line)
    return 0 if ok else 1
