"""Hostile hardware: a sensor answering garbage, and a bus read that blocks for 10 s while the
button, the worker and the lamp must go on. (A recording truncated mid-loop is in the player's tests.)"""

from __future__ import annotations

import datetime as dt
import random
import threading
import time
from typing import Any

from device.audio.player import SilentPlayer
from device.config import parse_config
from device.core import events as ev
from device.core.controller import Controller, settings_from_config
from device.hardware.buttons import BedsideButtons
from device.hardware.lamp.fakes.recording import RecordingLamp
from device.hardware.sensors.fake_bus import FakeBus
from device.hardware.sensors.fakes import simulated_bus
from device.hardware.sensors.poller import SensorPoller
from device.hub.base import NullHub
from device.journal.base import MemoryJournal
from device.runtime.clock import RealClock
from device.runtime.fake_clock import FakeClock
from device.runtime.worker import Adapters, Worker

# What any driver may report (its range checks); anything else must never reach the core.
RANGES = {"temperature_c": (-45.0, 130.0), "humidity": (0.0, 100.0), "pressure_hpa": (300.0, 1100.0)}
RANGES["lux"] = (0.0, 200_000.0)


class GarbageBus(FakeBus):
    """Real chips for detection, then every read answers random bytes (a loose wire, a dying chip)."""

    def __init__(self, inner: FakeBus, seed: int, honest: int) -> None:
        super().__init__(inner.chips.values())
        self.rng = random.Random(seed)
        self.honest = honest

    def _transaction(self, address: int, parts: list[tuple[bytes | None, int]]) -> list[bytes]:
        out = super()._transaction(address, parts)
        if self.transactions <= self.honest:
            return out
        return [bytes(self.rng.randrange(256) for _ in range(n)) if data is None else b"" for data, n in parts]


def test_a_sensor_answering_garbage_never_puts_a_value_out_of_range() -> None:
    for seed in range(5):
        clock = FakeClock()
        readings: list[ev.RoomReading] = []
        bus = GarbageBus(simulated_bus("auto", "auto", now=clock.now), seed, honest=12)
        poller = SensorPoller(bus, readings.append, clock, interval=30.0, sleep=clock.sleep, max_backoff=60.0)
        poller.start()
        deadline = time.monotonic() + 30
        while sum(isinstance(r, ev.RoomReading) for r in readings) < 200 and time.monotonic() < deadline:
            time.sleep(0.01)
        poller.close()
        rooms = [r for r in readings if isinstance(r, ev.RoomReading)]
        assert len(rooms) >= 200, "the poller stopped polling"
        for reading in rooms:
            for key, (low, high) in RANGES.items():
                value = getattr(reading, key)
                assert value is None or low <= value <= high, (seed, key, value)
            assert any(r.adapter.startswith("sensor.") for r in readings if isinstance(r, ev.AdapterFailed)), (
                "faults reported"
            )


class HangingBus(FakeBus):
    """One read that blocks for up to 10 s (a wedged bus, a chip holding SDA low)."""

    def __init__(self, inner: FakeBus) -> None:
        super().__init__(inner.chips.values())
        self.blocked = threading.Event()
        self.release = threading.Event()
        self.hung_once = False

    def _transaction(self, address: int, parts: list[tuple[bytes | None, int]]) -> list[bytes]:
        if not self.hung_once and self.transactions > 8:  # detected, then hang on a measurement
            self.hung_once = True
            self.blocked.set()
            self.release.wait(10.0)
        return super()._transaction(address, parts)


def test_a_bus_read_that_blocks_10_s_stalls_neither_the_button_nor_the_worker_nor_the_lamp(pin_factory: Any) -> None:
    config = parse_config("[routine]\nenabled = false\n[buttons.main]\npin = 17\n")
    clock = RealClock()
    lamp = RecordingLamp(clock)
    worker = Worker(
        Controller(config, settings_from_config(config), dt.UTC),
        Adapters(lamp, SilentPlayer(), NullHub(), MemoryJournal()),
        clock,
    )
    worker.post(ev.TriggersAvailable(SilentPlayer().triggers()[0]))
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    buttons = BedsideButtons(config.buttons, worker.post, clock, pin_factory)
    bus = HangingBus(simulated_bus("auto", "auto"))
    poller = SensorPoller(bus, worker.post, clock, interval=0.2, read_timeout=2.0).start()
    try:
        assert bus.blocked.wait(10), "the poller never reached the bus"
        pin = pin_factory.pin(17)
        pin.drive_low()  # a single press (a hand holds it about 0.1 s): a session starts, the lamp fades up
        threading.Event().wait(0.12)
        pin.drive_high()
        worker.post(ev.Command("volume", 12.0, "hub"))
        deadline = time.monotonic() + 8
        answered = lambda: lamp.history or lamp.blinks  # noqa: E731 - a session's fade, or a morning rating's blink
        while (not answered() or worker.controller.state.settings.volume != 12.0) and time.monotonic() < deadline:
            time.sleep(0.01)
        still_blocked = not bus.release.is_set()
        assert answered(), "the lamp did not answer the button"
        assert worker.controller.state.settings.volume == 12.0, "the worker did not take the command"
        assert still_blocked, "all of it happened while the bus read was still blocked"
    finally:
        bus.release.set()
        poller.close()
        buttons.close()
        worker.post(ev.Shutdown("test"))
        thread.join(5)
