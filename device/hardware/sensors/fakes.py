"""Fake I2C chips on a fake bus, for tests and ``--simulate``.

:class:`FakeBus` implements the ``smbus2.SMBus`` calls the drivers use and
turns each into raw I2C writes and reads on the chip at that address. Each
fake chip decodes the writes like the real one (commands, opcodes, register
pointers), measures the :class:`SimRoom` after the datasheet's maximum
conversion time, and answers reads from its own state: read too early and it
NACKs or hands back old data, as the real chip does. The bus can inject
faults: NACKs (OSError 121), corrupted bytes, timeouts (OSError 110) and
calls that hang until released.
"""

from __future__ import annotations

import struct
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable

from device.hardware.sensors.base import crc8
from device.hardware.sensors.drivers import bh1750, bme280, sht3x, sht4x
from device.hardware.sensors.fake_bus import FakeBus, Faults, nack

Now = Callable[[], float]


class SimRoom:
    """The simulated room every fake chip measures; the simulator and tests change it."""

    def __init__(
        self, temperature_c: float = 19.0, humidity: float = 45.0, pressure_hpa: float = 1013.25, lux: float = 0.5
    ) -> None:
        self._lock = threading.Lock()
        self._values = {"temperature_c": temperature_c, "humidity": humidity, "pressure_hpa": pressure_hpa, "lux": lux}

    def set(self, **values: float) -> None:
        """Change some of temperature_c, humidity, pressure_hpa and lux."""
        with self._lock:
            for key, value in values.items():
                if key not in self._values:
                    raise KeyError(f"the simulated room has no {key!r}; it has {', '.join(self._values)}")
                self._values[key] = float(value)

    def get(self, key: str) -> float:
        with self._lock:
            return self._values[key]

    def snapshot(self) -> dict[str, float]:
        with self._lock:
            return dict(self._values)


_SIM_ROOM: SimRoom | None = None


def simulated_room() -> SimRoom:
    """The one room of this process's simulation (the panel and the sim topics change it)."""
    global _SIM_ROOM
    if _SIM_ROOM is None:
        _SIM_ROOM = SimRoom()
    return _SIM_ROOM


class FakeChip:
    """A chip at ``address``: gets raw writes and reads; ``present = False`` makes it NACK everything."""

    def __init__(self, address: int, room: SimRoom, now: Now = time.monotonic) -> None:
        self.address = address
        self.room = room
        self.now = now
        self.present = True
        self.writes: deque[bytes] = deque(maxlen=200)  # what the chip was told, for tests
        self.early_reads = 0  # reads before a conversion had finished

    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def read(self, length: int) -> bytes:
        raise NotImplementedError


class _SensirionChip(FakeChip):
    """Shared by the SHT3x and SHT4x fakes: a command starts work, the answer is words with CRCs."""

    def __init__(self, address: int, room: SimRoom, now: Now = time.monotonic) -> None:
        super().__init__(address, room, now)
        self._answer: bytes = b""
        self._ready_at = 0.0
        self.corrupt_crc = False  # answer with a wrong CRC on the first word

    def _answer_words(self, words: Iterable[int], delay: float) -> None:
        out = bytearray()
        for word in words:
            pair = bytes([word >> 8 & 0xFF, word & 0xFF])
            out += pair + bytes([crc8(pair)])
        if self.corrupt_crc:
            out[2] ^= 0xFF
        self._answer, self._ready_at = bytes(out), self.now() + delay

    def read(self, length: int) -> bytes:
        if not self._answer or self.now() < self._ready_at:
            if self._answer:
                self.early_reads += 1
            raise nack()  # busy or nothing to say: the chip NACKs its read header
        answer, self._answer = self._answer, b""
        return answer[:length].ljust(length, b"\xff")


def _word(value: float) -> int:
    return min(0xFFFF, max(0, round(value)))


class FakeSHT3x(_SensirionChip):
    def __init__(self, address: int, room: SimRoom, now: Now = time.monotonic, status: int = 0x8010) -> None:
        super().__init__(address, room, now)
        self.status = status
        self.resets = 0

    def write(self, data: bytes) -> None:
        self.writes.append(data)
        self._answer = b""
        if len(data) != 2:
            return  # not a command: the SHT3x only takes 16-bit commands
        command = data[0] << 8 | data[1]
        if command == sht3x.CMD_MEASURE_HIGH_NO_STRETCH:
            t, rh = self.room.get("temperature_c"), self.room.get("humidity")
            self._answer_words([_word((t + 45) * 65535 / 175), _word(rh * 65535 / 100)], 0.0155)
        elif command == sht3x.CMD_READ_STATUS:
            self._answer_words([self.status], 0.0)
        elif command == sht3x.CMD_SOFT_RESET:
            self.resets += 1
        elif command != sht3x.CMD_CLEAR_STATUS:
            raise nack()  # unknown command


