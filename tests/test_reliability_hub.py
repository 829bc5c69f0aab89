"""Every command topic, hostile: property tests of the parsers and the core behind them, an empty
(retained-clearing) payload on every topic, and a burst over a real broker."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from device.config import default_config
from device.core import effects as fx
from device.core import events as ev
from device.hub.commands import PARSERS, Limits, Rejected, parse
from tests.support.broker import Broker
from tests.support.core_bench import TRIGGERS, CoreBench
from tests.support.hostile import JSON_VALUES
from tests.support.hub import Device, Watcher, device_config, running_device

LIMITS = Limits.from_config(default_config())
TOPICS = sorted(PARSERS)
PAYLOADS = st.one_of(
    st.binary(max_size=64),
    st.text(max_size=40).map(str.encode),
    JSON_VALUES.map(lambda v: __import__("json").dumps(v).encode()),
    st.sampled_from([b"", b" ", b"\n", b"PRESS", b"ON", b"OFF", b"TOGGLE", b"NaN", b"1e999", b"-0", b"[]", b"{}"]),
    st.sampled_from([b"[" * 5000, b"9" * 5000, b"A" * (LIMITS.max_bytes + 1), b"\xff\xfe", b"../../etc/passwd"]),
    st.sampled_from([b'{"brightness": 1e308}', b'{"transition": -1e-300}', b'{"level": NaN}', b" rain "]),
)


@pytest.mark.parametrize("topic", TOPICS)
@pytest.mark.parametrize("payload", [b"", b"  ", b"\r\n"])
def test_an_empty_payload_is_never_a_command(topic: str, payload: bytes) -> None:
    with pytest.raises(Rejected, match="empty payload is not a command"):
        parse(topic, payload, LIMITS, TRIGGERS)


@given(st.sampled_from(TOPICS), PAYLOADS)
def test_any_payload_on_any_topic_is_a_command_or_a_reason(topic: str, payload: bytes) -> None:
    try:
        command = parse(topic, payload, LIMITS, TRIGGERS)
    except Rejected as exc:
        assert str(exc) and len(str(exc)) < 400
        return
    assert payload.strip()  # an empty payload never gets here
    assert command.action


def check_effects(effects: list[fx.Effect], max_volume: float) -> None:
    """Nothing out of range reaches the hardware."""
    for effect in effects:
        if isinstance(effect, fx.LampFade):
            assert math.isfinite(effect.level) and 0.0 <= effect.level <= 100.0, effect
            assert math.isfinite(effect.duration) and effect.duration >= 0.0, effect
        elif isinstance(effect, fx.PlaySound | fx.SetVolume):
            assert math.isfinite(effect.volume) and 0.0 <= effect.volume <= max_volume, effect
        elif isinstance(effect, fx.PlaySound | fx.CrossfadeSound):
            assert effect.trigger in TRIGGERS


@given(st.lists(st.tuples(st.sampled_from(TOPICS), PAYLOADS, st.floats(0, 120)), min_size=1, max_size=25))
def test_bursts_of_hostile_commands_keep_the_core_in_range(burst: list[tuple[str, bytes, float]]) -> None:
    bench = CoreBench()
    for topic, payload, gap in burst:
        try:
            command = parse(topic, payload, LIMITS, TRIGGERS)
        except Rejected:
            continue
        check_effects(bench.send(command), LIMITS.max_volume)
        check_effects(bench.run_for(gap), LIMITS.max_volume)
    snapshot = bench.state.snapshot(bench.now)
    assert 0.0 <= snapshot["settings"]["volume"] <= LIMITS.max_volume


# -- over a real broker -----------------------------------------------------------------------------


@pytest.fixture
def watcher(broker: Broker) -> Iterator[Watcher]:
    w = Watcher(broker)
    yield w
    w.close()


@pytest.fixture
def device(broker: Broker, tmp_path: Path, watcher: Watcher) -> Iterator[Device]:
    with running_device(device_config(broker, tmp_path, max_commands_per_s=1000)) as dev:
        watcher.wait_for(lambda m: m.topic == f"{dev.base}/availability" and m.payload == b"online")
        yield dev


def test_clearing_a_retained_command_does_not_run_it(broker: Broker, tmp_path: Path, watcher: Watcher) -> None:
    config = device_config(broker, tmp_path)
    base = f"hushlight/{config.device.id}"
    stale = {"good_night": "PRESS", "next_trigger": "PRESS", "skip_tonight": "PRESS", "dates_off": "2026-12-24"}
    for thing, payload in stale.items():  # left retained by a careless client, before the device starts
        watcher.publish(f"{base}/{thing}/set", payload, retain=True).wait_for_publish(2)
    with running_device(config) as device:
        for thing in stale:
            topic = f"{base}/{thing}/set"
            error = watcher.wait_for(lambda m, t=topic: m.topic == f"{base}/error" and m.json()["topic"] == t)
            assert "clear it: publish an empty retained" in error.json()["reason"]
        mark = watcher.mark()
        watcher.publish(f"{base}/session/set", "ON")
        watcher.wait_for(lambda m: m.topic == f"{base}/state" and m.json()["session"]["active"], after=mark)
        for thing in stale:
            topic = f"{base}/{thing}/set"
            mark = watcher.mark()
            watcher.publish(topic, b"", retain=True)  # what the error told the user to do
            error = watcher.wait_for(
                lambda m, t=topic: m.topic == f"{base}/error" and m.json()["topic"] == t, after=mark
            )
            assert "empty payload is not a command" in error.json()["reason"]
        state = device.controller.state.snapshot(time.time())
        assert device.player.playing and not any(call[0] == "crossfade" for call in device.player.calls)
    assert state["session"]["active"] and not state["settings"]["skip_night"] and not state["settings"]["dates_off"]


def test_a_burst_of_hostile_payloads_over_mqtt(device: Device, watcher: Watcher) -> None:
    """500 payloads drawn with a fixed seed: every rejection named on the error topic, nothing out of range."""
    rng = random.Random(14)
    triggers = device.hub.publisher.triggers
    pool = [b"", b"NaN", b"1e999", b"[" * 5000, b"\xff\xfe", b"9" * 5000, b"-1", b"101", b"ON", b"PRESS"]
    pool += [b'{"brightness": 300}', b'{"level": 50, "transition": 0.2}', b"../../etc/passwd", b"33", b"good"]
    sent, rejected = [], 0
    mark = watcher.mark()
    for _ in range(500):
        topic = rng.choice([t for t in TOPICS if t not in ("good_night/set", "action/set")])
        payload = (
            rng.choice(pool) if rng.random() < 0.7 else bytes(rng.randrange(256) for _ in range(rng.randrange(20)))
        )
        try:
            parse(topic, payload, device.hub.limits, triggers)
        except Rejected:
            rejected += 1
        sent.append(topic)
        watcher.publish(f"{device.base}/{topic}", payload)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(watcher.on(f"{device.base}/error", after=mark)) < rejected:
        time.sleep(0.05)
    errors = [m.json() for m in watcher.on(f"{device.base}/error", after=mark)]
    parse_errors = [e for e in errors if "topic" in e and e.get("reason")]
    assert len(parse_errors) >= rejected and all(e["topic"].startswith(device.base) for e in parse_errors)
    device.worker.post(ev.Command("volume", 20.0, "test"))  # the device still answers
    watcher.wait_for(lambda m: m.topic == f"{device.base}/state" and m.json()["settings"]["volume"] == 20.0)
    assert all(0.0 <= level <= 100.0 for _, level, _, _ in device.lamp.history)
    assert all(0.0 <= call[1][1] <= LIMITS.max_volume for call in device.player.calls if call[0] == "play")


def test_a_recording_named_with_blanks_around_it_can_be_selected(tmp_path: Path) -> None:
    from device.audio.library import Library
    from tests.support.audio import sine_file

    folder = tmp_path / "sounds"
    folder.mkdir()
    sine_file(folder / "  night owl .wav", 3.0, 0.2)
    sine_file(folder / " rain.wav", 3.0, 0.2)  # stripped, it would take the built-in's name
    library = Library(folder, tmp_path / "cache")
    names = library.names()
    for offered in ("night owl", "rain.wav"):
        assert offered in names
        command = parse("trigger/set", offered.encode(), LIMITS, names)  # what Home Assistant's select sends
        assert library.get(command.value).path is not None
