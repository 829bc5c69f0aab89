"""The 40-pin header: which GPIO sits on which physical pin, which pins an overlay owns, and the
``/boot/firmware/config.txt`` lines the configured wiring needs.

One definition, used by ``config check`` (a pin the audio overlay or I2C owns is refused), by
``hushlight doctor`` (are those lines in config.txt?) and by the installer (``hushlight boot-config``).
"""

from __future__ import annotations

from typing import Any

# BCM GPIO -> physical pin on the 40-pin header (the same on every Pi with one, the Pi 5 included).
PHYSICAL_PIN = {
    2: 3, 3: 5, 4: 7, 14: 8, 15: 10, 17: 11, 18: 12, 27: 13, 22: 15, 23: 16, 24: 18, 10: 19,
    9: 21, 25: 22, 11: 23, 8: 24, 7: 26, 0: 27, 1: 28, 5: 29, 6: 31, 12: 32, 13: 33, 19: 35,
    16: 36, 26: 37, 20: 38, 21: 40,
}  # fmt: skip

# Pins each audio overlay takes for itself (dtoverlay=<name>). The MAX98357A overlay would also drive the
# amplifier's SD_MODE line from GPIO4, but a breakout's SD pin sits on a 1 MΩ pull-up that picks the
# (L+R)/2 mix: driven from a GPIO it selects the left channel alone. So the reference build leaves SD
# unconnected and loads the overlay with `no-sdmode`, which leaves GPIO4 free.
# The I2S interface takes GPIO20 (its data input) too, though an amplifier leaves it unconnected.
I2S_PINS = {18: "I2S BCLK", 19: "I2S LRCLK", 20: "I2S DIN", 21: "I2S DOUT"}
AUDIO_OVERLAY_PINS: dict[str, dict[int, str]] = {
    "max98357a": dict(I2S_PINS),
    "hifiberry-dac": dict(I2S_PINS),
    "none": {},
}
I2C1_PINS = {2: "I2C bus 1 SDA", 3: "I2C bus 1 SCL"}

AUDIO_OVERLAY_LINES = {"max98357a": "dtoverlay=max98357a,no-sdmode", "hifiberry-dac": "dtoverlay=hifiberry-dac"}

# Hardware PWM: GPIO -> (the pin's function number for the pwm overlay, PWM channel on a Pi 0-4).
HWPWM_PINS = {12: (4, 0), 13: (4, 1), 18: (2, 0), 19: (2, 1)}


def pin_name(gpio: int) -> str:
    """``GPIO12 (pin 32)``: both numbers, so nobody has to translate."""
    physical = PHYSICAL_PIN.get(gpio)
    return f"GPIO{gpio} (pin {physical})" if physical else f"GPIO{gpio}"


def uses_i2c_bus1(config: Any) -> bool:
    """Sensors or a PCA9685 lamp on bus 1 (GPIO2/3)."""
    sensors, lamp = config.sensors, config.lamp
    sensors_on = sensors.bus == 1 and (sensors.temperature, sensors.light) != ("none", "none")
    return sensors_on or (lamp.backend == "pca9685" and lamp.i2c_bus == 1)


def owned_pins(config: Any) -> list[tuple[str, int]]:
    """(what owns it, GPIO) for every pin an overlay or the I2C bus takes: the config's own keys may not use them."""
    overlay = config.sounds.audio_overlay
    owned = [(f"the {overlay} audio overlay ({use})", pin) for pin, use in AUDIO_OVERLAY_PINS[overlay].items()]
    if uses_i2c_bus1(config):
        owned.extend((use, pin) for pin, use in I2C1_PINS.items())
    return owned


def configured_pins(config: Any) -> list[tuple[str, int]]:
    """(config key, GPIO) of every pin the config itself wires."""
    used: list[tuple[str, int]] = []
    lamp, buttons = config.lamp, config.buttons
    if lamp.backend in ("gpio", "hwpwm"):
        used.append(("lamp.pin", lamp.pin))
    used.append(("buttons.main.pin", buttons.main.pin))
    if buttons.second is not None:
        used.append(("buttons.second.pin", buttons.second.pin))
    if buttons.encoder is not None:
        used.append(("buttons.encoder.pin_a", buttons.encoder.pin_a))
        used.append(("buttons.encoder.pin_b", buttons.encoder.pin_b))
    return used


def pin_conflicts(config: Any) -> list[tuple[str, str]]:
    """(config key, why) for each pin used twice or owned by an overlay or I2C; empty when the wiring fits."""
    used = configured_pins(config)
    owners = owned_pins(config)
    problems: list[tuple[str, str]] = []
    for key, pin in used:
        others = [k for k, p in used if p == pin and k != key] + [o for o, p in owners if p == pin]
        if others:
            problems.append((key, f"{pin_name(pin)} is also used by {', '.join(others)}; each pin can do one job"))
    return problems


def boot_config_lines(config: Any) -> list[str]:
    """The ``/boot/firmware/config.txt`` lines the configured wiring needs, each with a comment line above it."""
    lines: list[str] = []
    if uses_i2c_bus1(config):
        lines += ["# I2C bus 1 on GPIO2/3: the room sensors (and a PCA9685 lamp)", "dtparam=i2c_arm=on"]
    lamp = config.lamp
    if lamp.backend == "hwpwm":
        func, _ = HWPWM_PINS[lamp.pin]
        lines += [
            f"# hardware PWM for the lamp on {pin_name(lamp.pin)}",
            f"dtoverlay=pwm,pin={lamp.pin},func={func}",
            "# Pi 0-4: the 3.5 mm jack's audio uses the same PWM block as the lamp",
            "dtparam=audio=off",
        ]
    overlay = config.sounds.audio_overlay
    if overlay != "none":
        lines += [f"# I2S audio: {overlay} on GPIO18/19/21", AUDIO_OVERLAY_LINES[overlay]]
    return lines
