"""What goes out first: a remote command's state before its effects, a press's lamp before its state."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

from device.audio.player import SilentPlayer
from device.config import parse_config
from device.core import events as ev
from device.core.controller import Controller, settings_from_config
from device.hardware.lamp.fakes.recording import RecordingLamp
from device.hub.base import NullHub
from device.journal.base import MemoryJournal
from device.persist import JsonStateFile
from device.runtime.clock import RealClock
from device.runtime.worker import Adapters, Worker


class Log:
    def __init__(self) -> None:
        self.entries: list[tuple[str, Any]] = []
        self.lock = threading.Lock()

    def add(self, what: str, data: Any = None) -> None:
        with self.lock:
            self.entries.append((what, data))

    def kinds(self) -> list[str]:
        with self.lock:
            return [what for what, _ in self.entries]


class LoggingHub(NullHub):
    def __init__(self, log: Log) -> None:
        super().__init__()
        self.log = log

    def publish_state(self, snapshot: dict[str, Any]) -> None:
        super().publish_state(snapshot)
        self.log.add("state", snapshot)


class LoggingLamp(RecordingLamp):
    def __init__(self, clock: RealClock, log: Log, failing: bool = False) -> None:
        super().__init__(clock)
        self.log, self.failing = log, failing

    def fade_to(self, level: float, duration: float, curve: str = "linear") -> None:
        self.log.add("fade_to", level)
        if self.failing:
            raise OSError(121, "Remote I/O error")
        super().fade_to(level, duration, curve)


class LoggingPlayer(SilentPlayer):
    def __init__(self, log: Log) -> None:
        super().__init__()
        self.log = log

    def play(self, trigger: str, volume: float, fade_in: float) -> None:
        self.log.add("play", trigger)
        super().play(trigger, volume, fade_in)


def run_worker(tmp_path, failing_lamp: bool = False) -> tuple[Worker, Log, threading.Thread]:
    config = parse_config("[routine]\nenabled = false\n")
    clock, log = RealClock(), Log()
    adapters = Adapters(LoggingLamp(clock, log, failing_lamp), LoggingPlayer(log), LoggingHub(log), MemoryJournal())
    controller = Controller(config, settings_from_config(config), dt.UTC)
    worker = Worker(controller, adapters, clock, session_file=JsonStateFile(tmp_path / "session.json"))
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    worker.post(ev.TriggersAvailable(("rain",)))
    return worker, log, thread


def after_the_start(worker: Worker, log: Log, event: ev.Event) -> list[str]:
    """What ``event`` led to, in order, once the worker is done with it."""
    deadline = time.monotonic() + 2
    while log.kinds().count("state") < 2 and time.monotonic() < deadline:  # the first state, the triggers
        time.sleep(0.005)
    start = len(log.kinds())
    worker.post(event)
    worker.post(ev.Shutdown("test"))
    assert worker.stopped.wait(2)
    return log.kinds()[start:-1]  # less the shutdown's own state


def test_a_hub_command_is_answered_by_the_state_before_the_lamp_moves(tmp_path) -> None:
    worker, log, _thread = run_worker(tmp_path)
    order = after_the_start(worker, log, ev.Command("lamp", {"on": True, "level": 40.0, "transition": None}, "hub"))
    assert order[:2] == ["state", "fade_to"]
    assert "state" not in order[2:]  # one state per command: nothing changed after it
    first = next(data for what, data in log.entries if what == "state" and data["lamp"]["target"] == 40.0)
    assert first["lamp"]["on"] is True


def test_a_command_from_the_page_too(tmp_path) -> None:
    worker, log, _thread = run_worker(tmp_path)
    order = after_the_start(worker, log, ev.Command("lamp", {"on": True, "level": 40.0, "transition": None}, "web"))
    assert order[:2] == ["state", "fade_to"]


def test_the_button_moves_the_lamp_before_anything_is_published(tmp_path) -> None:
    worker, log, _thread = run_worker(tmp_path)
    order = after_the_start(worker, log, ev.Command("lamp", {"on": True, "level": 40.0, "transition": None}, "button"))
    assert order[:2] == ["fade_to", "state"]


def test_a_session_is_on_the_card_before_the_state_says_it_runs(tmp_path) -> None:
    worker, log, _thread = run_worker(tmp_path)
    order = after_the_start(worker, log, ev.Command("session", True, "hub"))
    assert "play" in order and order.index("play") < order.index("state")
    states = [data for what, data in log.entries if what == "state" and data["session"]["active"]]
    assert states and (tmp_path / "session.json").exists()


def test_an_effect_that_fails_sends_the_state_again_with_the_fault(tmp_path) -> None:
    worker, log, _thread = run_worker(tmp_path, failing_lamp=True)
    order = after_the_start(worker, log, ev.Command("lamp", {"on": True, "level": 40.0, "transition": None}, "hub"))
    assert order[:3] == ["state", "fade_to", "state"]
    states = [data for what, data in log.entries if what == "state"]
    assert "lamp" not in states[-3]["faults"] and "lamp" in states[-2]["faults"]
