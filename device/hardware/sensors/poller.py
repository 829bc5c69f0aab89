"""The sensor poller: one thread that reads the chips, smooths, and posts :class:`RoomReading` events.

Design choices, each for a reason:

- **Bus calls run on a helper thread with a timeout** (:class:`BusGuard`). A
  call stuck in the kernel (a wedged bus) then costs the poller one timeout,
  is reported as a fault, and no further call is queued behind it until it
  returns. The worker never calls the bus at all: it only gets events.
- **Per-sensor fault state.** A NACK, a CRC failure, an out-of-range value or
  a timeout marks that sensor unavailable at once (its quantities go to None
  in the next event and ``sensor.<name>`` appears in the state's faults),
  logs one warning for the whole outage, and retries after 2, 4, 8 … s, capped
  at ``max_backoff``; the first good reading logs the recovery. Before each
  retry the chip gets a soft reset and its setup again.
- **Smoothing: median of the last 3 readings** of each quantity, taken only
  from the current unbroken run of good readings (an outage empties it), so
  one odd value cannot move the state and nothing from before an outage is
  mixed in. With fewer than 3 readings the median of those there are is used.
- **Every event carries its time**: ``at`` is when the oldest of the newest
  readings it contains was taken; a quantity whose sensor is down is None,
  never its last value.
- The thread sleeps with ``clock.wait`` between reads, so ``--speed`` applies.
"""

from __future__ import annotations

import logging
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from device.core import events as ev
from device.hardware.sensors import detect
from device.hardware.sensors.base import Bus, Driver, Kind, Measurement, SensorError, Sleep
from device.runtime.clock import Clock
from device.runtime.queue_thread import QueueThread

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 2.0  # real seconds; the slowest good read (BH1750 at MTreg 254, re-ranged) takes < 1 s
RETRY_BASE_S = 2.0
MAX_BACKOFF_S = 300.0
WINDOW = 3
QUANTITIES = ("temperature_c", "humidity", "pressure_hpa", "lux")


class BusGuard:
    """Runs bus calls on one helper thread and gives up waiting after ``timeout`` real seconds."""

    def __init__(self, timeout: float = READ_TIMEOUT_S) -> None:
        self.timeout = timeout
        self._current: _Job | None = None
        self._thread: QueueThread[_Job] = QueueThread("hushlight-i2c", self._run)

    def call(self, label: str, fn: Callable[[], Any]) -> Any:
        if self._current is not None and not self._current.done.is_set():
            raise SensorError(label, "timeout", "an earlier bus call has still not returned")
        job = _Job(fn)
        self._current = job
        self._thread.put(job)
        if not job.done.wait(self.timeout):
            raise SensorError(label, "timeout", f"the bus call did not return within {self.timeout:g} s")
        if job.error is not None:
            raise job.error
        return job.result

    def wait_idle(self, timeout: float) -> bool:
        """Wait up to ``timeout`` real seconds for the current call to return; True if none is running."""
        job = self._current
        return job is None or job.done.wait(timeout)

    def close(self) -> None:
        self._thread.close(timeout=0)  # a call hanging in the kernel must not hold up the shutdown

    def _run(self, jobs: list[_Job]) -> None:
        for job in jobs:
            try:
                job.result = job.fn()
            except BaseException as exc:  # handed back to the caller, who decides
                job.error = exc
            job.done.set()


@dataclass
class _Job:
    fn: Callable[[], Any]
    result: Any = None
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)


@dataclass
class Slot:
    """One configured sensor ("temperature" or "light") and its fault state."""

    name: str
    kind: Kind
    choice: str
    driver: Driver | None = None
    ready: bool = False
    failures: int = 0
    next_at: float = 0.0
    down_since: float | None = None
    warned: bool = False  # this outage was logged as a fault (not just "not found yet")
    window: deque[tuple[float, Measurement]] = field(default_factory=lambda: deque(maxlen=WINDOW))

    @property
    def label(self) -> str:
        return self.driver.label if self.driver is not None else f"{self.choice} {self.name} sensor"

    @property
    def fault_key(self) -> str:
        return f"sensor.{self.name}"


def median_values(window: deque[tuple[float, Measurement]]) -> dict[str, float]:
    """Median of each quantity over the window's readings."""
    out: dict[str, float] = {}
    for key in QUANTITIES:
        values = [v for _, m in window if (v := getattr(m, key)) is not None]
        if values:
            out[key] = statistics.median(values)
    return out


