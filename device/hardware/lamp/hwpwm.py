"""Lamp backend "hwpwm": the kernel's hardware PWM through sysfs (/sys/class/pwm).

Flicker-free deep dimming with no extra board, on GPIO12/13/18/19 of every Pi
including the Pi 5. Enable it in /boot/firmware/config.txt, e.g.
``dtoverlay=pwm,pin=18,func=2`` (GPIO12: ``pin=12,func=4``) or ``dtoverlay=pwm-2chan``.

- Pi 0-4: the BCM PWM block is ``pwmchip0`` with two channels: GPIO12 and 18
  are channel 0, GPIO13 and 19 channel 1.
- Pi 5: the RP1's PWM0 has four channels, GPIO12/13/18/19 = channel 0/1/2/3,
  and is ``pwmchip2`` or ``pwmchip0`` depending on the kernel: with
  ``[lamp] pwm_chip = -1`` the chip is found by its device (:mod:`pwm_chips`).
  The channel is derived from the pin when ``pwm_channel = -1``, by the
  chip's channel count (``npwm``).

The kernel's rules, which the fake tree in tests enforces too: a channel
appears as ``pwmN/`` after writing N to ``export``; ``duty_cycle`` may never
exceed ``period``; a channel cannot be enabled with period 0. So the order
is export, period, duty_cycle, enable, and duty_cycle 0 first when a
previous user left a duty longer than our period.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Protocol

from device.errors import HardwareError

log = logging.getLogger(__name__)

SYSFS_PWM = Path("/sys/class/pwm")
DEFAULT_FREQUENCY = 5000  # Hz: above IEEE 1789's 3 kHz "no observable effect" line at 100 % modulation
TICK_NS = 20  # steps are planned on a 20 ns grid: no finer than a 50 MHz PWM clock can show
EXPORT_TIMEOUT = 2.0  # s for the kernel (and udev's permissions) after an export

BCM_CHANNELS = {12: 0, 18: 0, 13: 1, 19: 1}  # Pi 0-4, 2-channel PWM
RP1_CHANNELS = {12: 0, 13: 1, 18: 2, 19: 3}  # Pi 5, 4-channel PWM


class Sysfs(Protocol):
    """The few file operations the backend needs; the fake tree implements them with the kernel's rules."""

    def write(self, path: Path, value: str) -> None: ...

    def read(self, path: Path) -> str: ...

    def exists(self, path: Path) -> bool: ...


class KernelSysfs:
    """The real thing: one open and one write per attribute, as sysfs wants."""

    def write(self, path: Path, value: str) -> None:
        with open(path, "w") as f:
            f.write(value)

    def read(self, path: Path) -> str:
        return path.read_text().strip()

    def exists(self, path: Path) -> bool:
        return path.exists()


def channel_for_pin(pin: int, npwm: int) -> int:
    table = RP1_CHANNELS if npwm >= 4 else BCM_CHANNELS
    if pin not in table:
        raise HardwareError(f"lamp: GPIO{pin} has no hardware PWM; use GPIO12, 13, 18 or 19")
    return table[pin]


class SysfsPwmOutput:
    """One hardware PWM channel, with nanosecond period and duty."""

    def __init__(
        self,
        chip: int,
        channel: int,
        pin: int,
        frequency_hz: float = DEFAULT_FREQUENCY,
        root: Path = SYSFS_PWM,
        sysfs: Sysfs | None = None,
    ) -> None:
        self._fs: Sysfs = sysfs or KernelSysfs()
        self.chip_dir = Path(root) / f"pwmchip{chip}"
        if not self._fs.exists(self.chip_dir):
            raise HardwareError(
                f"lamp: {self.chip_dir} not found: enable hardware PWM (dtoverlay=pwm,pin={pin},... in "
                "/boot/firmware/config.txt) and check [lamp] pwm_chip (-1 finds the chip by its device)"
            )
        npwm = int(self._read(self.chip_dir / "npwm"))
        self.channel = channel_for_pin(pin, npwm) if channel < 0 else channel
        if not 0 <= self.channel < npwm:
            raise HardwareError(f"lamp: {self.chip_dir} has channels 0..{npwm - 1}, not {self.channel}")
        self.frequency_hz = float(frequency_hz or DEFAULT_FREQUENCY)
        self.period_ns = max(2, round(1e9 / self.frequency_hz / TICK_NS)) * TICK_NS
        self.quantum = TICK_NS / self.period_ns
        self.dir = self.chip_dir / f"pwm{self.channel}"
        self._exported = False
        self._closed = False
        self._setup()

    def _setup(self) -> None:
        if not self._fs.exists(self.dir):
            self._write(self.chip_dir / "export", str(self.channel))
            self._exported = True
        self._wait_for_export()
        if int(self._read(self.dir / "duty_cycle")) > self.period_ns:
            self._write(self.dir / "duty_cycle", "0")
        self._write(self.dir / "period", str(self.period_ns))
        self._write(self.dir / "duty_cycle", "0")
        self._write(self.dir / "enable", "1")
        log.info("lamp: hardware PWM %s at %.0f Hz (period %d ns)", self.dir, self.frequency_hz, self.period_ns)

    def _wait_for_export(self) -> None:
        """Right after an export the channel may not be there yet, or udev has not yet given it to our group."""
        pause = threading.Event()
        path = self.dir / "duty_cycle"
        for _ in range(int(EXPORT_TIMEOUT / 0.02)):
            try:
                self._fs.read(path)
                if os.access(path, os.W_OK):
                    return
            except FileNotFoundError:
                pass
            except OSError as exc:
                raise HardwareError(f"lamp: cannot read {path}: {exc.strerror or exc}") from exc
            pause.wait(0.02)
        raise HardwareError(f"lamp: {path} missing or not writable after export; is the user in the gpio group?")

    def write(self, duty: float) -> None:
        ns = round(min(1.0, max(0.0, duty)) * self.period_ns / TICK_NS) * TICK_NS
        self._write(self.dir / "duty_cycle", str(ns))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._write(self.dir / "duty_cycle", "0")
            self._write(self.dir / "enable", "0")
            if self._exported:
                self._write(self.chip_dir / "unexport", str(self.channel))
        except HardwareError as exc:
            log.warning("%s", exc)

    def _write(self, path: Path, value: str) -> None:
        try:
            self._fs.write(path, value)
        except OSError as exc:
            raise HardwareError(f"lamp: cannot write {value} to {path}: {exc.strerror or exc}") from exc

    def _read(self, path: Path) -> str:
        try:
            return self._fs.read(path)
        except OSError as exc:
            raise HardwareError(f"lamp: cannot read {path}: {exc.strerror or exc}") from exc
