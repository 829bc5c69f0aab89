"""A simulated night at --speed 600: the daemon driven only over MQTT (sim topics) and watched there."""

from __future__ import annotations

import datetime as dt
import itertools
import subprocess
import time
from pathlib import Path

from tests.support.broker import Broker
from tests.support.sim import (
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
LIT = 0.5  # on (at 600x the rise may be cut short: see session())
SESSION_S = 30 * 60
WINDDOWN = dt.datetime(
    2026, 11, 24, 21, 30, tzinfo=dt.UTC
).timestamp()  # [routine] session_minutes' default, device seconds


def lamp_levels(watcher: Watcher, after: int) -> list[tuple[float, float]]:
    """(device time, level) of each lamp trace message from the ``after``-th message on."""
    return [(m.json()["at"], m.json()["level"]) for m in watcher.messages[after:] if m.topic.endswith("/sim/lamp")]


def session(watcher: Watcher) -> tuple[int, float]:
    """Press once over MQTT; returns the message mark and the device time the lamp was well on its way up.

    At --speed 600 the 3 s rise to the evening level lasts 5 ms of real time and the sunset
    starts right after it; the sound player starting the trigger on the worker thread first
    takes a few of those milliseconds, so the lamp may turn long before it gets all the way up
    (measured on a busy 2-core machine: anywhere from 1 % to 26 % of the 35 %).
    """
    mark = watcher.mark()
    watcher.publish("sim/button", "single")
    lit = watcher.wait_for("sim/lamp", lambda m: m.json()["level"] >= LIT, 10, after=mark)
    return mark, lit.json()["at"]


def test_a_simulated_night_driven_over_mqtt(tmp_path: Path, broker: Broker, sound_cache: Path) -> None:
    state = tmp_path / "state"
    seed_sound_cache(sound_cache, state)
    config = write_config(tmp_path, broker.port)
    watcher = Watcher(broker.port)
    command = daemon_command(config, state, SPEED, "2026-11-24 21:00")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=daemon_env(), text=True)
    try:
        # Refused sim commands say why on sim/error; the first answer also shows the sim link is up.
        refusals = {
            ("sim/button", "triple"): "single, double, long, down, up",
            ("sim/room", '{"temperature_c": 99}'): "within -40..85",
            ("sim/room", '{"humidity": "wet"}'): "must be a number",
            ("sim/room", '{"co2": 400}'): "has no 'co2'",
            ("sim/room", "warm"): "JSON object",
        }
        wait_until_linked(watcher, process)
        for (topic, payload), reason in refusals.items():
            mark = watcher.mark()
            watcher.publish(topic, payload)
            error = watcher.wait_for("sim/error", lambda m, t=topic: m.json()["topic"] == t, 5, after=mark).json()
            assert reason in error["error"] and error["payload"] == payload
        watcher.publish("sim/room", '{"temperature_c": 23.5, "lux": 2}')

        # 1. At 21:30 (sleep 23:00, minus 60 min, minus a 30 min session) the wind-down starts by itself:
        # the lamp rises towards the evening level, then sets over the session to off.
        mark = watcher.mark()
        lit = watcher.wait_for("sim/lamp", lambda m: m.json()["level"] >= LIT, 20, after=mark).json()
        assert WINDDOWN <= lit["at"] < WINDDOWN + 60, lit["time"]
        peak_at = lit["at"]
        off = watcher.wait_for("sim/lamp", lambda m: m.json()["level"] == 0, 15, after=mark).json()
        trace = lamp_levels(watcher, mark)
        times = [at for at, _ in trace]
        assert times == sorted(times), "the lamp trace is in device time order"
        levels = [level for _, level in trace]
        top = levels.index(max(levels))
        assert levels[: top + 1] == sorted(levels[: top + 1]), "a rise, then..."
        assert levels[top:] == sorted(levels[top:], reverse=True), "...a sunset, never a jump back up"
        sunset = levels[top:]
        assert max(a - b for a, b in itertools.pairwise(sunset)) <= 1.01, "in steps no eye can see"
        assert LIT <= max(levels) <= EVENING
        assert SESSION_S * 0.8 < off["at"] - peak_at < SESSION_S * 1.1, "the sunset lasts the session"
        duty = {m.json()["level"]: m.json()["duty"] for m in watcher.on("sim/lamp")}
        assert 0 < duty[max(levels)] < 1 and duty[0] == 0

        # 2. After the wind-down, a press starts a session; a long press (sim/button long) is good night: off within seconds, not over the session.
        mark, peak_at = session(watcher)
        before = lamp_levels(watcher, mark)[-1][0]
        watcher.publish("sim/button", "long")
        off = watcher.wait_for("sim/lamp", lambda m: m.json()["level"] == 0, 10, after=mark).json()
        assert off["at"] - before < 300, "good night fades out in seconds of device time"

        # 3. The same long press as raw edges: down, held 50 ms of real time (30 s of device time), up.
        mark, peak_at = session(watcher)
        before = lamp_levels(watcher, mark)[-1][0]
        watcher.publish("sim/button", "down")
        time.sleep(0.05)
        watcher.publish("sim/button", "up")
        off = watcher.wait_for("sim/lamp", lambda m: m.json()["level"] == 0, 10, after=mark).json()
        assert off["at"] - before < 300
    finally:
        code = stop(process)
        _, err = process.communicate()
        watcher.close()
    assert code == 0, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    assert "hushlight stopped" in err
    assert "simulated room: temperature_c 23.5, lux 2" in err
