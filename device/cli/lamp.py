"""`hushlight lamp calibrate`: find the LED's min_duty by eye or with a light sensor."""

from __future__ import annotations

import argparse
import sys
import threading
from pathlib import Path
from typing import Any

from device.errors import HushlightError
from device.hardware.lamp import calibrate as cal


def register(subparsers: Any) -> None:
    from device.cli import add_config_args

    lamp = subparsers.add_parser("lamp", help="lamp tools")
    lamp_sub = lamp.add_subparsers(title="lamp commands", metavar="ACTION")
    calibrate = lamp_sub.add_parser(
        "calibrate",
        help="find min_duty: the duty where the LED just glows",
        description="Steps the lamp up from off. By eye: in a dark room, press the bedside button or Enter "
        "when you first see light. With --sensor: a light sensor near the lamp decides. Stop the daemon first.",
    )
    add_config_args(calibrate)
    calibrate.add_argument("--sensor", default="", help="use this light sensor instead of your eyes")
    calibrate.add_argument("--simulate", action="store_true", help="on the simulated backend (try it on a laptop)")
    calibrate.add_argument("--dwell", type=float, default=0.6, help="seconds each step is shown (by eye)")
    calibrate.add_argument("--settle", type=float, default=0.3, help="seconds before each sensor reading")
    calibrate.set_defaults(func=cmd_calibrate)


def _sim_sensor(config: Any, output: Any) -> cal.LightReader:
    from device.hardware.lamp.fakes.light import LightAtLamp

    return LightAtLamp(lambda: output.duty)


def _bh1750_sensor(config: Any, output: Any) -> cal.LightReader:
    """The room's BH1750 (on [sensors] bus), pointed at the lamp for the calibration."""
    from smbus2 import SMBus

    from device.hardware.sensors.detect import probe

    bus = SMBus(config.sensors.bus)
    found = probe(bus, "light", "bh1750")
    if found is None:
        bus.close()
        raise cal.CalibrationError(f"no BH1750 answers on I2C bus {config.sensors.bus} (0x23 or 0x5c)")
    driver = found[0]
    driver.setup()

    def read() -> float:
        lux = driver.read().lux
        if lux is None:
            raise cal.CalibrationError("the BH1750 gave no light reading")
        return lux

    return read


cal.register_light_sensor("sim", _sim_sensor)
cal.register_light_sensor("bh1750", _bh1750_sensor)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from device.cli import load_or_exit
    from device.hardware.lamp.outputs import open_output
    from device.runtime.clock import RealClock
    from device.runtime.wiring import make_pin_factory

    config = load_or_exit(args.config)
    if config is None:
        return 2
    problem = _sensor_problem(args.sensor, args.simulate)
    if problem:
        print(f"hushlight: {problem}", file=sys.stderr)
        return 2
    state_dir: Path = args.state_dir or config.device.state_dir
    try:
        pin_factory = make_pin_factory(args.simulate, state_dir)
    except HushlightError as exc:  # the hwpwm and PCA9685 lamps need no pins, and Enter stands in for the button
        print(f"(GPIO not available: {exc})")
        pin_factory = None
    try:
        output = cal.WatchedOutput(open_output(config.lamp, args.simulate, pin_factory, state_dir))
    except HushlightError as exc:
        print(f"hushlight: {exc}", file=sys.stderr)
        return 1
    try:
        if args.sensor:
            read = cal.LIGHT_SENSORS[args.sensor](config, output)
            print(f"Measuring the dark, then stepping the lamp up until the {args.sensor} sensor sees it...")
            duty = cal.calibrate_with_sensor(output, read, RealClock(), settle=max(0.0, args.settle))
            method = f"sensor:{args.sensor}"
        else:
            duty = _by_eye(config, output, pin_factory, args.dwell)
            method = "eye"
        result = cal.make_result(duty, method, config.lamp.backend, output)
        path = result.save(state_dir)
    except (HushlightError, OSError) as exc:
        print(f"hushlight: calibration failed: {exc}", file=sys.stderr)
        return 1
    finally:
        output.close()
    print(f"min_duty = {result.min_duty:g} (saved in {path})")
    print("Pin it in your config file, then restart hushlight:\n\n[lamp]\n" + f"min_duty = {result.min_duty:g}")
    return 0


def _sensor_problem(sensor: str, simulate: bool) -> str:
    if sensor and sensor not in cal.LIGHT_SENSORS:
        return f"no light sensor {sensor!r} (known: {', '.join(sorted(cal.LIGHT_SENSORS)) or 'none'})"
    if sensor == "sim" and not simulate:
        return "--sensor sim needs --simulate"
    return ""


def _by_eye(config: Any, output: cal.WatchedOutput, pin_factory: Any, dwell: float) -> float:
    from device.runtime.clock import RealClock

    pressed = threading.Event()
    button = _watch_button(config, pin_factory, pressed)

    def enter() -> None:
        sys.stdin.readline()
        pressed.set()

    threading.Thread(target=enter, daemon=True).start()
    print("Darken the room and look at the lamp. Press the bedside button (or Enter) when you first see light.")
    try:
        return cal.calibrate_by_eye(
            output, pressed, RealClock(), dwell, on_step=lambda d: print(f"\rduty {d:.5f}", end="", flush=True)
        )
    finally:
        print()
        if button is not None:
            button.close()


def _watch_button(config: Any, pin_factory: Any, pressed: threading.Event) -> Any:
    try:
        from gpiozero import Button

        button = Button(config.buttons.main.pin, pull_up=config.buttons.main.pull_up, pin_factory=pin_factory)
    except Exception as exc:  # no button is fine: Enter works too
        print(f"(bedside button not available: {exc}; use Enter)")
        return None
    button.when_pressed = pressed.set
    return button
