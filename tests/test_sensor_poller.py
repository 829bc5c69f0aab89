"""The poller: smoothing, timestamps, per-sensor faults with backoff, hanging bus calls, and a faulty bus for ten minutes."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import threading

import pytest

from device.config.schema import Config
from device.core import events as ev
from device.core.controller import Controller, settings_from_config
from device.hardware.sensors.fakes import FakeBH1750, FakeBus, FakeSHT4x, Faults, SimRoom
from device.hardware.sensors.poller import MAX_BACKOFF_S, SensorPoller
from device.runtime.fake_clock import FakeClock

POLLER_LOG = "device.hardware.sensors.poller"


class Setup:
    def __init__(self, interval: float = 30.0, chips: bool = True, **poller_args) -> None:
        self.clock = FakeClock()
        self.room = SimRoom(temperature_c=19.0, humidity=45.0, lux=2.0)
        self.sht = FakeSHT4x(0x44, self.room, self.clock.now)
        self.bh = FakeBH1750(0x23, self.room, self.clock.now)
        self.bus = FakeBus([self.sht, self.bh] if chips else [])
        self.events: list[ev.Event] = []
        self.poller = SensorPoller(
            self.bus, self.events.append, self.clock, interval, sleep=self.clock.sleep, **poller_args
        )

    def poll(self) -> ev.RoomReading:
        """Advance to the next due time and poll; the last reading posted."""
        self.clock.t = max(self.clock.t, min(slot.next_at for slot in self.poller.slots))
        self.poller.poll_due(self.clock.now())
        return self.readings()[-1]

    def readings(self) -> list[ev.RoomReading]:
        return [e for e in self.events if isinstance(e, ev.RoomReading)]

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture
def setup():
    made = Setup()
    yield made
    made.poller.close()


def test_a_reading_carries_values_sources_and_time(setup):
    reading = setup.poll()
    assert reading.temperature_c == pytest.approx(19.0, abs=0.01)
    assert reading.humidity == pytest.approx(45.0, abs=0.01)
    assert reading.lux == pytest.approx(2.0, abs=0.06)
    assert reading.pressure_hpa is None
    assert reading.sources == {"temperature_c": "sht4x@0x44", "humidity": "sht4x@0x44", "lux": "bh1750@0x23"}
    assert setup.clock.now() - 1 < reading.at <= setup.clock.now()


def test_median_of_three_ignores_one_odd_value(setup):
    temperatures = []
    for t in (19.0, 19.2, 35.0, 19.4, 19.6):
        setup.room.set(temperature_c=t)
        temperatures.append(round(setup.poll().temperature_c, 1))
    assert temperatures == [19.0, 19.1, 19.2, 19.4, 19.6]


def test_polls_follow_the_interval(setup):
    first = setup.poll().at
    second = setup.poll().at
    assert second - first == pytest.approx(30.0, abs=1.0)


def test_a_nack_marks_the_sensor_unavailable_at_once_then_it_recovers(setup, caplog):
    setup.poll()
    setup.sht.present = False
    with caplog.at_level(logging.INFO, logger=POLLER_LOG):
        down = setup.poll()
        assert down.temperature_c is None and down.humidity is None  # never the old value
        assert down.lux is not None
        for _ in range(4):
            assert setup.poll().temperature_c is None
        setup.sht.present = True
        up = setup.poll()
        while up.temperature_c is None and not setup.of(ev.AdapterRecovered):  # the light's round may come first
            up = setup.poll()
    assert up.temperature_c == pytest.approx(19.0, abs=0.01)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "temperature sensor sht4x@0x44 unavailable" in warnings[0].getMessage()
    assert "NACK" in warnings[0].getMessage()
    assert any("available again" in r.getMessage() for r in caplog.records)
    assert [e.adapter for e in setup.of(ev.AdapterFailed)] == ["sensor.temperature"]
    assert [e.adapter for e in setup.of(ev.AdapterRecovered)] == ["sensor.temperature"]


def test_retries_back_off_exponentially_up_to_the_cap(setup):
    setup.poll()
    setup.sht.present = False
    slot = setup.poller.slots[0]
    delays = []
    for _ in range(12):
        now = setup.clock.t = slot.next_at
        setup.poller.poll_due(now)
        delays.append(slot.next_at - now)
    assert delays[:5] == [2, 4, 8, 16, 32]
    assert delays[-1] == MAX_BACKOFF_S
    assert max(delays) == MAX_BACKOFF_S


def test_a_retry_soft_resets_the_chip_first(setup):
    setup.poll()
    setup.bus.scripted.extend([None, "corrupt"])  # the SHT4x answer fails its CRC
    assert setup.poll().temperature_c is None
    assert setup.sht.resets == 0
    setup.poll()
    assert setup.sht.resets == 1


def test_an_auto_sensor_found_late_is_used_from_then_on(caplog):
    made = Setup(chips=False)
    try:
        with caplog.at_level(logging.INFO, logger=POLLER_LOG):
            assert made.poll().temperature_c is None
            made.poll()
            made.bus.add(made.sht)
            reading = made.poll()
        assert reading.temperature_c == pytest.approx(19.0, abs=0.01)
        assert reading.lux is None
        assert "no temperature sensor found (probed 0x44, 0x45, 0x76, 0x77)" in caplog.text
        assert "temperature sensor: sht4x@0x44 (serial 0x0f1e2d3c)" in caplog.text
        assert not [r for r in caplog.records if r.levelno >= logging.WARNING]  # absent is not a fault
        assert made.of(ev.AdapterFailed) == []
    finally:
        made.poller.close()


def test_a_named_sensor_that_is_missing_is_a_fault():
    made = Setup(chips=False)
    made.poller = SensorPoller(made.bus, made.events.append, made.clock, 30.0, "sht3x", "none", sleep=made.clock.sleep)
    try:
        made.poll()
        (failed,) = made.of(ev.AdapterFailed)
        assert failed.adapter == "sensor.temperature" and "nothing answered at 0x44, 0x45" in failed.error
    finally:
        made.poller.close()


def test_a_hanging_bus_call_costs_one_timeout_and_never_blocks_the_poller(caplog):
    made = Setup(read_timeout=0.05)
    try:
        made.poll()
        made.bus.hang = threading.Event()
        with caplog.at_level(logging.WARNING, logger=POLLER_LOG):
            reading = made.poll()  # returns after the guard's timeout, not when the bus does
            assert reading.temperature_c is None and reading.lux is None
            again = made.poll()  # the stuck call is still there: no second call is queued behind it
            assert again.temperature_c is None
        assert "did not return within 0.05 s" in caplog.text
        made.bus.hang.set()
        made.bus.hang = None
        assert made.poller._guard.wait_idle(1.0)  # the stuck call returns (with its timeout error)
        reading = made.poll()
        assert reading.temperature_c == pytest.approx(19.0, abs=0.01) and reading.lux is not None
    finally:
        if made.bus.hang is not None:
            made.bus.hang.set()
        made.poller.close()


def test_close_is_idempotent_and_closes_the_bus(setup):
    setup.poller.start()
    setup.poller.close()
    setup.poller.close()
    assert setup.bus.closed


def test_thirty_percent_failing_transactions_for_ten_minutes(caplog):
    """The daemon side stays up; the state shows each sensor unavailable and available again; one line per outage."""
    clock = FakeClock(hold_at=FakeClock().t + 600)
    room = SimRoom(temperature_c=19.0, humidity=45.0, lux=2.0)
    bus = FakeBus(
        [FakeSHT4x(0x44, room, clock.now), FakeBH1750(0x23, room, clock.now)], Faults(nack=0.2, timeout=0.1, seed=7)
    )
    config = Config()
    controller = Controller(config, settings_from_config(config), tz=dt.UTC)
    timeline: list[tuple[float, bool, bool, frozenset[str]]] = []
    lock = threading.Lock()

    def post(event: ev.Event) -> None:  # stands in for the worker: the core applies each event in order
        with lock:
            controller.handle(event, clock.now())
            if isinstance(event, ev.RoomReading):
                room_state = controller.state.room
                faults = frozenset(controller.state.faults)
                timeline.append((clock.now(), room_state.temperature_c is not None, room_state.lux is not None, faults))

    poller = SensorPoller(bus, post, clock, 5.0, sleep=clock.sleep, max_backoff=60.0)
    with caplog.at_level(logging.INFO, logger=POLLER_LOG):
        poller.start()
        assert clock.held.wait(10), "the poller stopped before ten simulated minutes"
        faulty = (bus.transactions, bus.failed)
        bus.faults = Faults()  # the bus heals
        clock.hold(clock.t + 600)
        assert clock.held.wait(10)
        alive = poller._thread is not None and poller._thread.is_alive()
        poller.close()
    assert alive
    assert faulty[0] > 100
    assert 0.2 < faulty[1] / faulty[0] < 0.4  # 30 % of the transactions fail (a random draw each)
    for index, name in ((1, "temperature"), (2, "light")):
        available = [entry[index] for entry in timeline]
        faulted = [f"sensor.{name}" in entry[3] for entry in timeline]
        outages = sum(1 for before, after in zip([False, *faulted], faulted, strict=False) if after and not before)
        recoveries = sum(1 for before, after in itertools.pairwise(faulted) if before and not after)
        assert outages >= 2, f"{name}: the faults never showed"
        assert available[-1] and not faulted[-1], f"{name}: not available again once the bus healed"
        assert recoveries == outages
        assert not any(f and a for f, a in zip(faulted, available, strict=True)), f"{name}: a value shown while faulted"
        first_good = available.index(True)
        assert all(f or a for f, a in zip(faulted[first_good:], available[first_good:], strict=True)), (
            f"{name}: unexplained gap"
        )
        messages = [r.getMessage() for r in caplog.records]
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING and r.getMessage().startswith(f"{name} ")]
        assert len(warnings) == outages, f"{name}: {len(warnings)} warnings for {outages} outages"
        assert sum(m.startswith(f"{name} sensor") and "available again" in m for m in messages) == outages
    assert timeline[-1][3] == frozenset()  # no fault left in the state
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
