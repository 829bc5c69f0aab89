"""A simulated night at --speed 600: the daemon driven only over MQTT (sim and hub topics) and watched there."""

from __future__ import annotations

import datetime as dt
import itertools
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.support.broker import Broker
from tests.support.sim import (
    Message,
    Watcher,
    daemon_command,
    daemon_env,
    seed_sound_cache,
    stop,
    wait_until_linked,
    write_config,
)

SPEED = 600.0
EVENING = 35.0  # [lamp] evening_level's default
LIT = 0.5  # on (at 600x the rise may be cut short: see rise())
SESSION_S = 30 * 60  # [routine] session_minutes' default, device seconds
# [routine] sleep 23:00, minus ends_before_sleep_minutes 60, minus the 30 min session
WINDDOWN = dt.datetime(2026, 11, 24, 21, 30, tzinfo=dt.UTC).timestamp()


def lamp_levels(watcher: Watcher, after: int) -> list[tuple[float, float]]:
    """(device time, level) of each lamp trace message from the ``after``-th message on."""
    return [(m.json()["at"], m.json()["level"]) for m in watcher.messages[after:] if m.topic.endswith("/sim/lamp")]


def state(watcher: Watcher, test: Callable[[dict[str, Any]], bool], after: int = 0, timeout: float = 10) -> Message:
    """The first hub state (retained ``…/state``) from the ``after``-th message on that passes ``test``."""
    return watcher.wait_for("state", lambda m: test(m.json()), timeout, after=after)


def rise(watcher: Watcher, topic: str, payload: str) -> tuple[int, float]:
    """Send a command that starts a session; returns the message mark and when the lamp was on.

    At --speed 600 the 3 s rise to the evening level lasts 5 ms of real time and the sunset
    starts right after it, so on a busy machine the lamp may turn long before it gets all the
    way up (measured on the shared 2-core build machine: anywhere from 1 % to the full 35 %).
    """
    mark = watcher.mark()
    watcher.publish(topic, payload)
    lit = watcher.wait_for("sim/lamp", lambda m: m.json()["level"] >= LIT, 10, after=mark)
    return mark, lit.json()["at"]


def check_sunset(watcher: Watcher, mark: int, lit_at: float, off_at: float) -> None:
    trace = lamp_levels(watcher, mark)
    times = [at for at, _ in trace]
    assert times == sorted(times), "the lamp trace is in device time order"
    levels = [level for _, level in trace]
    top = levels.index(max(levels))
    assert levels[: top + 1] == sorted(levels[: top + 1]), "a rise, then..."
    assert levels[top:] == sorted(levels[top:], reverse=True), "...a sunset, never a jump back up"
    assert max(a - b for a, b in itertools.pairwise(levels[top:])) <= 1.01, "in steps no eye can see"
    assert LIT <= max(levels) <= EVENING
    assert SESSION_S * 0.8 < off_at - lit_at < SESSION_S * 1.1, "the sunset lasts the session"


def refusals(watcher: Watcher) -> None:
    """Refused sim commands say why on sim/error."""
    cases = {
        ("sim/button", "triple"): "single, double, long, down, up",
        ("sim/room", '{"temperature_c": 99}'): "within -40..85",
        ("sim/room", '{"humidity": "wet"}'): "must be a number",
        ("sim/room", '{"co2": 400}'): "has no 'co2'",
        ("sim/room", "warm"): "JSON object",
    }
    for (topic, payload), reason in cases.items():
        mark = watcher.mark()
        watcher.publish(topic, payload)
        error = watcher.wait_for("sim/error", lambda m, t=topic: m.json()["topic"] == t, 5, after=mark).json()
        assert reason in error["error"] and error["payload"] == payload