class FakeSHT4x(_SensirionChip):
    def __init__(self, address: int, room: SimRoom, now: Now = time.monotonic, serial: int = 0x0F1E2D3C) -> None:
        super().__init__(address, room, now)
        self.serial = serial
        self.resets = 0

    def write(self, data: bytes) -> None:
        self.writes.append(data)
        self._answer = b""
        if len(data) != 1:
            raise nack()  # the SHT4x takes one-byte commands
        if data[0] == sht4x.CMD_MEASURE_HIGH:
            t, rh = self.room.get("temperature_c"), self.room.get("humidity")
            self._answer_words([_word((t + 45) * 65535 / 175), _word((rh + 6) * 65535 / 125)], 0.0083)
        elif data[0] == sht4x.CMD_READ_SERIAL:
            self._answer_words([self.serial >> 16, self.serial & 0xFFFF], 0.0)
        elif data[0] == sht4x.CMD_SOFT_RESET:
            self.resets += 1
        else:
            raise nack()


class FakeBH1750(FakeChip):
    def __init__(self, address: int, room: SimRoom, now: Now = time.monotonic) -> None:
        super().__init__(address, room, now)
        self.powered = False
        self.mtreg = bh1750.MTREG_DEFAULT
        self.data = 0
        self._pending: tuple[float, int] | None = None  # (ready at, value)
        self.measurements: list[tuple[int, int]] = []  # (MTreg, mode opcode) of each started measurement

    def write(self, data: bytes) -> None:
        self.writes.append(data)
        if len(data) != 1:
            raise nack()  # one opcode per transaction
        self._settle()
        op = data[0]
        if op == bh1750.OP_POWER_DOWN:
            self.powered = False
        elif op == bh1750.OP_POWER_ON:
            self.powered = True
        elif op == bh1750.OP_RESET:
            self.data = 0 if self.powered else self.data
        elif op & 0xF8 == bh1750.OP_MTREG_HIGH:
            self.mtreg = (op & 0x07) << 5 | self.mtreg & 0x1F
        elif op & 0xE0 == bh1750.OP_MTREG_LOW:
            self.mtreg = self.mtreg & 0xE0 | op & 0x1F
        elif op in (bh1750.OP_ONE_TIME_H_RES, bh1750.OP_ONE_TIME_H_RES2):
            counts = self.room.get("lux") * bh1750.MEASUREMENT_ACCURACY * self.mtreg / bh1750.MTREG_DEFAULT
            counts *= 2 if op == bh1750.OP_ONE_TIME_H_RES2 else 1
            ready = self.now() + 0.180 * self.mtreg / bh1750.MTREG_DEFAULT
            self._pending = (ready, _word(counts))
            self.measurements.append((self.mtreg, op))
        else:
            raise nack()

    def _settle(self) -> None:
        if self._pending is not None and self.now() >= self._pending[0]:
            self.data, self._pending, self.powered = self._pending[1], None, False  # one-time: powers down

    def read(self, length: int) -> bytes:
        self._settle()
        if self._pending is not None:
            self.early_reads += 1  # the real chip hands back the previous result
        return struct.pack(">H", self.data)[:length].ljust(length, b"\xff")


# A real chip's humidity trimming with Bosch's worked example for temperature and pressure.
EXAMPLE_CALIBRATION = bme280.Calibration(
    27504, 26435, -1000, 36477, -10685, 3024, 2855, 140, -7, 15500, -14600, 6000, 75, 362, 0, 313, 50, 30
)


def _invert(fn: Callable[[int], int], target: int, low: int, high: int) -> int:
    """The input in low..high whose monotonic ``fn`` comes closest to ``target``."""
    rising = fn(high) >= fn(low)
    while high - low > 1:
        mid = (low + high) // 2
        if (fn(mid) < target) == rising:
            low = mid
        else:
            high = mid
    return min((low, high), key=lambda x: abs(fn(x) - target))


