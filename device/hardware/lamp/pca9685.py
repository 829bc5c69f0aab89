"""Lamp backend "pca9685": a PCA9685 16-channel, 12-bit PWM driver over I2C (smbus2).

Flicker-free deep dimming on any pin budget: 4096 steps at up to ~1526 Hz
(the chip's 25 MHz oscillator / 4096 / (prescale + 1), prescale >= 3).
Datasheet facts used: MODE1 0x00 (RESTART 0x80, AI 0x20, SLEEP 0x10),
MODE2 0x01 (OUTDRV 0x04 = totem pole, right for a MOSFET gate), LEDn_ON_L at
0x06 + 4n, PRE_SCALE 0xFE (writable only while SLEEP = 1), the oscillator
needs 500 µs after SLEEP is cleared, bit 4 of LEDn_ON_H is full-on and bit 4
of LEDn_OFF_H full-off (full-off wins).
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Protocol

from device.errors import HardwareError

log = logging.getLogger(__name__)

MODE1, MODE2, LED0_ON_L, PRE_SCALE = 0x00, 0x01, 0x06, 0xFE
RESTART, AUTO_INCREMENT, SLEEP = 0x80, 0x20, 0x10
OUTDRV = 0x04
FULL = 0x10  # bit 4 of LEDn_ON_H / LEDn_OFF_H
OSCILLATOR_HZ = 25_000_000
STEPS = 4096
PRESCALE_MIN, PRESCALE_MAX = 3, 255
DEFAULT_FREQUENCY = 1526  # Hz: the chip's fastest (prescale 3), above IEEE 1789's 1250 Hz low-risk line
MIN_FREQUENCY = OSCILLATOR_HZ / (STEPS * (PRESCALE_MAX + 1))  # ~23.8 Hz
MAX_FREQUENCY = OSCILLATOR_HZ / (STEPS * (PRESCALE_MIN + 1))  # ~1525.9 Hz


class I2CBus(Protocol):
    """The part of smbus2.SMBus this backend uses (the fake bus has the same)."""

    def read_byte_data(self, i2c_addr: int, register: int) -> int: ...

    def write_byte_data(self, i2c_addr: int, register: int, value: int) -> None: ...

    def write_i2c_block_data(self, i2c_addr: int, register: int, data: list[int]) -> None: ...

    def close(self) -> None: ...


def prescale_for(frequency_hz: float) -> int:
    """PRE_SCALE for ``frequency_hz``: round(25 MHz / (4096 * f)) - 1, within the chip's 3..255."""
    value = round(OSCILLATOR_HZ / (STEPS * frequency_hz)) - 1
    return min(PRESCALE_MAX, max(PRESCALE_MIN, value))


def led_registers(duty: float) -> list[int]:
    """LEDn_ON_L, ON_H, OFF_L, OFF_H for ``duty``: full-off at 0, full-on at 1, else 12-bit."""
    counts = round(min(1.0, max(0.0, duty)) * STEPS)
    if counts <= 0:
        return [0, 0, 0, FULL]
    if counts >= STEPS:
        return [0, FULL, 0, 0]
    return [0, 0, counts & 0xFF, counts >> 8]


class Pca9685Output:
    """One PCA9685 channel as a lamp output."""

    quantum = 1.0 / STEPS

    def __init__(
        self, bus: I2CBus, address: int = 0x40, channel: int = 0, frequency_hz: float = DEFAULT_FREQUENCY
    ) -> None:
        if not 0 <= channel <= 15:
            raise HardwareError(f"lamp: PCA9685 channel must be 0..15, not {channel}")
        self._bus = bus
        self.address = address
        self.channel = channel
        self.prescale = prescale_for(frequency_hz or DEFAULT_FREQUENCY)
        self.frequency_hz = OSCILLATOR_HZ / (STEPS * (self.prescale + 1))
        self._closed = False
        self._setup()

    @classmethod
    def open(cls, bus_number: int, address: int, channel: int, frequency_hz: float) -> Pca9685Output:
        """On the Pi: /dev/i2c-<bus_number> through smbus2."""
        from smbus2 import SMBus

        try:
            bus: Any = SMBus(bus_number)
        except OSError as exc:
            raise HardwareError(f"lamp: cannot open /dev/i2c-{bus_number}: {exc.strerror or exc}") from exc
        try:
            return cls(bus, address, channel, frequency_hz)
        except Exception:
            bus.close()
            raise

    def _setup(self) -> None:
        mode1 = self._io(self._bus.read_byte_data, self.address, MODE1)
        self._io(self._bus.write_byte_data, self.address, MODE1, (mode1 & ~RESTART & 0xFF) | SLEEP)
        self._io(self._bus.write_byte_data, self.address, PRE_SCALE, self.prescale)
        self._io(self._bus.write_byte_data, self.address, MODE2, OUTDRV)
        self._io(self._bus.write_byte_data, self.address, MODE1, (mode1 & ~(RESTART | SLEEP) & 0xFF) | AUTO_INCREMENT)
        threading.Event().wait(0.0005)  # the oscillator's 500 µs start-up
        self.write(0.0)
        log.info(
            "lamp: PCA9685 at 0x%02x channel %d, prescale %d (%.0f Hz)",
            self.address,
            self.channel,
            self.prescale,
            self.frequency_hz,
        )

    def write(self, duty: float) -> None:
        register = LED0_ON_L + 4 * self.channel
        self._io(self._bus.write_i2c_block_data, self.address, register, led_registers(duty))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self.write(0.0)
        except HardwareError as exc:
            log.warning("%s", exc)
        self._bus.close()

    def _io(self, method: Any, *args: Any) -> Any:
        try:
            return method(*args)
        except OSError as exc:
            raise HardwareError(f"lamp: PCA9685 at 0x{self.address:02x} did not answer: {exc.strerror or exc}") from exc