def test_a_simulated_night_driven_over_mqtt(tmp_path: Path, broker: Broker, sound_cache: Path) -> None:
    state_dir = tmp_path / "state"
    seed_sound_cache(sound_cache, state_dir)
    config = write_config(tmp_path, broker.port)
    watcher = Watcher(broker.port)
    command = daemon_command(config, state_dir, SPEED, "2026-11-24 21:00")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=daemon_env(), text=True)
    try:
        wait_until_linked(watcher, process)
        refusals(watcher)
        watcher.wait_for("availability", lambda m: m.payload == b"online", 10)
        planned = state(watcher, lambda s: s["routine"]["next_winddown"] != "").json()
        assert planned["routine"]["next_winddown"].startswith("2026-11-24T21:30")
        assert not planned["session"]["active"]

        # The room, through the fake chips and the sensor poller, into the hub's state.
        mark = watcher.mark()
        watcher.publish("sim/room", '{"temperature_c": 23.5, "lux": 2}')

        # Two chips, each smoothed (median of 3) and read on its own: wait until both have the new room.
        def warm_and_dim(s: dict) -> bool:
            return (s["room"]["temperature_c"] or 0) > 23 and abs((s["room"]["lux"] or 0) - 2) < 0.5

        warm = state(watcher, warm_and_dim, after=mark).json()["room"]
        assert abs(warm["temperature_c"] - 23.5) < 0.2 and abs(warm["lux"] - 2) < 0.5
        assert warm["too_warm"] and warm["not_ready"]

        # 1. At 21:30 the wind-down starts by itself: the lamp rises towards the evening level,
        # then sets over the session to off, and the hub's state says so.
        mark = watcher.mark()
        lit = watcher.wait_for("sim/lamp", lambda m: m.json()["level"] >= LIT, 20, after=mark).json()
        assert WINDDOWN <= lit["at"] < WINDDOWN + 60, lit["time"]
        running = state(watcher, lambda s: s["session"]["active"], after=mark).json()["session"]
        assert running["started_by"] == "schedule" and running["trigger"] in planned["triggers"]
        off = watcher.wait_for("sim/lamp", lambda m: m.json()["level"] == 0, 15, after=mark).json()
        check_sunset(watcher, mark, lit["at"], off["at"])
        state(watcher, lambda s: not s["session"]["active"], after=mark)
        duty = {m.json()["level"]: m.json()["duty"] for m in watcher.on("sim/lamp")}
        assert duty[0] == 0 and all(0 < d < 1 for level, d in duty.items() if 0 < level < 100)

        # 2. A hub command changes a setting; a press over sim/button starts a session (the hub's
        # state and a button event say so); a long press (sim/button long) is good night: off in seconds.
        mark = watcher.mark()
        watcher.publish("volume/set", "55")
        state(watcher, lambda s: s["settings"]["volume"] == 55, after=mark)
        mark, _ = rise(watcher, "sim/button", "single")
        watcher.wait_for("event", lambda m: m.json().get("gesture") == "single", 5, after=mark)
        pressed = state(watcher, lambda s: s["session"]["active"], after=mark).json()["session"]
        assert pressed["started_by"] == "button" and pressed["volume"] == 55
        before = lamp_levels(watcher, mark)[-1][0]
        watcher.publish("sim/button", "long")
        off = watcher.wait_for("sim/lamp", lambda m: m.json()["level"] == 0, 10, after=mark).json()
        assert off["at"] - before < 300, "good night fades out in seconds of device time"
        watcher.wait_for("event", lambda m: m.json().get("gesture") == "long", 5, after=mark)
        state(watcher, lambda s: not s["session"]["active"], after=mark)

        # 3. The hub's session switch starts one; a long press as raw edges (down, 50 ms of real
        # time = 30 s of device time, up) ends it.
        mark, _ = rise(watcher, "session/set", "ON")
        assert state(watcher, lambda s: s["session"]["active"], after=mark).json()["session"]["started_by"] == "hub"
        before = lamp_levels(watcher, mark)[-1][0]
        watcher.publish("sim/button", "down")
        time.sleep(0.05)
        watcher.publish("sim/button", "up")
        off = watcher.wait_for("sim/lamp", lambda m: m.json()["level"] == 0, 10, after=mark).json()
        assert off["at"] - before < 300
        state(watcher, lambda s: not s["session"]["active"], after=mark)
        mark = watcher.mark()
    finally:
        code = stop(process)
        _, err = process.communicate()
    try:
        watcher.wait_for("availability", lambda m: m.payload == b"offline", 5, after=mark)
    finally:
        watcher.close()
    assert code == 0, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    assert "hushlight stopped" in err
    assert "simulated room: temperature_c 23.5, lux 2" in err