class FakeBME280(FakeChip):
    def __init__(
        self,
        address: int,
        room: SimRoom,
        now: Now = time.monotonic,
        calibration: bme280.Calibration = EXAMPLE_CALIBRATION,
        chip_id: int = bme280.CHIP_ID,
    ) -> None:
        super().__init__(address, room, now)
        self.calibration = calibration
        self.regs = bytearray(256)
        self.regs[bme280.REG_ID] = chip_id
        self._write_calibration(calibration)
        self._clear_data()
        self._pointer = 0
        self._ready_at: float | None = None
        self.measurements = 0

    def _write_calibration(self, c: bme280.Calibration) -> None:
        tp = struct.pack("<HhhHhhhhhhhh", c.T1, c.T2, c.T3, c.P1, c.P2, c.P3, c.P4, c.P5, c.P6, c.P7, c.P8, c.P9)
        self.regs[0x88 : 0x88 + 24] = tp
        self.regs[0xA1] = c.H1
        e4, e5, e6 = (c.H4 >> 4) & 0xFF, (c.H4 & 0x0F) | (c.H5 & 0x0F) << 4, (c.H5 >> 4) & 0xFF
        self.regs[0xE1:0xE8] = struct.pack("<hB", c.H2, c.H3) + bytes([e4, e5, e6, c.H6 & 0xFF])

    def _clear_data(self) -> None:
        self.regs[0xF7:0xFF] = bytes([0x80, 0, 0, 0x80, 0, 0, 0x80, 0])  # the "not measured" values

    def write(self, data: bytes) -> None:
        self.writes.append(data)
        self._settle()
        self._pointer = data[0]
        for reg, value in zip(data[0::2], data[1::2], strict=False):
            self._store(reg, value)

    def _store(self, reg: int, value: int) -> None:
        if reg == bme280.REG_RESET and value == bme280.RESET_WORD:
            self.regs[bme280.REG_CTRL_HUM : bme280.REG_CTRL_MEAS + 2] = bytes(4)
            self._clear_data()
            self._ready_at = None
        elif reg in (bme280.REG_CTRL_HUM, bme280.REG_CTRL_MEAS, 0xF5):
            self.regs[reg] = value
            if reg == bme280.REG_CTRL_MEAS and value & 0x03 in (0b01, 0b10):
                self._ready_at = self.now() + bme280.MEASURE_TIME_S - 0.001
                self.regs[bme280.REG_STATUS] |= bme280.STATUS_MEASURING
                self.measurements += 1

    def _settle(self) -> None:
        if self._ready_at is None or self.now() < self._ready_at:
            return
        self._ready_at = None
        self.regs[bme280.REG_STATUS] &= ~bme280.STATUS_MEASURING & 0xFF
        self.regs[bme280.REG_CTRL_MEAS] &= 0xFC  # forced mode returns to sleep
        adc_t, adc_p, adc_h = self.raw_for(self.room.snapshot())
        self.regs[0xF7:0xFF] = bytes(
            [adc_p >> 12, adc_p >> 4 & 0xFF, (adc_p & 0xF) << 4, adc_t >> 12, adc_t >> 4 & 0xFF, (adc_t & 0xF) << 4]
        ) + struct.pack(">H", adc_h)

    def raw_for(self, room: dict[str, float]) -> tuple[int, int, int]:
        """The ADC values this chip's calibration turns into the room's values."""
        c = self.calibration
        adc_t = _invert(lambda a: bme280.compensate_t(c, a)[0], round(room["temperature_c"] * 100), 0, 0xFFFFF)
        t_fine = bme280.compensate_t(c, adc_t)[1]
        adc_p = _invert(lambda a: bme280.compensate_p(c, a, t_fine), round(room["pressure_hpa"] * 25600), 0, 0xFFFFF)
        adc_h = _invert(lambda a: bme280.compensate_h(c, a, t_fine), round(room["humidity"] * 1024), 0, 0xFFFF)
        return adc_t, adc_p, adc_h

    def read(self, length: int) -> bytes:
        self._settle()
        if self._ready_at is not None and self._pointer >= 0xF7:
            self.early_reads += 1
        out = bytes(self.regs[(self._pointer + i) & 0xFF] for i in range(length))
        self._pointer = (self._pointer + length) & 0xFF
        return out


def simulated_bus(temperature: str, light: str, room: SimRoom | None = None, now: Now = time.monotonic) -> FakeBus:
    """A bus with the chips the config asks for ("auto" gets an SHT4x and a BH1750)."""
    room = room or simulated_room()
    bus = FakeBus()
    climate: dict[str, Callable[[], FakeChip]] = {
        "auto": lambda: FakeSHT4x(0x44, room, now),
        "sht4x": lambda: FakeSHT4x(0x44, room, now),
        "sht3x": lambda: FakeSHT3x(0x44, room, now),
        "bme280": lambda: FakeBME280(0x76, room, now),
    }
    if temperature in climate:
        bus.add(climate[temperature]())
    if light in ("auto", "bh1750"):
        bus.add(FakeBH1750(0x23, room, now))
    return bus


__all__ = [
    "EXAMPLE_CALIBRATION",
    "FakeBH1750",
    "FakeBME280",
    "FakeBus",
    "FakeChip",
    "FakeSHT3x",
    "FakeSHT4x",
    "Faults",
    "SimRoom",
    "simulated_bus",
    "simulated_room",
]
