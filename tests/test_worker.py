"""The worker: one queue, effects through adapters, failures contained, sleeping between deadlines."""

from __future__ import annotations

import threading
import time

from device.audio.player import SilentPlayer
from device.config import parse_config
from device.core import events as ev
from device.core.controller import Controller, settings_from_config
from device.hardware.lamp.fakes.recording import RecordingLamp
from device.hub.base import NullHub
from device.journal.base import MemoryJournal
from device.runtime.clock import RealClock
from device.runtime.worker import Adapters, Worker


class FlakyLamp(RecordingLamp):
    def __init__(self, clock) -> None:
        super().__init__(clock)
        self.failing = True

    def fade_to(self, level: float, duration: float, curve: str = "linear") -> None:
        if self.failing:
            raise OSError(121, "Remote I/O error")
        super().fade_to(level, duration, curve)


class CountingController(Controller):
    advances = 0

    def advance(self, now: float):
        self.advances += 1
        return super().advance(now)


def make_worker(lamp_cls=RecordingLamp):
    import datetime as dt

    config = parse_config("[routine]\nenabled = false\n")
    clock = RealClock()
    controller = CountingController(config, settings_from_config(config), dt.UTC)
    lamp = lamp_cls(clock)
    adapters = Adapters(lamp, SilentPlayer(), NullHub(), MemoryJournal())
    worker = Worker(controller, adapters, clock)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    return worker, adapters, controller, thread


def settle(worker: Worker) -> None:
    done = threading.Event()
    worker.post(ev.Command("none", None, "test"))
    worker.post(ev.Command("none", None, "test"))
    deadline = time.monotonic() + 2
    while worker._events and time.monotonic() < deadline:
        time.sleep(0.01)
    done.wait(0.05)


def test_effects_reach_the_adapters_in_order() -> None:
    worker, adapters, _controller, thread = make_worker()
    worker.post(ev.TriggersAvailable(("rain", "tapping")))
    worker.post(ev.Command("session", True, "hub"))
    settle(worker)
    assert adapters.player.calls[0][0] == "play"
    assert adapters.hub.state["session"]["active"] is True
    assert [k for k, _ in adapters.hub.events] == ["session_started"]
    worker.post(ev.Shutdown())
    thread.join(2)
    assert not thread.is_alive()
    assert adapters.player.calls[-1] == ("fade_out", (0.8,))


def test_failing_adapter_is_contained_reported_and_recovers(caplog) -> None:
    worker, adapters, _controller, thread = make_worker(FlakyLamp)
    for level in (10, 20, 30):
        worker.post(ev.Command("lamp", {"on": True, "level": level, "transition": 0}, "hub"))
    settle(worker)
    assert thread.is_alive()
    assert "OSError" in adapters.hub.state["faults"]["lamp"]
    assert caplog.text.count("lamp failed: ") == 1  # one error line per outage, not per call
    adapters.lamp.failing = False
    worker.post(ev.Command("lamp", {"on": True, "level": 40, "transition": 0}, "hub"))
    settle(worker)
    assert adapters.hub.state["faults"] == {}
    assert adapters.lamp.history[-1][1] == 40
    worker.post(ev.Shutdown())
    thread.join(2)


class DyingOutput:
    """A PWM output that stops answering after its first write, until healed."""

    quantum = 1 / 1000
    frequency_hz = 1000.0

    def __init__(self) -> None:
        self.writes = 0
        self.healed = False

    def write(self, duty: float) -> None:
        self.writes += 1
        if self.writes > 1 and not self.healed:
            raise OSError(121, "Remote I/O error")

    def close(self) -> None:
        pass


def test_a_failure_on_the_lamps_fade_thread_reaches_the_core_and_the_hub() -> None:
    from device.hardware.lamp.fader import FadingLamp
    from device.runtime.fake_clock import FakeClock

    output = DyingOutput()
    worker, adapters, _controller, thread = make_worker(lambda clock: FadingLamp(output, FakeClock(), 0.002))
    adapters.lamp.report_to(worker.post)  # as the daemon wires it
    worker.post(ev.Command("lamp", {"on": True, "level": 50, "transition": 10}, "hub"))
    deadline = time.monotonic() + 2  # the fade runs on the lamp's thread, which posts the failure
    while "lamp" not in adapters.hub.state.get("faults", {}) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "Remote I/O error" in adapters.hub.state["faults"]["lamp"]
    assert thread.is_alive()
    output.healed = True
    worker.post(ev.Command("lamp", {"on": True, "level": 20, "transition": 0}, "hub"))
    deadline = time.monotonic() + 2
    while adapters.hub.state["faults"] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert adapters.hub.state["faults"] == {}
    worker.post(ev.Shutdown())
    thread.join(2)
    adapters.lamp.close()


def test_idle_worker_sleeps_instead_of_polling() -> None:
    worker, _adapters, controller, thread = make_worker()
    time.sleep(0.5)
    assert controller.advances <= 1
    worker.post(ev.Shutdown())
    thread.join(2)


def test_worker_wakes_for_a_deadline_without_an_event() -> None:
    worker, adapters, _controller, thread = make_worker()
    worker.post(ev.ButtonEdge("main", True, time.time()))
    worker.post(ev.ButtonEdge("main", False, time.time() + 0.05))
    time.sleep(0.8)  # debounce + double-press window, then the single press is due
    assert ("button", {"button": "main", "gesture": "single"}) in adapters.hub.events
    worker.post(ev.Shutdown())
    thread.join(2)


def test_rescan_command_refreshes_the_trigger_list() -> None:
    worker, adapters, _controller, thread = make_worker()
    worker.post(ev.TriggersAvailable(("rain",)))
    settle(worker)
    assert adapters.hub.state["triggers"] == ["rain"]
    adapters.player.names = ("rain", "my-fan")
    worker.post(ev.Command("rescan_triggers", None, "hub"))
    deadline = time.monotonic() + 2  # the scan runs on its own thread, then posts the new list
    while adapters.hub.state["triggers"] != ["rain", "my-fan"] and time.monotonic() < deadline:
        time.sleep(0.01)
    assert adapters.hub.state["triggers"] == ["rain", "my-fan"]
    worker.post(ev.Shutdown())
    thread.join(2)


def test_a_held_simulated_clock_stands_still_until_released() -> None:
    from device.runtime.clock import ScaledClock

    clock = ScaledClock(speed=600, start=1000.0, held=True)
    time.sleep(0.05)
    assert clock.now() == 1000.0
    clock.release()
    time.sleep(0.05)
    assert 1000.0 + 0.04 * 600 < clock.now() < 1000.0 + 1.0 * 600
