"""The simulator's parts in one process: sim topics to the mock pin and the room, the lamp trace, bad settings."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import msgspec
import pytest

from device.config import default_config
from device.hardware.lamp.fader import FadingLamp
from device.hardware.lamp.gpio import GpioPwmOutput
from device.hardware.sensors.fakes import simulated_room
from device.runtime.clock import ScaledClock
from device.sim.run import Simulator
from tests.support.broker import Broker, make_password_file, start_broker
from tests.support.sim import DEVICE_ID, Watcher


def eventually(test: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Whether ``test`` comes true within ``timeout`` (the sim link works on paho's thread)."""
    deadline = time.monotonic() + timeout
    while not test():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


class WorkerStub:
    """What the simulator needs of the worker: post() and the observers list."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.observers: list[Any] = []

    def post(self, event: Any) -> None:
        self.events.append(event)


def config_for(port: int, **mqtt: Any) -> Any:
    config = default_config()
    config = msgspec.structs.replace(config, device=msgspec.structs.replace(config.device, id=DEVICE_ID))
    return msgspec.structs.replace(config, mqtt=msgspec.structs.replace(config.mqtt, port=port, **mqtt))


@pytest.fixture
def room() -> Iterator[Any]:
    room = simulated_room()
    before = room.snapshot()
    yield room
    room.set(**before)


def test_sim_topics_reach_the_pin_and_the_room_and_the_lamp_is_traced(broker: Broker, pin_factory, room) -> None:
    clock = ScaledClock(1.0)
    simulator = Simulator(config_for(broker.port, host="127.0.0.1"), clock)
    lamp = FadingLamp(GpioPwmOutput(18, 1000, pin_factory), clock, 0.002)
    worker = WorkerStub()
    watcher = Watcher(broker.port)
    try:
        simulator.start(pin_factory, lamp, worker)
        assert simulator.panel is None and len(worker.observers) == 1, "no terminal here: the state logger"
        assert simulator.link is not None and simulator.link.connected.wait(10)
        watcher.publish("sim/room", '{"lux": 7, "humidity": 61.5}')
        watcher.publish("sim/button", "down")
        assert eventually(lambda: room.get("lux") == 7 and room.get("humidity") == 61.5)
        assert eventually(lambda: pin_factory.pin(17).state == 0), "a pull-up button pressed: the pin is low"
        lamp.fade_to(50, 0)
        trace = watcher.wait_for("sim/lamp", lambda m: True, 5).json()
        assert trace["level"] == 50 and 0 < trace["duty"] < 1
        assert abs(trace["at"] - clock.now()) < 5
        assert dt.datetime.fromisoformat(trace["time"]).timestamp() == pytest.approx(trace["at"], abs=0.002)
        watcher.publish("sim/button", "up")
        watcher.publish("sim/room", '{"lux": -1}')
        error = watcher.wait_for("sim/error", lambda m: True, 5).json()
        assert error == {
            "topic": "sim/room",
            "payload": '{"lux": -1}',
            "error": "room lux must be within 0..54612, not -1",
        }
        assert eventually(lambda: pin_factory.pin(17).state == 1)
    finally:
        simulator.close()
        simulator.close()  # twice is fine
        lamp.close()
        watcher.close()
    assert not simulator.link.connected.is_set()


def test_an_unreadable_password_file_leaves_the_device_running_without_sim_topics(
    tmp_path, pin_factory, caplog
) -> None:
    config = config_for(1883, username="me", password_file=str(tmp_path / "missing"))
    simulator = Simulator(config, ScaledClock(1.0))
    worker = WorkerStub()
    with caplog.at_level(logging.ERROR):
        simulator.start(pin_factory, object(), worker)
    try:
        assert simulator.link is None and simulator.button is not None
        assert f"[mqtt] password_file {tmp_path / 'missing'}: No such file or directory" in caplog.text
        simulator.act("volume_up")
        simulator.act("quit")
        assert [type(e).__name__ for e in worker.events] == ["Command", "Shutdown"]
        assert worker.events[0].action == "volume_up" and worker.events[0].source == "panel"
    finally:
        simulator.close()


def test_credentials_are_used(tmp_path, pin_factory) -> None:
    users = make_password_file(tmp_path, {"hush": "s3cret words"})
    password = tmp_path / "password"
    password.write_text("s3cret words\n")
    (tmp_path / "broker").mkdir()
    with start_broker(tmp_path / "broker", password_file=users) as broker:
        good = config_for(broker.port, host="127.0.0.1", username="hush", password_file=str(password))
        (tmp_path / "wrong").write_text("guess")
        bad = config_for(broker.port, host="127.0.0.1", username="hush", password_file=str(tmp_path / "wrong"))
        simulators = [Simulator(config, ScaledClock(1.0)) for config in (good, bad)]
        for simulator in simulators:
            simulator.start(pin_factory, object(), WorkerStub())
        try:
            links = [s.link for s in simulators]
            assert links[0] is not None and links[1] is not None
            assert links[0].connected.wait(10), "the right password gets in"
            assert not links[1].connected.wait(1), "the wrong one does not"
        finally:
            for simulator in simulators:
                simulator.close()


def test_the_panel_says_when_a_press_rates_the_night() -> None:
    import datetime as dt

    simulator = Simulator(default_config(), ScaledClock(1.0), dt.UTC)
    morning = dt.datetime(2026, 11, 25, 9, 19, tzinfo=dt.UTC).timestamp()
    hint = simulator.morning_hint(morning, session_active=False)
    assert hint == "morning until 11:00: a single press rates last night good, a double bad"
    assert simulator.morning_hint(morning, session_active=True) == "", "during a session a press stops it"
    assert simulator.morning_hint(morning + 2 * 3600, session_active=False) == "", "11:19 is past the window"
    assert simulator.morning_hint(morning - 5 * 3600, session_active=False) == "", "04:19 is before it"
