"""Which /sys/class/pwm/pwmchipN is the Pi's PWM on the header: found by its device, not its number.

The number is not fixed: on a Pi 5 the RP1's PWM0 (``1f00098000.pwm``, four channels on
GPIO12/13/18/19) was ``pwmchip2`` on kernel 6.6 and is ``pwmchip0`` on 6.12. Each ``pwmchipN`` is a
symlink into ``/sys/devices/…/<device>/pwm/pwmchipN``, and the device's name is stable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from device.errors import HardwareError

SYSFS_PWM = Path("/sys/class/pwm")

# Device name (its end) -> what it is. The BCM PWM is 2020c000 (Pi 0/1), 3f20c000 (Pi 2/3), fe20c000 (Pi 4).
HEADER_PWM_DEVICES = (("1f00098000.pwm", "Pi 5 RP1 PWM0"), ("20c000.pwm", "BCM2835 PWM (Pi 0-4)"))


@dataclass(frozen=True)
class PwmChip:
    number: int
    device: str  # e.g. "fe20c000.pwm"; "" when the link does not say
    channels: int

    @property
    def kind(self) -> str:
        return next((what for end, what in HEADER_PWM_DEVICES if self.device.endswith(end)), "")


def list_chips(root: Path = SYSFS_PWM) -> list[PwmChip]:
    chips = []
    for entry in sorted(Path(root).glob("pwmchip*"), key=lambda p: p.name):
        suffix = entry.name[len("pwmchip") :]
        if not suffix.isdigit():
            continue
        target = Path(os.path.realpath(entry))
        device = target.parent.parent.name if target.parent.name == "pwm" else ""
        try:
            channels = int((entry / "npwm").read_text().strip())
        except (OSError, ValueError):
            channels = 0
        chips.append(PwmChip(int(suffix), device, channels))
    return chips


def find_header_chip(root: Path = SYSFS_PWM) -> PwmChip:
    """The PWM chip wired to GPIO12/13/18/19, by its device name; a clear error naming what is there otherwise."""
    chips = list_chips(root)
    for chip in chips:
        if chip.kind:
            return chip
    seen = ", ".join(f"pwmchip{c.number} ({c.device or 'unknown device'})" for c in chips) or "no PWM chip at all"
    raise HardwareError(
        f"lamp: no header PWM under {root} ({seen}): enable it with the dtoverlay=pwm line "
        "(`hushlight boot-config`) in /boot/firmware/config.txt and reboot, or set [lamp] pwm_chip"
    )
