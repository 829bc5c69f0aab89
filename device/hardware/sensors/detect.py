"""Find the sensors on the bus: by configured name, or by probing known addresses and ID registers."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from device.hardware.sensors.base import Bus, Driver, Kind, Sleep, driver, drivers

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Found:
    """A chip that answered as ``name`` at ``address``; ``detail`` is what it said (ID, serial)."""

    name: str
    address: int
    detail: str

    @property
    def label(self) -> str:
        return f"{self.name}@0x{self.address:02x}"


def slot_choices(temperature: str, light: str) -> list[tuple[str, Kind, str]]:
    """(name, kind, choice) of each sensor the config asks for."""
    pairs: list[tuple[str, Kind, str]] = [("temperature", "climate", temperature), ("light", "light", light)]
    return [pair for pair in pairs if pair[2] != "none"]


def candidates(kind: Kind, choice: str) -> list[type[Driver]]:
    """The drivers to try for ``kind`` given the config's choice ("auto", a chip name or "none")."""
    if choice == "none":
        return []
    if choice == "auto":
        return drivers(kind)
    chosen = driver(choice)
    if chosen.kind != kind:
        raise ValueError(f"{choice!r} is a {chosen.kind} sensor, not a {kind} sensor")
    return [chosen]


def probe(bus: Bus, kind: Kind, choice: str, sleep: Sleep = time.sleep) -> tuple[Driver, Found] | None:
    """The first chip of ``kind`` that identifies itself, as a ready-to-use driver, or None."""
    for cls in candidates(kind, choice):
        for address in cls.addresses:
            detail = cls.identify(bus, address, sleep)
            if detail is not None:
                return cls(bus, address, sleep), Found(cls.name, address, detail)
    return None


def probed_addresses(kind: Kind, choice: str) -> list[int]:
    return sorted({a for cls in candidates(kind, choice) for a in cls.addresses})


def scan(bus: Bus, temperature: str = "auto", light: str = "auto", sleep: Sleep = time.sleep) -> list[Found]:
    """Every known chip that answers, one per address (what `hushlight sensors` lists)."""
    found: list[Found] = []
    pairs: list[tuple[Kind, str]] = [("climate", temperature), ("light", light)]
    for kind, choice in pairs:
        taken: set[int] = set()
        for cls in candidates(kind, choice):
            for address in cls.addresses:
                if address in taken:
                    continue
                detail = cls.identify(bus, address, sleep)
                if detail is not None:
                    taken.add(address)
                    found.append(Found(cls.name, address, detail))
    for item in found:
        log.info("found %s (%s)", item.label, item.detail)
    return found
