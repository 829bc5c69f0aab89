"""What the room means for sleep: comfort band, hysteresis, the lamp's own light, and the session-start check."""

from __future__ import annotations

import datetime as dt

import pytest

from device.config.schema import Config, RoomConfig
from device.core import effects as fx
from device.core import events as ev
from device.core import room
from device.core.controller import Controller, settings_from_config
from device.core.state import RoomState

T0 = 1_795_000_000.0


def controller(**room_keys: float) -> Controller:
    config = Config(room=RoomConfig(**room_keys))
    made = Controller(config, settings_from_config(config), dt.UTC)
    made.handle(ev.TriggersAvailable(("rain", "tapping")), T0)
    return made


def reading(at: float, t: float | None = 18.0, rh: float | None = 45.0, lux: float | None = 1.0) -> ev.RoomReading:
    return ev.RoomReading(at=at, temperature_c=t, humidity=rh, lux=lux)


def test_luminance_follows_cie_1931():
    assert room.luminance(0) == 0.0
    assert room.luminance(100) == pytest.approx(1.0)
    assert room.luminance(50) == pytest.approx(0.1842, abs=1e-4)
    assert room.luminance(8) == pytest.approx(8 / 903.3)


def test_lamp_free_lux():
    assert room.lamp_free_lux(None, 0, 0) is None
    assert room.lamp_free_lux(12.0, 0, 0) == 12.0  # lamp off: the reading is the room
    assert room.lamp_free_lux(12.0, 30, 0) is None  # lamp on, not calibrated: cannot tell
    assert room.lamp_free_lux(50.0, 50, 200.0) == pytest.approx(50 - 200 * 0.18419, abs=0.01)
    assert room.lamp_free_lux(10.0, 100, 200.0) == 0.0  # never below zero


def test_comfort_band_flags_and_reasons():
    state = RoomState(temperature_c=22.0, humidity=25.0, lux=30.0)
    room.evaluate(state, RoomConfig(), lamp_level=0)
    assert (state.too_warm, state.too_cold, state.too_humid, state.too_dry, state.too_bright) == (
        True,
        False,
        False,
        True,
        True,
    )
    assert state.not_ready == ("too_warm", "too_dry", "too_bright")
    state.temperature_c, state.humidity, state.lux = 14.0, 70.0, 2.0
    room.evaluate(state, RoomConfig(), lamp_level=0)
    assert state.not_ready == ("too_cold", "too_humid")


def test_hysteresis_keeps_a_flag_from_flapping_on_the_threshold():
    state = RoomState(temperature_c=20.1)
    config = RoomConfig()
    flags = []
    for t in (20.1, 19.9, 20.05, 19.8, 19.65, 20.0):
        state.temperature_c = t
        room.evaluate(state, config, lamp_level=0)
        flags.append(state.too_warm)
    assert flags == [True, True, True, True, False, False]


def test_unknown_values_raise_no_flag():
    state = RoomState()
    room.evaluate(state, RoomConfig(), lamp_level=0)
    assert state.not_ready == () and state.lamp_free_lux is None


def test_controller_sets_flags_from_readings_and_shows_them():
    made = controller()
    made.handle(reading(T0, t=21.0, lux=40.0), T0)
    snapshot = made.state.snapshot(T0)["room"]
    assert snapshot["too_warm"] and snapshot["too_bright"] and not snapshot["too_cold"]
    assert snapshot["not_ready"] == ["too_warm", "too_bright"]
    assert snapshot["lamp_free_lux"] == 40.0


def test_session_start_raises_room_not_ready_with_reasons():
    made = controller()
    made.handle(reading(T0, t=22.5, rh=65.0), T0)
    effects = made.handle(ev.Command("start_session", source="button"), T0 + 5)
    (event,) = [e for e in effects if isinstance(e, fx.PublishEvent) and e.kind == "room_not_ready"]
    assert event.data["reasons"] == ["too_warm", "too_humid"]
    assert event.data["temperature_c"] == 22.5 and event.data["at"] == T0
    assert any(isinstance(e, fx.PlaySound) for e in effects)  # the session starts anyway


def test_a_comfortable_room_raises_nothing():
    made = controller()
    made.handle(reading(T0), T0)
    effects = made.handle(ev.Command("start_session"), T0 + 5)
    assert not [e for e in effects if isinstance(e, fx.PublishEvent) and e.kind == "room_not_ready"]


def test_the_lamps_own_light_does_not_make_the_room_too_bright():
    made = controller()
    made.handle(reading(T0, lux=1.0), T0)  # dark room, lamp off
    made.handle(ev.Command("lamp", {"level": 80, "transition": 0}), T0 + 1)
    made.handle(reading(T0 + 30, lux=150.0), T0 + 30)  # the sensor sees the lamp
    assert not made.state.room.too_bright
    assert made.state.room.lamp_free_lux == 1.0  # the estimate taken with the lamp off stands
    assert made.state.room.lux == 150.0  # the raw reading is still shown as measured
    made.handle(ev.Command("lamp", {"on": False, "transition": 0}), T0 + 40)
    made.handle(reading(T0 + 60, lux=150.0), T0 + 60)  # lamp off and still bright: that is the room
    assert made.state.room.too_bright


def test_with_lamp_lux_at_full_the_lamp_is_subtracted():
    made = controller(lamp_lux_at_full=200.0)
    made.handle(ev.Command("lamp", {"level": 50, "transition": 0}), T0)
    made.handle(reading(T0 + 30, lux=40.0), T0 + 30)  # 36.8 lx of it is the lamp
    assert made.state.room.lamp_free_lux == pytest.approx(3.16, abs=0.05)
    assert not made.state.room.too_bright
    made.handle(reading(T0 + 60, lux=80.0), T0 + 60)  # a ceiling light came on
    assert made.state.room.too_bright
