"""Worker.post_or_run: a command carried out on the caller's thread when the core is idle, in order otherwise."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest

from device.audio.player import SilentPlayer
from device.config import parse_config
from device.core import events as ev
from device.core.controller import Controller, settings_from_config
from device.hardware.lamp.fakes.recording import RecordingLamp
from device.hub.base import NullHub
from device.journal.base import MemoryJournal
from device.runtime.clock import RealClock
from device.runtime.worker import Adapters, Worker

LIGHT = {"on": True, "level": 40.0, "transition": None}


class ThreadLamp(RecordingLamp):
    """Notes the thread of each fade; the first fade can be held at a gate (a busy worker)."""

    def __init__(self, clock: RealClock) -> None:
        super().__init__(clock)
        self.threads: list[tuple[float, str]] = []
        self.gate: threading.Event | None = None
        self.held = threading.Event()

    def fade_to(self, level: float, duration: float, curve: str = "linear") -> None:
        gate, self.gate = self.gate, None
        if gate is not None:
            self.held.set()
            gate.wait(5)
        self.threads.append((level, threading.current_thread().name))
        super().fade_to(level, duration, curve)


class DeadlineController(Controller):
    """A command "soon" asks to be woken 0.2 s later; the worker's advance() calls are counted."""

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.wake_at: float | None = None
        self.woken: list[float] = []

    def handle(self, event: ev.Event, now: float) -> list[Any]:
        if isinstance(event, ev.Command) and event.action == "soon":
            self.wake_at = now + 0.2
            return []
        return super().handle(event, now)

    def next_deadline(self) -> float | None:
        return self.wake_at

    def advance(self, now: float) -> list[Any]:
        if self.wake_at is not None and now >= self.wake_at:
            self.woken.append(now)
            self.wake_at = None
        return super().advance(now)


def make(
    controller_cls: type[Controller] = Controller, extra: str = ""
) -> tuple[Worker, ThreadLamp, NullHub, threading.Thread]:
    config = parse_config("[routine]\nenabled = false\n" + extra)
    clock = RealClock()
    lamp, hub = ThreadLamp(clock), NullHub()
    controller = controller_cls(config, settings_from_config(config), dt.UTC)
    worker = Worker(controller, Adapters(lamp, SilentPlayer(), hub, MemoryJournal()), clock)
    thread = threading.Thread(target=worker.run, name="the-worker", daemon=True)
    return worker, lamp, hub, thread


def idle(worker: Worker) -> None:
    deadline = time.monotonic() + 2
    while (worker._busy or worker._events or not worker._running) and time.monotonic() < deadline:
        time.sleep(0.005)


def stop(worker: Worker) -> None:
    worker.post(ev.Shutdown("test"))
    assert worker.stopped.wait(2)


def test_an_idle_core_carries_the_command_out_on_the_callers_thread_before_returning() -> None:
    worker, lamp, hub, thread = make()
    thread.start()
    idle(worker)
    worker.post_or_run(ev.Command("lamp", LIGHT, "hub"))
    assert lamp.threads == [(40.0, threading.current_thread().name)]  # done when post_or_run returned
    assert hub.state["lamp"]["target"] == 40.0
    stop(worker)


def test_before_the_worker_runs_a_command_waits_for_it() -> None:
    worker, lamp, _hub, thread = make()
    worker.post_or_run(ev.Command("lamp", LIGHT, "hub"))
    assert lamp.threads == []
    thread.start()
    idle(worker)
    assert lamp.threads == [(40.0, "the-worker")]
    stop(worker)


def test_a_busy_core_queues_the_command_without_waiting_and_keeps_the_order() -> None:
    worker, lamp, _hub, thread = make()
    thread.start()
    idle(worker)
    lamp.gate = gate = threading.Event()
    worker.post(ev.Command("lamp", {**LIGHT, "level": 10.0}, "hub"))  # the worker is held in this one
    assert lamp.held.wait(2)
    started = time.monotonic()
    worker.post_or_run(ev.Command("lamp", {**LIGHT, "level": 20.0}, "hub"))
    worker.post_or_run(ev.Command("lamp", {**LIGHT, "level": 30.0}, "hub"))
    assert time.monotonic() - started < 0.1  # never waits for the core
    gate.set()
    idle(worker)
    assert [level for level, _ in lamp.threads] == [10.0, 20.0, 30.0]
    assert {name for _, name in lamp.threads} == {"the-worker"}
    stop(worker)


def test_a_command_queued_before_keeps_its_place_ahead_of_a_later_one() -> None:
    worker, lamp, _hub, thread = make()
    worker.post(ev.Command("lamp", {**LIGHT, "level": 10.0}, "hub"))  # queued: the worker is not running
    thread.start()
    worker.post_or_run(ev.Command("lamp", {**LIGHT, "level": 20.0}, "hub"))
    idle(worker)
    assert [level for level, _ in lamp.threads] == [10.0, 20.0]
    stop(worker)


def test_a_deadline_an_inline_command_brings_forward_wakes_the_worker_on_time() -> None:
    worker, _lamp, _hub, thread = make(DeadlineController)
    assert isinstance(worker.controller, DeadlineController)
    thread.start()
    idle(worker)  # asleep for up to 30 s (nothing due)
    asked = time.monotonic()
    worker.post_or_run(ev.Command("soon", None, "hub"))
    deadline = time.monotonic() + 2
    while not worker.controller.woken and time.monotonic() < deadline:
        time.sleep(0.01)
    assert worker.controller.woken, "the worker slept through a deadline set on another thread"
    assert 0.15 < time.monotonic() - asked < 1.0
    stop(worker)


def test_a_shutdown_is_always_the_workers_own() -> None:
    worker, _lamp, _hub, thread = make()
    thread.start()
    idle(worker)
    worker.post_or_run(ev.Shutdown("test"))
    assert worker.stopped.wait(2)
    thread.join(2)
    assert not thread.is_alive()


LAMP_BUTTON = '[buttons.main]\npin = 17\nsingle = "lamp_toggle"\n'
SWITCH = "[buttons]\ndouble_press_ms = 0\nlong_press_ms = 0\n" + LAMP_BUTTON


@pytest.mark.parametrize(("extra", "on_the_edge"), [(SWITCH, True), (LAMP_BUTTON, False)], ids=["switch", "gestures"])
def test_a_press_decided_on_its_edge_moves_the_lamp_inside_gpiozeros_callback(
    pin_factory: Any, extra: str, on_the_edge: bool
) -> None:
    """As the daemon wires it: BedsideButtons posts with post_or_run. A plain switch (no double, no long
    press) is answered before the edge's callback returns; with gestures on, the worker decides later."""
    from device.hardware.buttons import BedsideButtons

    worker, lamp, _hub, thread = make(extra=extra)
    thread.start()
    idle(worker)
    config = worker.controller.config
    buttons = BedsideButtons(config.buttons, worker.post_or_run, worker.clock, pin_factory)
    pin = pin_factory.pin(17)
    try:
        pin.drive_low()  # pressed (pull-up)
        here = threading.current_thread().name
        if on_the_edge:
            assert [name for _, name in lamp.threads] == [here]  # the lamp moved inside drive_low()
            assert worker.controller.state.lamp.target > 0
        else:
            assert lamp.threads == []  # a single press is known only once the double-press window closes
        time.sleep(0.05)
        pin.drive_high()
        deadline = time.monotonic() + 3
        while not lamp.threads and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(lamp.threads) == 1 and (lamp.threads[0][1] == here) == on_the_edge
    finally:
        buttons.close()
        stop(worker)
