"""The publisher's pure parts (the state document, when to refresh) and its coalescing, with a recording sender."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from device.config.schema import Config, DeviceConfig
from device.core.state import DeviceState, Settings
from device.hub.publisher import FADE_REFRESH_MIN, Publisher, refresh_after, state_document
from device.persist import JsonStateFile
from device.runtime.clock import RealClock, ScaledClock


def snapshot(level: float = 0.0, target: float = 0.0, fade: float = 0.0, active: bool = False) -> dict[str, Any]:
    state = DeviceState(settings=Settings())
    state.lamp.start_fade(0.0, target, fade)
    state.lamp.fade_from = level
    state.session.active = active
    state.session.ends_at = 600.0
    return state.snapshot(0.0)


def test_state_document_has_what_the_json_light_reads() -> None:
    off = state_document(snapshot(), 255)
    assert (off["state"], off["brightness"], off["color_mode"]) == ("OFF", 0, "brightness")
    on = state_document({"lamp": {"on": True, "level": 50.2, "effect": "breathe"}}, 255)
    assert (on["state"], on["brightness"], on["effect"]) == ("ON", 128, "breathe")
    glow = state_document({"lamp": {"on": True, "level": 0.1}}, 100)
    assert glow["brightness"] == 1  # a glowing lamp is never reported as brightness 0


def test_refresh_while_fading_and_counting_down_only() -> None:
    assert refresh_after(snapshot()) is None
    slow = refresh_after({"lamp": {"fade_remaining": 1800.0, "level": 35.0, "target": 0.0}})
    assert slow is not None and 45 < slow < 60  # a 30 min sunset: about one message per 1 % of level
    quick = refresh_after({"lamp": {"fade_remaining": 1.0, "level": 0.0, "target": 60.0}})
    assert quick is not None and quick < 0.1
    end = refresh_after({"lamp": {"fade_remaining": 0.5, "level": 49.9, "target": 50.0}})
    assert end == 0.55  # the final value, just after the end
    assert refresh_after({"lamp": {"fade_remaining": 0.0, "level": 49.9, "target": 50.0}}) == 0.05
    assert refresh_after({"session": {"active": True, "remaining": 1000}}) == 60.0


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, bytes, int, bool]] = []
        self.refreshes = 0
        self.lock = threading.Lock()

    def send(self, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        with self.lock:
            self.sent.append((topic, payload, qos, retain))

    def refresh(self) -> None:
        self.refreshes += 1

    def states(self) -> list[dict[str, Any]]:
        with self.lock:
            return [json.loads(p) for t, p, q, r in self.sent if t.endswith("/state")]


def wait_until(check: Any, timeout: float = 2.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def make(tmp_path: Path, clock: Any = None) -> tuple[Publisher, Recorder]:
    rec = Recorder()
    config = Config(device=DeviceConfig(id="bedroom"))
    pub = Publisher(config, clock or RealClock(), rec.send, rec.refresh, JsonStateFile(tmp_path / "d.json"))
    pub.start()
    return pub, rec


def test_nothing_is_sent_offline_and_everything_on_connect(tmp_path: Path) -> None:
    pub, rec = make(tmp_path)
    try:
        pub.state(snapshot(level=10.0, target=10.0) | {"triggers": ["rain"]})
        pub.message("hushlight/bedroom/event", {"event": "x"})
        time.sleep(0.1)
        assert rec.sent == []
        pub.connected(True)
        wait_until(lambda: len(rec.states()) == 1)
        topics = [t for t, *_ in rec.sent]
        assert topics[0] == "homeassistant/device/hushlight_bedroom/config"  # discovery before state
        assert all(retain for t, p, q, retain in rec.sent)
        pub.message("hushlight/bedroom/event", {"event": "y"})
        wait_until(lambda: rec.sent[-1][0] == "hushlight/bedroom/event")
        assert rec.sent[-1][3] is False
    finally:
        pub.stop()


def test_bursts_are_coalesced_into_the_latest(tmp_path: Path) -> None:
    pub, rec = make(tmp_path)
    try:
        pub.state(snapshot() | {"triggers": ["rain"]})
        pub.connected(True)
        wait_until(lambda: len(rec.states()) == 1)
        for volume in range(100):
            pub.state(snapshot() | {"triggers": ["rain"], "settings": {"volume": float(volume)}})
        wait_until(lambda: rec.states()[-1]["settings"]["volume"] == 99.0)
        time.sleep(0.1)
        assert len(rec.states()) < 20  # 100 changes, far fewer messages, the last one the final value
        assert rec.states()[-1]["settings"]["volume"] == 99.0
    finally:
        pub.stop()


def test_fade_refreshes_follow_the_device_clock(tmp_path: Path) -> None:
    fading = {"lamp": {"on": True, "level": 10.0, "target": 15.0, "fade_remaining": 30.0}, "triggers": ["rain"]}
    for speed, expected in ((1.0, 0), (100.0, 1)):
        pub, rec = make(tmp_path, ScaledClock(speed=speed, start=0.0))
        try:
            pub.state(fading)
            pub.connected(True)
            time.sleep(FADE_REFRESH_MIN + 0.3)  # 6 device-s per refresh: 6 s real at 1x, the floor at 100x
            assert rec.refreshes == expected
        finally:
            pub.stop()


def test_new_trigger_library_is_rediscovered(tmp_path: Path) -> None:
    pub, rec = make(tmp_path)
    try:
        pub.state(snapshot() | {"triggers": ["rain"]})
        pub.connected(True)
        wait_until(lambda: len(rec.states()) == 1)
        pub.state(snapshot() | {"triggers": ["rain", "ocean"]})
        wait_until(lambda: sum(t.endswith("/config") for t, *_ in rec.sent) == 2)
        cmps = json.loads(next(p for t, p, *_ in reversed(rec.sent) if t.endswith("/config")))["cmps"]
        assert cmps["trigger"]["options"] == ["rain", "ocean"]
    finally:
        pub.stop()


def test_a_burst_while_sending_is_one_wake_and_the_stop_sends_the_last_state(tmp_path: Path) -> None:
    pub, rec = make(tmp_path)
    gate, held = threading.Event(), threading.Event()
    send = rec.send

    def slow_send(topic: str, payload: bytes, qos: int, retain: bool) -> None:
        if topic.endswith("/state") and not gate.is_set():
            held.set()
            gate.wait(5)  # a broker that is slow to take the message
        send(topic, payload, qos, retain)

    pub._send = slow_send
    try:
        pub.state(snapshot() | {"triggers": ["rain"]})
        pub.connected(True)
        assert held.wait(5)
        for volume in range(1000):  # the worker goes on changing things meanwhile
            pub.state(snapshot() | {"triggers": ["rain"], "settings": {"volume": float(volume)}})
        assert pub._thread is not None and pub._thread._queue.qsize() == 1  # one wake for the whole burst
        pub.message("hushlight/bedroom/event", {"event": "last"})
    finally:
        gate.set()
        pub.stop()
    assert rec.states()[-1]["settings"]["volume"] == 999.0  # the newest state, sent before the thread ends
    assert any(t == "hushlight/bedroom/event" for t, *_ in rec.sent)
    assert pub._thread is not None and pub._thread.closed


class ThreadRecorder(Recorder):
    """Also notes which thread sent each state."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: list[str] = []

    def send(self, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        if topic.endswith("/state"):
            self.threads.append(threading.current_thread().name)
        super().send(topic, payload, qos, retain)


def make_threaded(tmp_path: Path) -> tuple[Publisher, ThreadRecorder]:
    rec = ThreadRecorder()
    config = Config(device=DeviceConfig(id="bedroom"))
    pub = Publisher(config, RealClock(), rec.send, rec.refresh, JsonStateFile(tmp_path / "d.json"))
    pub.start()
    return pub, rec


def connected_and_discovered(pub: Publisher, rec: Recorder) -> None:
    pub.state(snapshot() | {"triggers": ["rain"]})
    pub.connected(True)
    wait_until(lambda: len(rec.states()) == 1)
    time.sleep(0.05)  # past the 20 ms since that state


def test_a_commands_state_goes_out_on_the_callers_thread_when_nothing_waits(tmp_path: Path) -> None:
    pub, rec = make_threaded(tmp_path)
    try:
        connected_and_discovered(pub, rec)
        pub.state(snapshot() | {"triggers": ["rain"], "settings": {"volume": 7.0}})
        assert rec.states()[-1]["settings"]["volume"] == 7.0  # sent before state() returned
        assert rec.threads[-1] == threading.current_thread().name
        pub.state(snapshot() | {"triggers": ["rain"], "settings": {"volume": 8.0}})  # within 20 ms: the thread's
        wait_until(lambda: rec.states()[-1]["settings"]["volume"] == 8.0)
        assert rec.threads[-1] == "hushlight-hub-publisher"
    finally:
        pub.stop()


def test_an_event_waiting_to_go_out_keeps_its_place_before_the_state(tmp_path: Path) -> None:
    pub, rec = make_threaded(tmp_path)
    gate = threading.Event()
    send = rec.send

    def slow_events(topic: str, payload: bytes, qos: int, retain: bool) -> None:
        if topic.endswith("/event"):
            gate.wait(5)
        send(topic, payload, qos, retain)

    pub._send = slow_events
    try:
        connected_and_discovered(pub, rec)
        pub.message("hushlight/bedroom/event", {"event": "first"})
        pub.message("hushlight/bedroom/event", {"event": "second"})
        time.sleep(0.05)  # the thread is sending the first; the second waits in the outbox
        pub.state(snapshot() | {"triggers": ["rain"], "settings": {"volume": 9.0}})
        assert rec.states()[-1]["settings"]["volume"] != 9.0  # not past the events
        gate.set()
        wait_until(lambda: rec.states()[-1]["settings"]["volume"] == 9.0)
        topics = [t.rsplit("/", 1)[1] for t, *_ in rec.sent]
        assert topics[-3:] == ["event", "event", "state"]
    finally:
        gate.set()
        pub.stop()


def test_states_from_the_worker_and_the_thread_reach_the_broker_in_order(tmp_path: Path) -> None:
    pub, rec = make_threaded(tmp_path)
    try:
        connected_and_discovered(pub, rec)
        for volume in range(300):
            pub.state(snapshot() | {"triggers": ["rain"], "settings": {"volume": float(volume)}})
            time.sleep(0.001 * (volume % 30))  # now inside the rate limit, now past it
        wait_until(lambda: rec.states()[-1]["settings"]["volume"] == 299.0)
        sent = [state["settings"]["volume"] for state in rec.states()[1:]]
        assert sent == sorted(sent)  # never an older state after a newer one
        assert {"hushlight-hub-publisher", threading.current_thread().name} <= set(rec.threads)
    finally:
        pub.stop()


def test_a_number_that_is_not_finite_is_published_as_null_not_as_invalid_json(tmp_path: Path) -> None:
    pub, rec = make_threaded(tmp_path)
    try:
        connected_and_discovered(pub, rec)
        pub.state(snapshot() | {"triggers": ["rain"], "room": {"lux": float("nan")}})
        wait_until(lambda: "lux" in rec.states()[-1].get("room", {}))
        raw = next(p for t, p, *_ in reversed(rec.sent) if t.endswith("/state"))
        assert b'"lux":null' in raw
    finally:
        pub.stop()


def test_a_state_that_fails_to_go_out_on_the_callers_thread_is_sent_by_the_thread(tmp_path: Path) -> None:
    pub, rec = make_threaded(tmp_path)
    send = rec.send
    failures: list[str] = []

    def flaky(topic: str, payload: bytes, qos: int, retain: bool) -> None:
        if topic.endswith("/state") and not failures:
            failures.append(threading.current_thread().name)
            raise OSError("broken pipe")
        send(topic, payload, qos, retain)

    try:
        connected_and_discovered(pub, rec)
        pub._send = flaky
        pub.state(snapshot() | {"triggers": ["rain"], "settings": {"volume": 5.0}})  # no error reaches the caller
        assert failures == [threading.current_thread().name]
        wait_until(lambda: rec.states()[-1]["settings"]["volume"] == 5.0)
        assert rec.threads[-1] == "hushlight-hub-publisher"
    finally:
        pub.stop()
