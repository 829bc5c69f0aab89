"""A fake I2C bus: ``smbus2.SMBus``'s calls, answered by fake chips, with faults injected on request.

Each smbus2 call is one transaction, as on the wire; a fault (a NACK, a timeout, a corrupted last
byte) is drawn per transaction, or scripted, or the bus can hang until released.
"""

from __future__ import annotations

import ctypes
import errno
import random
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from smbus2.smbus2 import I2C_M_RD

if TYPE_CHECKING:
    from device.hardware.sensors.fakes import FakeChip


def nack() -> OSError:
    """What smbus2 raises when nothing acknowledges the address (every Pi model)."""
    return OSError(errno.EREMOTEIO, "Remote I/O error")


@dataclass
class Faults:
    """Random faults per bus transaction (one smbus2 call); rates are 0..1."""

    nack: float = 0.0
    corrupt: float = 0.0
    timeout: float = 0.0
    seed: int = 0
    rng: random.Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def draw(self) -> str | None:
        x = self.rng.random()
        for kind, rate in (("nack", self.nack), ("timeout", self.timeout), ("corrupt", self.corrupt)):
            if x < rate:
                return kind
            x -= rate
        return None


class FakeBus:
    """A stand-in for ``smbus2.SMBus`` with fake chips on it and fault injection."""

    def __init__(self, chips: Iterable[FakeChip] = (), faults: Faults | None = None) -> None:
        self.chips = {chip.address: chip for chip in chips}
        self.faults = faults or Faults()
        self.scripted: deque[str | None] = deque()  # outcomes forced on the next transactions
        self.hang: threading.Event | None = None  # calls block until it is set, then time out
        self.transactions = 0
        self.failed = 0
        self.closed = False
        self._lock = threading.Lock()

    def add(self, chip: FakeChip) -> FakeChip:
        self.chips[chip.address] = chip
        return chip

    def _transaction(self, address: int, parts: list[tuple[bytes | None, int]]) -> list[bytes]:
        """Run writes (bytes) and reads (None, length) on one chip; return what was read."""
        hang = self.hang
        if hang is not None:
            hang.wait()
            raise OSError(errno.ETIMEDOUT, "Connection timed out")
        with self._lock:
            self.transactions += 1
            fault = self.scripted.popleft() if self.scripted else self.faults.draw()
            chip = self.chips.get(address)
            if fault in ("nack", "timeout") or chip is None or not chip.present:
                self.failed += 1
                raise OSError(errno.ETIMEDOUT, "Connection timed out") if fault == "timeout" else nack()
            out: list[bytes] = []
            for data, length in parts:
                if data is None:
                    out.append(chip.read(length))
                else:
                    chip.write(data)
                    out.append(b"")
            if fault == "corrupt" and out and out[-1]:
                self.failed += 1
                last = bytearray(out[-1])
                last[-1] ^= 0x5A
                out[-1] = bytes(last)
            return out

    def read_byte_data(self, i2c_addr: int, register: int, force: bool | None = None) -> int:
        return self._transaction(i2c_addr, [(bytes([register]), 0), (None, 1)])[1][0]

    def read_i2c_block_data(self, i2c_addr: int, register: int, length: int, force: bool | None = None) -> list[int]:
        if length > 32:
            raise ValueError("Desired block length over 32 bytes")
        return list(self._transaction(i2c_addr, [(bytes([register]), 0), (None, length)])[1])

    def write_byte_data(self, i2c_addr: int, register: int, value: int, force: bool | None = None) -> None:
        self._transaction(i2c_addr, [(bytes([register, value]), 0)])

    def write_byte(self, i2c_addr: int, value: int, force: bool | None = None) -> None:
        self._transaction(i2c_addr, [(bytes([value]), 0)])

    def i2c_rdwr(self, *i2c_msgs: Any) -> None:
        for msg in i2c_msgs:  # the drivers send one message per call; each is its own transaction here
            if msg.flags & I2C_M_RD:
                (data,) = self._transaction(msg.addr, [(None, msg.len)])
                ctypes.memmove(msg.buf, data, msg.len)
            else:
                self._transaction(msg.addr, [(bytes(msg), 0)])

    def close(self) -> None:
        self.closed = True
