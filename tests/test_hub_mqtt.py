"""The MQTT hub against a real mosquitto: a whole device (Controller + Worker + MqttHub) and a watching client."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from device.core import events as ev
from device.hub.commands import PARSERS
from device.hub.mqtt import MqttHub
from device.hub.publisher import FADE_REFRESH_MIN
from device.runtime import wiring
from device.runtime.clock import RealClock
from tests.support.broker import Broker, free_port, make_password_file, make_tls, start_broker
from tests.support.hub import Device, Message, Watcher, device_config, running_device
from tests.test_hub_commands import HOSTILE
from tests.test_hub_discovery import check_component


@pytest.fixture
def watcher(broker: Broker) -> Iterator[Watcher]:
    w = Watcher(broker)
    yield w
    w.close()


@pytest.fixture
def device(broker: Broker, tmp_path: Path, watcher: Watcher) -> Iterator[Device]:
    with running_device(device_config(broker, tmp_path, max_commands_per_s=1000)) as dev:
        watcher.wait_for(lambda m: m.topic == f"{dev.base}/availability" and m.payload == b"online")
        watcher.wait_for(lambda m: m.topic.endswith("/config"))
        yield dev


def state_where(watcher: Watcher, dev: Device, check: Callable[[dict[str, Any]], bool], after: int) -> dict[str, Any]:
    msg = watcher.wait_for(lambda m: m.topic == f"{dev.base}/state" and check(m.json()), after=after)
    state: dict[str, Any] = msg.json()
    dev.settled()  # the command's effects follow its state
    return state


def command(watcher: Watcher, dev: Device, thing: str, payload: str | bytes) -> int:
    mark = watcher.mark()
    watcher.publish(f"{dev.base}/{thing}/set", payload)
    return mark


def test_command_round_trip_for_every_entity(device: Device, watcher: Watcher) -> None:
    dev, w = device, watcher
    mark = command(w, dev, "lamp", '{"state": "ON", "brightness": 128, "transition": 0.3}')
    state = state_where(w, dev, lambda s: s["lamp"]["level"] == s["lamp"]["target"] and s["state"] == "ON", mark)
    assert state["brightness"] == 128 and state["lamp"]["level"] == pytest.approx(50.2, abs=0.01)
    assert dev.lamp.history[-1][1:3] == (pytest.approx(50.196, abs=0.01), 0.3)
    mark = command(w, dev, "lamp", '{"state": "ON", "effect": "breathe"}')
    assert state_where(w, dev, lambda s: s["effect"] == "breathe" and s["lamp"]["effect"] == "breathe", mark)
    assert dev.lamp.breaths
    mark = command(w, dev, "lamp", '{"effect": "none"}')
    assert state_where(w, dev, lambda s: s["effect"] == "none", mark)
    mark = command(w, dev, "volume", "33")
    assert state_where(w, dev, lambda s: s["settings"]["volume"] == 33.0, mark)
    assert dev.player.volume == 33.0
    mark = command(w, dev, "session_minutes", "45")
    assert state_where(w, dev, lambda s: s["settings"]["session_minutes"] == 45, mark)
    mark = command(w, dev, "session", "ON")
    state = state_where(w, dev, lambda s: s["session"]["active"], mark)
    assert dev.player.playing == state["session"]["trigger"] and state["session"]["started_by"] == "hub"
    mark = command(w, dev, "trigger", "tapping")
    assert state_where(w, dev, lambda s: s["session"]["trigger"] == "tapping", mark)
    mark = command(w, dev, "next_trigger", "PRESS")
    assert state_where(w, dev, lambda s: s["session"]["trigger"] == "rain", mark)
    assert dev.player.calls[-1] == ("crossfade", ("rain", dev.config.sounds.crossfade_s))
    mark = command(w, dev, "routine", "OFF")
    assert state_where(w, dev, lambda s: s["settings"]["routine_enabled"] is False, mark)
    mark = command(w, dev, "good_night", "PRESS")
    state = state_where(w, dev, lambda s: not s["session"]["active"], mark)
    assert state["lamp"]["target"] == 0.0
    assert w.wait_for(lambda m: m.topic == f"{dev.base}/event" and m.json()["event"] == "good_night", after=mark)
    mark = command(w, dev, "rate", "good")
    assert state_where(w, dev, lambda s: s["last_rating"] == "good", mark)
    assert dev.lamp.blinks == [1]
    mark = command(w, dev, "session", "TOGGLE")
    assert state_where(w, dev, lambda s: s["session"]["active"], mark)
    mark = command(w, dev, "action", "stop_session")
    assert state_where(w, dev, lambda s: not s["session"]["active"], mark)


@pytest.mark.parametrize(
    ("thing", "payload", "check"),
    [
        ("skip_tonight", "PRESS", lambda s: s["routine"]["tonight_skipped"] is True),
        ("tonight_sleep", "22:30", lambda s: s["routine"]["tonight_sleep"] == "22:30"),
        ("sleep/monday", "off", lambda s: s["settings"]["day_sleep"].get("monday") == "off"),
        ("wake/friday", "06:45", lambda s: s["settings"]["day_wake"].get("friday") == "06:45"),
        ("dates_off", "2026-12-31, 2026-12-24", lambda s: s["settings"]["dates_off"] == ["2026-12-24", "2026-12-31"]),
        ("dates_off", '["2027-01-01"]', lambda s: s["settings"]["dates_off"] == ["2027-01-01"]),
        ("routine", "OFF", lambda s: s["routine"]["enabled"] is False and s["routine"]["next_winddown"] == ""),
    ],
)
def test_routine_commands_round_trip(device: Device, watcher: Watcher, thing: str, payload: str, check: Any) -> None:
    mark = command(watcher, device, thing, payload)
    assert state_where(watcher, device, check, mark)


def test_a_wake_time_from_the_hub_moves_the_sunrise_and_off_removes_it(device: Device, watcher: Watcher) -> None:
    mark = command(watcher, device, "wake/monday", "07:15")
    state = state_where(watcher, device, lambda s: s["routine"]["next_sunrise"] != "", mark)
    sunrise = dt.datetime.fromisoformat(state["routine"]["next_sunrise"])  # the device runs on UTC here
    assert (sunrise.weekday(), sunrise.strftime("%H:%M")) == (0, "06:55")
    mark = command(watcher, device, "wake/monday", "off")
    state = state_where(watcher, device, lambda s: s["settings"]["day_wake"] == {"monday": "off"}, mark)
    assert state["routine"]["next_sunrise"] == ""
    mark = command(watcher, device, "dates_off", "2026-12-24,2026-02-30")
    error = watcher.wait_for(lambda m: m.topic == f"{device.base}/error", after=mark).json()
    assert error["topic"].endswith("/dates_off/set") and "'2026-02-30' is not a real date" in error["reason"]
    assert device.controller.state.settings.dates_off == []


def test_button_gestures_and_room_readings_reach_their_entities(device: Device, watcher: Watcher) -> None:
    mark = watcher.mark()
    now = time.time()
    device.worker.post(ev.ButtonEdge("main", True, now))
    device.worker.post(ev.ButtonEdge("main", False, now + 0.05))
    msg = watcher.wait_for(lambda m: m.topic == f"{device.base}/event" and m.json()["event"] == "button", after=mark)
    assert msg.json()["gesture"] == "single" and msg.json()["button"] == "main" and not msg.retain
    device.worker.post(ev.RoomReading(at=now, temperature_c=21.5, humidity=44.0, lux=3.0))
    state = state_where(watcher, device, lambda s: s["room"]["temperature_c"] == 21.5, mark)
    assert state["room"]["lux"] == 3.0 and state["room"]["humidity"] == 44.0


def test_hostile_payloads_on_every_topic_are_rejected_and_change_nothing(device: Device, watcher: Watcher) -> None:
    before = device.controller.state.snapshot(time.time())
    mark = watcher.mark()
    sent = 0
    for topic in PARSERS:
        for payload in HOSTILE.values():
            watcher.publish(f"{device.base}/{topic}", payload)
            sent += 1
    errors: list[Message] = []
    deadline = time.monotonic() + 20
    while len(errors) < sent and time.monotonic() < deadline:
        watcher.wait_for(lambda m: m.topic == f"{device.base}/error", after=watcher.mark() - 1, timeout=5)
        errors = watcher.on(f"{device.base}/error", after=mark)
    assert len(errors) == sent
    assert all(len(m.payload) < 1000 and m.json()["reason"] for m in errors)  # excerpts, never the 1 MB payload
    assert not any(m.retain for m in errors)
    after = device.controller.state.snapshot(time.time())
    for part in ("lamp", "session", "settings"):
        assert after[part] == before[part]
    assert device.lamp.history == [] and device.player.calls == []
    mark = command(watcher, device, "volume", "12")  # still up and listening
    assert state_where(watcher, device, lambda s: s["settings"]["volume"] == 12.0, mark)


def test_retained_command_is_ignored(device: Device, watcher: Watcher) -> None:
    mark = watcher.mark()
    watcher.publish(f"{device.base}/volume/set", "7", retain=True)
    # the live copy is carried out; the retained copy a reconnect would replay is refused
    assert state_where(watcher, device, lambda s: s["settings"]["volume"] == 7.0, mark)
    device.hub.client.unsubscribe(f"{device.base}/+/set")
    device.hub.client.subscribe(f"{device.base}/+/set", qos=1)
    error = watcher.wait_for(lambda m: m.topic == f"{device.base}/error", after=mark).json()
    assert "retained" in error["reason"]
    watcher.publish(f"{device.base}/volume/set", "", retain=True)


def test_state_is_the_target_at_once_and_the_live_level_moves_beside_it(device: Device, watcher: Watcher) -> None:
    """What Home Assistant's slider reads never bounces: the first state after a command is the target."""
    state_where(watcher, device, lambda s: True, 0)  # the state from before the command is out
    mark = command(watcher, device, "lamp", '{"state": "ON", "brightness": 255, "transition": 1.5}')
    final = state_where(
        watcher, device, lambda s: s["lamp"]["level"] == 100.0 and s["lamp"]["fade_remaining"] == 0, mark
    )
    states = [m.json() for m in watcher.on(f"{device.base}/state", after=mark)]
    assert all((s["state"], s["brightness"]) == ("ON", 255) for s in states)  # from the first message on
    assert states[0]["lamp"]["level"] < 100.0 < states[0]["lamp"]["fade_remaining"] * 100  # still fading
    levels = [s["lamp"]["level"] for s in states]
    assert levels == sorted(levels) and len(states) >= 2 and final["lamp"]["target"] == 100.0
    assert len(states) <= 1.5 / FADE_REFRESH_MIN + 3  # the live level refreshed about once a second, no more


