"""Reading /boot/firmware/config.txt: the lines that are in force, and the pins their overlays take."""

from __future__ import annotations

from pathlib import Path

from device.hardware.pinout import I2C1_PINS, I2S_PINS

BOOT_CONFIGS = ("boot/firmware/config.txt", "boot/config.txt")  # Bookworm, then the older place

SPI0_PINS = {7: "SPI0 CE1", 8: "SPI0 CE0", 9: "SPI0 MISO", 10: "SPI0 MOSI", 11: "SPI0 SCLK"}

# overlay -> (parameter naming a pin, its default, what the pin does); parameters as in the overlays' README.
OVERLAY_PIN_PARAMS: dict[str, list[tuple[str, int, str]]] = {
    "pwm": [("pin", 18, "PWM")],
    "pwm-2chan": [("pin", 18, "PWM channel 0"), ("pin2", 19, "PWM channel 1")],
    "w1-gpio": [("gpiopin", 4, "1-Wire")],
    "gpio-shutdown": [("gpio_pin", 3, "shutdown button")],
    "gpio-fan": [("gpiopin", 12, "fan")],
    "gpio-ir": [("gpio_pin", 18, "IR receiver")],
    "max98357a": [("sdmode-pin", 4, "MAX98357A SD_MODE")],
}
I2S_OVERLAYS = ("max98357a", "hifiberry-dac", "hifiberry-dacplus", "iqaudio-dac", "googlevoicehat-soundcard")


def find_boot_config(root: Path) -> Path | None:
    for relative in BOOT_CONFIGS:
        path = root / relative
        if path.is_file() and path.stat().st_size > 64:  # Bookworm's /boot/config.txt is a one-line stub
            return path
    return None


def active_lines(text: str) -> list[str]:
    """The lines in force, without comments or spaces; sections for compute modules ([cm4], [cm5]) and
    [none] are left out, model sections ([pi4], [pi5], ...) kept: this board may be one."""
    lines: list[str] = []
    applies = True
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("[") and line.endswith("]"):
            applies = not (line.startswith("[cm") or line == "[none]")
            continue
        if applies:
            lines.append(line.replace(" ", ""))
    return lines


def overlay_pins(lines: list[str]) -> list[tuple[str, int]]:
    """(what, GPIO) for each pin the config.txt lines take: overlays by their pin parameters, dtparams by theirs."""
    taken: list[tuple[str, int]] = []
    for line in lines:
        key, _, value = line.partition("=")
        if key == "dtparam":
            for param in value.split(","):
                if param in ("i2c_arm=on", "i2c=on"):
                    taken += [(f"dtparam=i2c_arm ({use})", pin) for pin, use in I2C1_PINS.items()]
                elif param == "i2s=on":
                    taken += [(f"dtparam=i2s ({use})", pin) for pin, use in I2S_PINS.items()]
                elif param == "spi=on":
                    taken += [(f"dtparam=spi ({use})", pin) for pin, use in SPI0_PINS.items()]
            continue
        if key != "dtoverlay" or not value:
            continue
        name, *params = value.split(",")
        given = dict(p.partition("=")[::2] for p in params)
        if name in I2S_OVERLAYS:
            taken += [(f"dtoverlay={name} ({use})", pin) for pin, use in I2S_PINS.items()]
        for param, default, use in OVERLAY_PIN_PARAMS.get(name, []):
            if name == "max98357a" and "no-sdmode" in given:
                continue
            pin = given.get(param, str(default))
            if pin.isdigit():
                taken.append((f"dtoverlay={name} ({use})", int(pin)))
    return taken