class SensorPoller:
    """Polls the configured sensors on its own thread and posts readings and faults as events."""

    def __init__(
        self,
        bus: Bus,
        post: Callable[[ev.Event], None],
        clock: Clock,
        interval: float,
        temperature: str = "auto",
        light: str = "auto",
        sleep: Sleep = time.sleep,
        read_timeout: float = READ_TIMEOUT_S,
        max_backoff: float = MAX_BACKOFF_S,
    ) -> None:
        self.bus, self.post, self.clock, self.interval, self.sleep = bus, post, clock, interval, sleep
        self.max_backoff = max(max_backoff, interval)
        self.slots = [Slot(name, kind, choice) for name, kind, choice in detect.slot_choices(temperature, light)]
        self._guard = BusGuard(read_timeout)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False

    def start(self) -> SensorPoller:
        self._thread = threading.Thread(target=self._run, name="hushlight-sensors", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop the thread and release the bus; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        if self._thread is not None:
            self._thread.join(READ_TIMEOUT_S + 1)
        if not self._guard.wait_idle(READ_TIMEOUT_S):
            log.warning("an I2C call is still hanging at shutdown; closing the bus anyway")
        self._guard.close()
        try:
            self.bus.close()
        except OSError as exc:
            log.debug("closing the I2C bus: %s", exc)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_due(self.clock.now())
            except Exception:  # a bug here must not end polling for the night
                log.exception("sensor polling failed; carrying on")
            pause = min(slot.next_at for slot in self.slots) - self.clock.now() if self.slots else self.interval
            if self.clock.wait(self._stop, max(0.0, pause)):
                break

    def poll_due(self, now: float) -> None:
        """Read every sensor that is due at ``now`` and post what changed."""
        due = [slot for slot in self.slots if slot.next_at <= now]
        for slot in due:
            self._attempt(slot, now)
        if due:
            self.post(self.reading())

    def reading(self) -> ev.RoomReading:
        """The smoothed room as an event; sensors that are down contribute None."""
        now = self.clock.now()
        values: dict[str, float] = {}
        sources: dict[str, str] = {}
        times: list[float] = []
        for slot in self.slots:
            if slot.driver is None or not slot.window or now - slot.window[-1][0] > 2.5 * self.interval:
                continue
            for key, value in median_values(slot.window).items():
                values[key], sources[key] = value, slot.driver.label
            times.append(slot.window[-1][0])
        return ev.RoomReading(at=min(times) if times else now, sources=sources, **values)

    def _attempt(self, slot: Slot, now: float) -> None:
        try:
            measurement = self._read(slot)
        except OSError as exc:  # SensorError is one; a bare OSError comes from a driver's odd corner
            self._failed(slot, now, exc)
            return
        self._succeeded(slot, now, self.clock.now(), measurement)

    def _read(self, slot: Slot) -> Measurement:
        if slot.driver is None:
            found = self._guard.call(slot.label, lambda: detect.probe(self.bus, slot.kind, slot.choice, self.sleep))
            if found is None:
                where = ", ".join(f"0x{a:02x}" for a in detect.probed_addresses(slot.kind, slot.choice))
                raise SensorError(slot.label, "nack", f"nothing answered at {where}")
            slot.driver, info = found
            log.info("%s sensor: %s (%s)", slot.name, info.label, info.detail)
            if not slot.warned:  # "not found yet" ends here; a failure from now on is an outage of its own
                slot.down_since, slot.failures = None, 0
        driver = slot.driver
        if not slot.ready:
            if slot.failures:
                try:
                    self._guard.call(driver.label, driver.reset)
                except OSError as exc:
                    log.debug("%s: soft reset failed: %s", driver.label, exc)
            self._guard.call(driver.label, driver.setup)
            slot.ready = True
        result: Measurement = self._guard.call(driver.label, driver.read)
        return result

    def _failed(self, slot: Slot, now: float, exc: OSError) -> None:
        slot.failures += 1
        slot.ready = False
        slot.window.clear()
        delay = min(RETRY_BASE_S * 2 ** min(slot.failures - 1, 30), self.max_backoff)
        slot.next_at = now + delay
        if slot.down_since is not None:
            log.debug("%s still unavailable (%d tries): %s", slot.label, slot.failures, exc)
            return
        slot.down_since = now
        if slot.driver is None and slot.choice == "auto":
            where = ", ".join(f"0x{a:02x}" for a in detect.probed_addresses(slot.kind, slot.choice))
            log.info("no %s sensor found (probed %s); looking again now and then", slot.name, where)
            return
        slot.warned = True
        log.warning(
            "%s sensor %s unavailable: %s; retrying with backoff up to %g s",
            slot.name,
            slot.label,
            exc,
            self.max_backoff,
        )
        self.post(ev.AdapterFailed(slot.fault_key, str(exc)))

    def _succeeded(self, slot: Slot, now: float, at: float, measurement: Measurement) -> None:
        if slot.down_since is not None and slot.warned:
            log.info(
                "%s sensor %s available again after %.0f s (%d failed tries)",
                slot.name,
                slot.label,
                at - slot.down_since,
                slot.failures,
            )
            self.post(ev.AdapterRecovered(slot.fault_key))
        slot.failures, slot.down_since, slot.warned = 0, None, False
        slot.window.append((at, measurement))
        slot.next_at = now + self.interval  # from the start of the round, so sensors stay in step