def test_a_fade_interrupted_by_a_command_reports_the_new_target_at_once(device: Device, watcher: Watcher) -> None:
    mark = command(watcher, device, "lamp", '{"state": "ON", "brightness": 255, "transition": 20}')
    state_where(watcher, device, lambda s: s["brightness"] == 255 and s["lamp"]["level"] > 1, mark)
    mark = command(watcher, device, "lamp", '{"state": "OFF", "transition": 20}')
    first = state_where(watcher, device, lambda s: s["lamp"]["target"] == 0, mark)  # the command is handled
    assert (first["state"], first["brightness"]) == ("OFF", 0)
    assert first["lamp"]["level"] > 0 and first["lamp"]["fade_remaining"] > 15  # the lamp itself is still lit
    mark = command(watcher, device, "lamp", '{"state": "ON", "brightness": 64}')  # no transition: the default fade
    first = state_where(watcher, device, lambda s: s["lamp"]["target"] > 0, mark)
    assert (first["state"], first["brightness"]) == ("ON", 64)


def test_a_commands_state_is_on_the_broker_before_its_effects_are_carried_out(device: Device, watcher: Watcher) -> None:
    """Carried out in paho's callback, the state must not wait in paho's queue until the callback returns."""
    state_where(watcher, device, lambda s: True, 0)
    time.sleep(0.05)  # past the publisher's rate limit, so the state goes out on paho's thread
    gate, held = threading.Event(), threading.Event()
    fade_to = device.lamp.fade_to

    def slow_fade(level: float, duration: float, curve: str = "linear") -> None:
        held.set()
        gate.wait(5)  # a lamp effect that takes its time
        fade_to(level, duration, curve)

    device.lamp.fade_to = slow_fade  # type: ignore[method-assign]
    try:
        mark = command(watcher, device, "lamp", '{"state": "ON", "brightness": 128}')
        assert held.wait(5), "the command never reached the lamp"
        first = state_where(watcher, device, lambda s: s["brightness"] == 128, mark)  # while the lamp is held
        assert not gate.is_set() and first["lamp"]["target"] > 0
    finally:
        gate.set()


