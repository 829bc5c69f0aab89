"""What the panel draws, from plain data."""

from __future__ import annotations

import datetime as dt

from rich.console import Console

from device.sim.view import PanelModel, lamp_bar, minutes_seconds, render


def draw(model: PanelModel) -> str:
    console = Console(width=140, record=True, force_terminal=False, color_system=None)
    console.print(render(model))
    return console.export_text()


def model(**changes: object) -> PanelModel:
    m = PanelModel("bedroom", 60.0, dt.UTC, now=1795554000.0)  # Tue 24 Nov 2026 21:00 UTC
    for key, value in changes.items():
        setattr(m, key, value)
    return m


def test_lamp_bar_and_times():
    assert lamp_bar(0) == "·" * 30
    assert lamp_bar(100) == "█" * 30
    assert lamp_bar(50, 10) == "█████·····"
    assert lamp_bar(55, 10) == "█████▌····"
    assert lamp_bar(250, 4) == "████"
    assert minutes_seconds(125.4) == "2:05" and minutes_seconds(3725) == "1:02:05" and minutes_seconds(-3) == "0:00"


def test_an_idle_device_with_nothing_known_yet():
    text = draw(model())
    assert "Hushlight · bedroom · simulation" in text
    assert "Tue 24 Nov 2026 21:00:00  ·  speed 60×" in text
    assert "Wind-down  next —" in text
    assert "no session  ·  volume —" in text
    assert "—  ·  —  ·  —" in text, "no room readings yet"
    assert "not connected no broker configured" in text
    assert "space press" in text and "q quit" in text


def test_a_session_with_the_room_not_ready_and_hub_traffic():
    snapshot = {
        "session": {"active": True, "trigger": "rain", "remaining": 1530, "volume": 40.0, "started_by": "button"},
        "room": {"temperature_c": 23.46, "humidity": 44.6, "lux": 3.0, "at": 1.0, "not_ready": ["too warm"]},
        "routine": {"next_winddown": "2026-11-25T21:30:00+00:00"},
        "faults": {"player": "OSError: no device"},
    }
    m = model(
        snapshot=snapshot,
        lamp={"level": 35.0, "duty": 0.0912, "target": 0.0, "effect": "none", "remaining": 1500.0},
        sim_room={"temperature_c": 23.5, "humidity": 45.0, "lux": 3.0},
        hub="broker 127.0.0.1:1883",
        hub_connected=True,
        topic="hushlight/bedroom",
        availability="online",
        button="single press at 21:00:02",
    )
    m.messages.append("21:00:03  session/set  ON")
    m.log_lines.append("INFO device.sim: hello")
    text = draw(m)
    assert "█" * 10 + "▌" in text and "35.0 %  duty 0.0912  → 0 % in 25:00" in text
    assert "rain  25:30 left  ·  volume 40 %  ·  started by button" in text
    assert "23.5 °C  ·  45 % RH  ·  3.0 lx  not ready: too warm" in text
    assert "(simulated 23.5 °C, 45 %, 3 lx)" in text
    assert "Wind-down  next Wed 25 Nov 21:30" in text
    assert "connected broker 127.0.0.1:1883  ·  hushlight/bedroom  ·  device online" in text
    assert "21:00:03  session/set  ON" in text
    assert "single press at 21:00:02" in text
    assert "player: OSError: no device" in text
    assert "INFO device.sim: hello" in text


def test_a_ready_room_and_a_breathing_lamp_while_taps_are_counted():
    m = model(
        snapshot={"room": {"temperature_c": 18.0, "humidity": 50, "lux": 0.4, "at": 5.0, "not_ready": []}},
        lamp={"level": 10.0, "duty": 0.01, "target": 5.0, "effect": "breathe", "remaining": 90.0},
        pending="tap tap ",
        button_hint="morning until 11:00: a single press rates last night good, a double bad",
    )
    text = draw(m)
    assert "ready" in text and "not ready" not in text
    assert "breathing in 1:30" in text
    assert "Button     tap tap   (morning until 11:00: a single press rates last night good, a double bad)" in text
