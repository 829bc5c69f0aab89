"""ROHM BH1750FVI ambient light sensor, with auto-range for a dark bedroom.

One opcode per transaction, no registers. Each reading powers the chip on,
sets the measurement time register (MTreg), starts a one-time measurement
(after which the chip powers itself down), waits the datasheet's maximum
conversion time scaled by MTreg, and reads two bytes.

Auto-range: at the default MTreg 69 in high-resolution mode one count is
0.83 lx, too coarse for a bedroom at night. The driver starts at the most
sensitive range (MTreg 254, high-resolution mode 2: 0.11 lx per count, up to
7400 lx) and steps to less sensitive ranges only when the count saturates;
it steps back when the light would fit the more sensitive range with room to
spare.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from smbus2 import i2c_msg

from device.hardware.sensors.base import Bus, Driver, Measurement, Sleep, register

ADDRESSES = (0x23, 0x5C)  # ADDR pin low / high
OP_POWER_DOWN = 0x00
OP_POWER_ON = 0x01
OP_RESET = 0x07  # clears the data register; only accepted while powered on
OP_ONE_TIME_H_RES = 0x20  # 1 lx resolution at MTreg 69
OP_ONE_TIME_H_RES2 = 0x21  # 0.5 lx resolution at MTreg 69
OP_MTREG_HIGH = 0x40  # | MTreg >> 5
OP_MTREG_LOW = 0x60  # | MTreg & 0x1F
MTREG_DEFAULT = 69
MTREG_MIN = 31
MTREG_MAX = 254
H_RES_TIME_MAX_S = 0.180  # datasheet: 180 ms max at MTreg 69, proportional to MTreg
MEASUREMENT_ACCURACY = 1.2  # datasheet: counts per lux at MTreg 69, typical
SATURATED = 0xFFFF
STEP_BACK_FRACTION = 0.5  # go back to a more sensitive range below half its full scale


@dataclass(frozen=True)
class Range:
    mtreg: int
    mode: int  # OP_ONE_TIME_H_RES or OP_ONE_TIME_H_RES2

    @property
    def lux_per_count(self) -> float:
        return lux(1, self.mtreg, self.mode)

    @property
    def full_scale(self) -> float:
        return lux(SATURATED, self.mtreg, self.mode)

    @property
    def conversion_time(self) -> float:
        return H_RES_TIME_MAX_S * self.mtreg / MTREG_DEFAULT


# Most sensitive first: night (0.11 lx/count), default (0.83 lx/count), daylight (up to 120 klx).
RANGES = (
    Range(MTREG_MAX, OP_ONE_TIME_H_RES2),
    Range(MTREG_DEFAULT, OP_ONE_TIME_H_RES),
    Range(MTREG_MIN, OP_ONE_TIME_H_RES),
)


def lux(raw: int, mtreg: int = MTREG_DEFAULT, mode: int = OP_ONE_TIME_H_RES) -> float:
    """Datasheet: lux = raw / 1.2 × 69 / MTreg, halved in high-resolution mode 2."""
    value = raw / MEASUREMENT_ACCURACY * MTREG_DEFAULT / mtreg
    return value / 2 if mode == OP_ONE_TIME_H_RES2 else value


def mtreg_opcodes(mtreg: int) -> tuple[int, int]:
    """The two opcodes that set MTreg (e.g. 69 → 0x42, 0x65)."""
    if not MTREG_MIN <= mtreg <= MTREG_MAX:
        raise ValueError(f"MTreg {mtreg} is outside {MTREG_MIN}..{MTREG_MAX}")
    return OP_MTREG_HIGH | mtreg >> 5, OP_MTREG_LOW | mtreg & 0x1F


@register
class BH1750(Driver):
    name = "bh1750"
    kind = "light"
    addresses = ADDRESSES
    probe_order = 10

    def __init__(self, bus: Bus, address: int, sleep: Sleep = time.sleep) -> None:
        super().__init__(bus, address, sleep)
        self.range_index = 0

    @classmethod
    def identify(cls, bus: Bus, address: int, sleep: Sleep = time.sleep) -> str | None:
        # No ID register: a chip that takes power-on and power-down is taken for a BH1750.
        try:
            bus.write_byte(address, OP_POWER_ON)
            bus.write_byte(address, OP_POWER_DOWN)
        except OSError:
            return None
        return "answers power-on (no ID register)"

    @property
    def range(self) -> Range:
        return RANGES[self.range_index]

    def read(self) -> Measurement:
        raw = self._measure(self.range)
        while raw >= SATURATED and self.range_index < len(RANGES) - 1:
            self.range_index += 1
            raw = self._measure(self.range)
        used = self.range
        value = lux(raw, used.mtreg, used.mode)
        if self.range_index > 0 and value < RANGES[self.range_index - 1].full_scale * STEP_BACK_FRACTION:
            self.range_index -= 1  # the next reading is finer
        note = f"MTreg {used.mtreg}, {'H-res mode 2' if used.mode == OP_ONE_TIME_H_RES2 else 'H-res'}"
        return Measurement(lux=value, note=note)

    def reset(self) -> None:
        self.range_index = 0
        self._op(OP_POWER_ON)
        self._op(OP_RESET)
        self._op(OP_POWER_DOWN)

    def _measure(self, chosen: Range) -> int:
        self._op(OP_POWER_ON)
        for opcode in mtreg_opcodes(chosen.mtreg):
            self._op(opcode)
        self._op(chosen.mode)
        self.sleep(chosen.conversion_time)
        answer = i2c_msg.read(self.address, 2)
        self.bus_call(self.bus.i2c_rdwr, answer)
        data = bytes(answer)
        return data[0] << 8 | data[1]

    def _op(self, opcode: int) -> None:
        self.bus_call(self.bus.write_byte, self.address, opcode)