def test_home_assistant_online_is_answered_with_discovery(device: Device, watcher: Watcher) -> None:
    mark = watcher.mark()
    watcher.publish("homeassistant/status", "online")
    msg = watcher.wait_for(lambda m: m.topic == "homeassistant/device/hushlight_bedroom/config", after=mark, timeout=4)
    payload = msg.json()
    assert msg.retain and payload["cmps"]["trigger"]["options"] == ["rain", "brushing", "tapping"]
    for component in payload["cmps"].values():
        check_component(
            component["p"], component, device.config.device.name, {f"{device.base}/state", f"{device.base}/event"}
        )


def test_flood_of_commands_is_refused_beyond_the_rate(broker: Broker, tmp_path: Path, watcher: Watcher) -> None:
    with running_device(device_config(broker, tmp_path, max_commands_per_s=10)) as dev:
        watcher.wait_for(lambda m: m.topic == f"{dev.base}/availability" and m.payload == b"online")
        mark = watcher.mark()
        for i in range(200):
            watcher.publish(f"{dev.base}/volume/set", str(i % 50))
        watcher.wait_for(lambda m: m.topic == f"{dev.base}/error" and "too many" in m.json()["reason"], after=mark)
        time.sleep(0.5)
        refused = [m for m in watcher.on(f"{dev.base}/error", after=mark) if "too many" in m.json()["reason"]]
        accepted = [c for c in dev.player.calls if c[0] == "set_volume"]
        assert len(accepted) + len(refused) == 200 and 50 <= len(accepted) <= 70  # burst of 50, then 10/s


