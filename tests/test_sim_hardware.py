"""The simulated hand on the real button code path, and the simulated room's payloads."""

from __future__ import annotations

import time

import pytest

from device.config import default_config
from device.core import events as ev
from device.core.gestures import GestureClassifier, GestureTiming
from device.hardware.buttons import BedsideButtons
from device.hardware.sensors.fakes import SimRoom
from device.runtime.clock import ScaledClock
from device.sim.hardware import EdgeClock, SimButton, SimInputError, SimRoomControl, parse_room


def gestures(edges: list[ev.ButtonEdge], timing: GestureTiming) -> list[str]:
    """What the core's classifier makes of the edges, checked well after the last one."""
    classifier = GestureClassifier(timing)
    out: list[str] = []
    for edge in edges:
        out += classifier.edge(edge.pressed, edge.at)
        deadline = classifier.deadline()
        while deadline is not None and deadline < edge.at:
            out += classifier.due(deadline)
            deadline = classifier.deadline()
    end = edges[-1].at + 60
    while (deadline := classifier.deadline()) is not None and deadline <= end:
        out += classifier.due(deadline)
    return out


@pytest.mark.parametrize("speed", [1.0, 600.0])
def test_gestures_reach_the_classifier_through_the_mock_pin(pin_factory, speed):
    config = default_config().buttons
    clock = EdgeClock(ScaledClock(speed))
    edges: list[ev.ButtonEdge] = []
    buttons = BedsideButtons(config, edges.append, clock, pin_factory)
    hand = SimButton(config, pin_factory, clock)
    timing = GestureTiming(config.debounce_ms / 1000, config.double_press_ms / 1000, config.long_press_ms / 1000)
    try:
        for kind in ("single", "double", "long"):
            edges.clear()
            hand.gesture(kind)
            assert hand.wait_idle(10)
            assert gestures(edges, timing) == [kind]
            assert [e.pressed for e in edges] == [True, False] * (2 if kind == "double" else 1)
        held = edges[1].at - edges[0].at
        assert held >= config.long_press_ms / 1000, "the long press is held for long_press_ms of device time"
    finally:
        hand.close()
        buttons.close()


def test_raw_edges_and_queued_gestures_keep_apart(pin_factory):
    config = default_config().buttons
    clock = EdgeClock(ScaledClock(600))
    edges: list[ev.ButtonEdge] = []
    buttons = BedsideButtons(config, edges.append, clock, pin_factory)
    hand = SimButton(config, pin_factory, clock)
    timing = GestureTiming(config.debounce_ms / 1000, config.double_press_ms / 1000, config.long_press_ms / 1000)
    try:
        hand.gesture("single")
        hand.gesture("single")  # queued: played after the first one's double-press window
        assert hand.wait_idle(10)
        assert gestures(edges, timing) == ["single", "single"]
        edges.clear()
        hand.gesture("down")
        assert hand.wait_idle(5)
        time.sleep(0.01)  # 6 s of device time
        hand.gesture("UP ")
        assert hand.wait_idle(5)
        assert gestures(edges, timing) == ["long"]
        with pytest.raises(SimInputError, match="single, double, long, down, up"):
            hand.gesture("triple")
    finally:
        hand.close()
        buttons.close()
    hand.close()  # twice is fine


def test_a_pull_down_button_is_pressed_high(pin_factory):
    import msgspec

    config = default_config().buttons
    config = msgspec.structs.replace(config, main=msgspec.structs.replace(config.main, pull_up=False))
    clock = EdgeClock(ScaledClock(1))
    hand = SimButton(config, pin_factory, clock)
    hand.gesture("down")
    assert hand.wait_idle(5)
    assert hand.pin.state == 1
    hand.gesture("up")
    assert hand.wait_idle(5)
    assert hand.pin.state == 0
    hand.close()


def test_room_payloads_any_subset():
    assert parse_room(b'{"temperature_c": 21.5, "humidity": 45, "lux": 3}') == {
        "temperature_c": 21.5,
        "humidity": 45.0,
        "lux": 3.0,
    }
    assert parse_room('{"lux": 0}') == {"lux": 0.0}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"warm", "JSON object"),
        (b"[1, 2]", "non-empty JSON object"),
        (b"{}", "non-empty JSON object"),
        (b'{"co2": 400}', "has no 'co2'; it has temperature_c, humidity, lux, pressure_hpa"),
        (b'{"humidity": true}', "humidity must be a number, not true"),
        (b'{"lux": "dark"}', 'lux must be a number, not "dark"'),
        (b'{"temperature_c": NaN}', "NaN is not a finite number"),
        (b'{"temperature_c": 99}', "temperature_c must be within -40..85, not 99"),
        (b'{"humidity": -1}', "humidity must be within 0..100"),
        (b"\xff\xfe", "not JSON"),
    ],
)
def test_bad_room_payloads_say_what_is_wrong(payload, message):
    with pytest.raises(SimInputError, match=message.replace("(", r"\(").replace(".", r"\.")):
        parse_room(payload)


def test_room_steps_stay_in_range():
    room = SimRoom(temperature_c=84.8, lux=0.0)
    control = SimRoomControl(room)
    control.warmer(0.5)
    assert room.get("temperature_c") == 85.0
    control.brighter(2.0)
    assert room.get("lux") == 1.0, "from darkness, brighter is 1 lx"
    control.brighter(2.0)
    control.brighter(0.5)
    assert room.get("lux") == 1.0
    control.warmer(-100)
    assert room.get("temperature_c") == -15.0
