"""The sensor driver interface, the driver registry and what every driver shares.

A driver is one class in one file of the ``drivers`` sub-package, decorated
with :func:`register`; :func:`drivers` imports every module there, so a new
chip is one new file. Drivers talk only to a :class:`Bus` (the handful of
``smbus2.SMBus`` calls we use), which is what lets the fake chips in
:mod:`device.hardware.sensors.fakes` stand in for the real ones.
"""

from __future__ import annotations

import errno
import importlib
import pkgutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Protocol

from device.errors import HardwareError

Kind = Literal["climate", "light"]
Sleep = Callable[[float], None]


class Bus(Protocol):
    """The part of ``smbus2.SMBus`` the drivers use."""

    def read_byte_data(self, i2c_addr: int, register: int, force: bool | None = None) -> int: ...

    def read_i2c_block_data(
        self, i2c_addr: int, register: int, length: int, force: bool | None = None
    ) -> list[int]: ...

    def write_byte_data(self, i2c_addr: int, register: int, value: int, force: bool | None = None) -> None: ...

    def write_byte(self, i2c_addr: int, value: int, force: bool | None = None) -> None: ...

    def i2c_rdwr(self, *i2c_msgs: Any) -> None: ...

    def close(self) -> None: ...


class SensorError(HardwareError):
    """A sensor did not answer, or answered something that cannot be right.

    ``reason`` is one of ``nack``, ``timeout``, ``crc``, ``range``, ``id`` or
    ``bus`` so that logs and tests can tell the failures apart.
    """

    def __init__(self, sensor: str, reason: str, detail: str) -> None:
        self.sensor = sensor
        self.reason = reason
        self.detail = detail
        super().__init__(f"{sensor}: {detail}")


@dataclass(frozen=True)
class Measurement:
    """One raw (unsmoothed) reading from one chip; quantities it does not measure are None."""

    temperature_c: float | None = None
    humidity: float | None = None
    pressure_hpa: float | None = None
    lux: float | None = None
    note: str = ""

    def values(self) -> dict[str, float]:
        out = {
            "temperature_c": self.temperature_c,
            "humidity": self.humidity,
            "pressure_hpa": self.pressure_hpa,
            "lux": self.lux,
        }
        return {k: v for k, v in out.items() if v is not None}


class Driver:
    """One chip at one address. Subclasses set the class constants and the three methods."""

    name: ClassVar[str] = ""
    kind: ClassVar[Kind] = "climate"
    addresses: ClassVar[tuple[int, ...]] = ()
    probe_order: ClassVar[int] = 50  # lower is probed first where addresses are shared

    def __init__(self, bus: Bus, address: int, sleep: Sleep = time.sleep) -> None:
        self.bus = bus
        self.address = address
        self.sleep = sleep

    @property
    def label(self) -> str:
        return f"{self.name}@0x{self.address:02x}"

    @classmethod
    def identify(cls, bus: Bus, address: int, sleep: Sleep = time.sleep) -> str | None:
        """What the chip at ``address`` says it is (e.g. its ID or serial), or None if it is not this chip."""
        raise NotImplementedError

    def setup(self) -> None:
        """Prepare the chip (read calibration, set modes); called again after an outage."""

    def read(self) -> Measurement:
        """Measure once and return the converted values; raise :class:`SensorError` on any doubt."""
        raise NotImplementedError

    def reset(self) -> None:
        """Put the chip back in a known state after trouble (soft reset); best effort."""

    def error(self, reason: str, detail: str) -> SensorError:
        return SensorError(self.label, reason, detail)

    def bus_call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Call the bus, turning OSError into :class:`SensorError` with a reason."""
        try:
            return fn(*args)
        except OSError as exc:
            raise self.error(*os_reason(exc)) from exc

    def check_range(self, what: str, value: float, low: float, high: float, unit: str) -> float:
        if not low <= value <= high:
            raise self.error("range", f"{what} {value:.2f} {unit} is outside {low:g}..{high:g} {unit}")
        return value


def os_reason(exc: OSError) -> tuple[str, str]:
    """(reason, detail) for an OSError from the I2C bus."""
    if exc.errno in (errno.EREMOTEIO, errno.ENXIO, errno.EIO):
        return "nack", f"no answer (NACK, OSError {exc.errno})"
    if exc.errno == errno.ETIMEDOUT:
        return "timeout", f"bus timeout (OSError {exc.errno})"
    return "bus", f"bus error: {exc}"


def crc8(data: Sequence[int] | bytes) -> int:
    """Sensirion's CRC-8: polynomial 0x31, initial value 0xFF, no reflection, no final XOR."""
    crc = 0xFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = ((crc << 1) ^ 0x31) & 0xFF if crc & 0x80 else (crc << 1) & 0xFF
    return crc


def sensirion_words(driver: Driver, data: bytes, count: int) -> list[int]:
    """Check and strip the CRC after each 16-bit word of a Sensirion answer."""
    if len(data) < 3 * count:
        raise driver.error("bus", f"short answer: {len(data)} bytes, expected {3 * count}")
    words = []
    for i in range(count):
        chunk = data[3 * i : 3 * i + 3]
        if crc8(chunk[:2]) != chunk[2]:
            raise driver.error(
                "crc", f"CRC mismatch in word {i}: got 0x{chunk[2]:02x}, expected 0x{crc8(chunk[:2]):02x}"
            )
        words.append(chunk[0] << 8 | chunk[1])
    return words


_REGISTRY: dict[str, type[Driver]] = {}


def register(cls: type[Driver]) -> type[Driver]:
    """Class decorator: make a driver known by its ``name``."""
    if not cls.name or not cls.addresses:
        raise TypeError(f"{cls.__name__} needs a name and addresses")
    _REGISTRY[cls.name] = cls
    return cls


def drivers(kind: Kind | None = None) -> list[type[Driver]]:
    """Every registered driver (of ``kind``), in probe order."""
    package = __name__.rpartition(".")[0] + ".drivers"
    for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"{package}.{info.name}")
    found = [d for d in _REGISTRY.values() if kind is None or d.kind == kind]
    return sorted(found, key=lambda d: (d.probe_order, d.name))


def driver(name: str) -> type[Driver]:
    """The driver called ``name``; KeyError naming the known ones otherwise."""
    known = {d.name: d for d in drivers()}
    if name not in known:
        raise KeyError(f"no sensor driver {name!r}; known: {', '.join(sorted(known))}")
    return known[name]