def test_two_devices_on_one_broker_do_not_collide(broker: Broker, tmp_path: Path, watcher: Watcher) -> None:
    a_cfg = device_config(broker, tmp_path / "a", "bedroom")
    b_cfg = device_config(broker, tmp_path / "b", "kids")
    with running_device(a_cfg) as a, running_device(b_cfg) as b:
        for dev in (a, b):
            watcher.wait_for(lambda m, d=dev: m.topic == f"{d.base}/availability" and m.payload == b"online")
        watcher.wait_for(lambda m: m.topic == "homeassistant/device/hushlight_kids/config")
        mark = command(watcher, b, "volume", "21")
        state_where(watcher, b, lambda s: s["settings"]["volume"] == 21.0, mark)
        assert a.controller.state.settings.volume != 21.0
        configs = [
            watcher.on(f"homeassistant/device/{n}/config")[-1].json() for n in ("hushlight_bedroom", "hushlight_kids")
        ]
        ids = [{c["unique_id"] for c in cfg["cmps"].values()} for cfg in configs]
        assert not ids[0] & ids[1]
        assert a.hub.client._client_id != b.hub.client._client_id


def test_broker_down_at_start_never_delays_the_device(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    port = free_port()
    broker = Broker(folder=tmp_path_factory.mktemp("late"), port=port)
    config = device_config(broker, tmp_path)
    started = time.monotonic()
    hub = wiring.build_hub(config, False, lambda e: None, RealClock(), tmp_path)
    assert time.monotonic() - started < 0.2 and isinstance(hub, MqttHub)
    hub.close()
    with running_device(config) as dev:
        dev.worker.post(ev.Command("lamp", {"on": True, "level": 30.0, "transition": 0.0}, "button"))
        deadline = time.monotonic() + 2
        while not dev.lamp.history and time.monotonic() < deadline:
            time.sleep(0.02)
        assert dev.lamp.history and dev.lamp.history[-1][1] == 30.0  # the lamp works without a broker
        with start_broker(broker.folder, port=port) as late:
            w = Watcher(late)
            msg = w.wait_for(lambda m: m.topic == f"{dev.base}/state" and m.json()["lamp"]["level"] == 30.0, timeout=6)
            assert msg.retain
            w.close()


def test_mqtt_disabled_gives_the_null_hub(tmp_path: Path, broker: Broker) -> None:
    config = device_config(broker, tmp_path, enabled=False)
    assert type(wiring.build_hub(config, False, lambda e: None, RealClock(), tmp_path)).__name__ == "NullHub"


def test_username_and_password_file(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path_factory.mktemp("auth")
    users = make_password_file(folder, {"hushlight": "s3cret words", "ha": "ha-pass"})
    secret = tmp_path / "password"
    secret.write_text("s3cret words\n")
    wrong = tmp_path / "wrong"
    wrong.write_text("guess\n")
    with start_broker(folder, password_file=users) as broker:
        w = Watcher(broker, username="ha", password="ha-pass")
        with running_device(device_config(broker, tmp_path, username="hushlight", password_file=str(secret))) as dev:
            w.wait_for(lambda m: m.topic == f"{dev.base}/availability" and m.payload == b"online")
        caplog.set_level(logging.INFO)
        with running_device(
            device_config(broker, tmp_path / "x", "other", username="hushlight", password_file=str(wrong))
        ) as bad:
            time.sleep(1.0)
            assert not bad.hub.client.is_connected()
            assert not w.on(f"{bad.base}/availability")
        assert "refused" in caplog.text and "s3cret" not in caplog.text and "guess" not in caplog.text
        w.close()
    missing = device_config(broker, tmp_path, username="hushlight", password_file=str(tmp_path / "nope"))
    assert type(wiring.build_hub(missing, False, lambda e: None, RealClock(), tmp_path)).__name__ == "NullHub"


def test_tls_with_a_ca_made_in_the_test(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path_factory.mktemp("tls")
    tls = make_tls(folder / "pki")
    other = make_tls(folder / "other-pki")
    with start_broker(folder, tls=tls, require_client_cert=True) as broker:
        w = Watcher(broker, tls=tls)
        good = device_config(
            broker,
            tmp_path,
            tls_ca_file=str(tls.ca),
            tls_certfile=str(tls.client_cert),
            tls_keyfile=str(tls.client_key),
        )
        with running_device(good) as dev:
            w.wait_for(lambda m: m.topic == f"{dev.base}/availability" and m.payload == b"online")
            mark = command(w, dev, "volume", "25")
            state_where(w, dev, lambda s: s["settings"]["volume"] == 25.0, mark)
        untrusted = device_config(broker, tmp_path / "u", "untrusted", tls_ca_file=str(other.ca),
                                  tls_certfile=str(tls.client_cert), tls_keyfile=str(tls.client_key))  # fmt: skip
        with running_device(untrusted) as dev:
            deadline = time.monotonic() + 20  # the refusal is logged by paho's thread: wait for it, not for a guess
            while "over TLS (is tls_ca_file the CA" not in caplog.text and time.monotonic() < deadline:
                time.sleep(0.05)
            assert not dev.hub.client.is_connected() and not w.on(f"{dev.base}/availability")
        assert "over TLS (is tls_ca_file the CA" in caplog.text  # no silent fallback to plain text
        w.close()


def test_clean_close_says_offline_and_discovery_is_remembered(broker: Broker, tmp_path: Path, watcher: Watcher) -> None:
    with running_device(device_config(broker, tmp_path)) as dev:
        watcher.wait_for(lambda m: m.topic == "homeassistant/device/hushlight_bedroom/config")
        mark = command(watcher, dev, "session", "ON")
        state_where(watcher, dev, lambda s: s["session"]["active"], mark)
        mark = watcher.mark()
    offline = watcher.wait_for(lambda m: m.topic == f"{dev.base}/availability", after=mark)
    assert offline.payload == b"offline" and offline.retain
    # the last word before `offline`: the session ended by the shutdown, and the state that says so
    ended = watcher.wait_for(
        lambda m: m.topic == f"{dev.base}/event" and m.json()["event"] == "session_ended", after=mark
    )
    last = watcher.on(f"{dev.base}/state", after=mark)[-1]
    assert ended.json()["reason"] == "shutdown" and not last.json()["session"]["active"]
    assert ended.at <= offline.at and last.at <= offline.at
    record = json.loads((tmp_path / "hub-discovery.json").read_text())
    assert record["mode"] == "device" and record["components"]["lamp"] == "light"


def test_events_before_the_worker_runs_are_kept(broker: Broker, tmp_path: Path, watcher: Watcher) -> None:
    """The daemon builds the hub before the worker: a command that arrives first is carried out, not lost."""
    import datetime as dt
    import threading

    from device.audio.player import SilentPlayer
    from device.core.controller import Controller, settings_from_config
    from device.hardware.lamp.fakes.recording import RecordingLamp
    from device.journal.base import MemoryJournal
    from device.runtime.worker import Adapters, Worker

    config = device_config(broker, tmp_path)
    holder: list[Worker] = []
    hub = MqttHub(config, lambda event: holder[0].post(event), RealClock(), tmp_path)
    hub.start()
    watcher.wait_for(lambda m: m.topic == f"{hub.topics.base}/availability" and m.payload == b"online")
    watcher.publish(f"{hub.topics.base}/volume/set", "17").wait_for_publish(2)
    time.sleep(0.3)  # the command has reached the hub; there is no worker yet
    controller = Controller(config, settings_from_config(config), dt.UTC)
    worker = Worker(controller, Adapters(RecordingLamp(RealClock()), SilentPlayer(), hub, MemoryJournal()), RealClock())
    holder.append(worker)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        msg = watcher.wait_for(
            lambda m: m.topic == f"{hub.topics.base}/state" and m.json()["settings"]["volume"] == 17.0
        )
        assert msg.retain and controller.state.hub_connected
    finally:
        worker.post(ev.Shutdown("test"))
        thread.join(5)
        hub.close()
