"""A fake I2C bus with a PCA9685 on it, emulated at register level.

Power-on state, auto-increment, PRE_SCALE writable only while SLEEP, RESTART
cleared by writing 1, full-on / full-off bits (full-off wins) as in the
datasheet. Every channel's duty is recorded after each transaction that
changes it, so a test (or the simulator) sees every duty the lamp showed.
"""

from __future__ import annotations

import errno
import os

MODE1, MODE2, LED0_ON_L, PRE_SCALE = 0x00, 0x01, 0x06, 0xFE
ALL_LED_OFF_H = 0xFD
RESTART, AUTO_INCREMENT, SLEEP = 0x80, 0x20, 0x10
FULL = 0x10
OSCILLATOR_HZ = 25_000_000


class FakePca9685Bus:
    def __init__(self, address: int = 0x40) -> None:
        self.address = address
        self.registers = bytearray(256)
        self.registers[MODE1] = 0x11  # SLEEP | ALLCALL
        self.registers[MODE2] = 0x04  # OUTDRV
        self.registers[PRE_SCALE] = 0x1E  # 200 Hz
        for channel in range(16):
            self.registers[LED0_ON_L + 4 * channel + 3] = FULL
        self.registers[ALL_LED_OFF_H] = FULL
        self.writes: list[tuple[int, int]] = []  # (register, value) of every byte written, in order
        self.ignored: list[tuple[int, int]] = []  # writes the chip ignores (PRE_SCALE while awake)
        self.history: dict[int, list[float]] = {}  # channel -> every duty it showed, in order
        self.closed = False

    # -- smbus2's interface ----------------------------------------------------

    def read_byte_data(self, i2c_addr: int, register: int) -> int:
        self._check(i2c_addr)
        return self.registers[register]

    def read_i2c_block_data(self, i2c_addr: int, register: int, length: int) -> list[int]:
        self._check(i2c_addr)
        step = 1 if self.registers[MODE1] & AUTO_INCREMENT else 0
        return [self.registers[(register + i * step) & 0xFF] for i in range(length)]

    def write_byte_data(self, i2c_addr: int, register: int, value: int) -> None:
        self._transaction(i2c_addr, register, [value])

    def write_i2c_block_data(self, i2c_addr: int, register: int, data: list[int]) -> None:
        if len(data) > 32:
            raise OSError(errno.EINVAL, "block transfers are at most 32 bytes")
        self._transaction(i2c_addr, register, data)

    def close(self) -> None:
        self.closed = True

    # -- what the chip shows -------------------------------------------------------

    @property
    def prescale(self) -> int:
        return self.registers[PRE_SCALE]

    @property
    def frequency_hz(self) -> float:
        return OSCILLATOR_HZ / (4096 * (self.prescale + 1))

    @property
    def sleeping(self) -> bool:
        return bool(self.registers[MODE1] & SLEEP)

    def duty(self, channel: int) -> float:
        base = LED0_ON_L + 4 * channel
        on_l, on_h, off_l, off_h = self.registers[base : base + 4]
        if off_h & FULL:
            return 0.0
        if on_h & FULL:
            return 1.0
        on, off = on_l | (on_h & 0x0F) << 8, off_l | (off_h & 0x0F) << 8
        return ((off - on) % 4096) / 4096

    # -- inside the chip -------------------------------------------------------------

    def _check(self, i2c_addr: int) -> None:
        if self.closed:
            raise OSError(errno.EBADF, "bus closed")
        if i2c_addr != self.address:
            raise OSError(errno.EREMOTEIO, os.strerror(errno.EREMOTEIO))

    def _transaction(self, i2c_addr: int, register: int, data: list[int]) -> None:
        self._check(i2c_addr)
        pointer = register
        touched: set[int] = set()
        for value in data:
            if not 0 <= value <= 0xFF:
                raise OSError(errno.EINVAL, f"byte out of range: {value}")
            self._store(pointer, value)
            if LED0_ON_L <= pointer < LED0_ON_L + 64:
                touched.add((pointer - LED0_ON_L) // 4)
            if self.registers[MODE1] & AUTO_INCREMENT:
                pointer = (pointer + 1) & 0xFF
        for channel in sorted(touched):
            duty = self.duty(channel)
            shown = self.history.setdefault(channel, [])
            if not shown or shown[-1] != duty:
                shown.append(duty)

    def _store(self, register: int, value: int) -> None:
        self.writes.append((register, value))
        if register == PRE_SCALE and not self.registers[MODE1] & SLEEP:
            self.ignored.append((register, value))
            return
        if register == MODE1:
            value &= ~RESTART & 0xFF  # writing 1 to RESTART clears it
        self.registers[register] = value
