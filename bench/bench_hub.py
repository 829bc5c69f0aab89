"""Hub command to new state on a real mosquitto, against a bare paho client that echoes (the floor).

Both are driven the same way, in turn, command by command (so a slow patch of the
machine lands in both series): publish a QoS 1 command, wait for the answer on the
state topic, pause a little (so coalescing does not merge two answers), repeat.
Volume commands, and light commands as Home Assistant sends them, with and without a
transition: the state must show the commanded brightness at once, not when the fade ends
(goal: within 1.3x the echo).
"""

from __future__ import annotations

import contextlib
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from bench.__main__ import figure
from tests.support.broker import start_broker

ROOT = Path(__file__).resolve().parent.parent
DEVICE_ID = "bedroom"  # what tests.support.hub.device_config names it

COMMANDS = int(os.environ.get("BENCH_HUB_COMMANDS", "1000"))
LIGHT_COMMANDS = max(1, COMMANDS // 2)  # per kind of light command
LIGHT_TRANSITION = 3  # s, as a dashboard sends it; each command interrupts the fade of the one before
PAUSE = 0.022  # s between answer and next command (state changes closer than 20 ms are coalesced)
# Without it mosquitto's small writes wait for delayed ACKs (~40 ms on Linux) and hide everything else.
NODELAY = "set_tcp_nodelay true"


def _no_delay(client: mqtt.Client, userdata: Any, sock: Any) -> None:
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class Probe:
    """Publishes commands and times the answer that carries the value it sent."""

    def __init__(self, host: str, port: int, answer_topics: list[str]) -> None:
        self._event = threading.Event()
        self._expect: tuple[str, str, Any] | None = None  # answer topic, value, matcher
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-probe", protocol=mqtt.MQTTv5)
        self.client.on_message = self._on_message
        self.client.on_socket_open = _no_delay
        self.client.connect(host, port)
        for topic in answer_topics:
            self.client.subscribe(topic, qos=1)
        self.client.loop_start()
        time.sleep(0.3)

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        expect = self._expect
        if expect is not None and msg.topic == expect[0] and expect[2](msg.payload, expect[1]):
            self._event.set()

    def once(self, command_topic: str, answer_topic: str, value: str, matches: Any) -> float:
        self._event.clear()
        self._expect = (answer_topic, value, matches)
        started = time.perf_counter()
        self.client.publish(command_topic, value, qos=1)
        if not self._event.wait(5):
            raise RuntimeError(f"no answer to {value!r} on {command_topic}")
        took = time.perf_counter() - started
        self._expect = None
        time.sleep(PAUSE)
        return took

    def interleaved(
        self, values: list[str], device: tuple[str, str, Any], echo: tuple[str, str, Any]
    ) -> tuple[list[float], list[float]]:
        """Each value to the device and to the echo in turn (who goes first alternates), so both see the same
        machine: a slow patch of a shared 2-core machine lands in both series instead of one."""
        ours: list[float] = []
        floor: list[float] = []
        for i, value in enumerate(values):
            pair = [(ours, device), (floor, echo)]
            for times, (command, answer, matches) in pair if i % 2 == 0 else reversed(pair):
                times.append(self.once(command, answer, value, matches))
        return ours, floor

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def _light_commands(transition: int | None) -> list[str]:
    extra = "" if transition is None else f',"transition":{transition}'
    return [f'{{"state":"ON","brightness":{10 + i % 240}{extra}}}' for i in range(LIGHT_COMMANDS)]


def _brightness_shown(payload: bytes, command: str) -> bool:
    """The state document (or the echo) carries the commanded brightness at its top level."""
    wanted = command.split('"brightness":')[1].split(",")[0].rstrip("}")
    return payload.startswith(b'{"state":"ON","brightness":%s,' % wanted.encode()) or payload == command.encode()


def _figures(name: str, hub: list[float], floor: list[float], note: str) -> list[dict[str, object]]:
    out = [
        figure(f"{name} {label}", _percentile(hub, p) * 1000, "ms", _percentile(floor, p) * 1000, "lower", note)
        for label, p in (("p50", 50.0), ("p99", 99.0))
    ]
    out.append(figure(f"{name} mean", statistics.fmean(hub) * 1000, "ms", statistics.fmean(floor) * 1000, "lower"))
    return out


@contextlib.contextmanager
def _peer(*args: str) -> Iterator[None]:
    """``bench.hub_peer`` in a process of its own, until the block ends."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.hub_peer", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        cwd=ROOT, env=env,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError(f"bench.hub_peer {args[0]} did not start")
        yield
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run() -> list[dict[str, object]]:
    values = [str(10 + i % 60) for i in range(COMMANDS)]
    plain, faded = _light_commands(None), _light_commands(LIGHT_TRANSITION)
    with tempfile.TemporaryDirectory() as tmp, start_broker(Path(tmp), extra_config=NODELAY) as broker:
        port = str(broker.port)
        with _peer("echo", port), _peer("device", port, str(Path(tmp) / "state")):
            base = f"hushlight/{DEVICE_ID}"
            state = f"{base}/state"
            probe = Probe(broker.host, broker.port, [state, "echo/state"])
            key = b'"settings":{"volume":'
            volume_echo = ("echo/volume/set", "echo/state", lambda payload, value: payload.decode() == value)
            volume = (f"{base}/volume/set", state, lambda payload, value: key + f"{float(value)}".encode() in payload)
            light_echo = ("echo/volume/set", "echo/state", _brightness_shown)
            light = (f"{base}/lamp/set", state, _brightness_shown)
            hub, floor = probe.interleaved(values, volume, volume_echo)
            light_plain, light_floor = probe.interleaved(plain, light, light_echo)
            light_faded, faded_floor = probe.interleaved(faded, light, light_echo)
            probe.close()
    base = "local mosquitto (set_tcp_nodelay), device and echo each in a process of its own; baseline: bare paho echo"
    return [
        *_figures("hub command to new state", hub, floor, f"{COMMANDS} QoS 1 volume commands, {base}"),
        *_figures(
            "hub light command to new brightness", light_plain, light_floor,
            f"{LIGHT_COMMANDS} QoS 1 light commands without a transition (the lamp's default 1 s fade), {base}",
        ),
        *_figures(
            f"hub light command with a {LIGHT_TRANSITION} s transition to new brightness", light_faded, faded_floor,
            f"{LIGHT_COMMANDS} QoS 1 light commands, each interrupting the fade before it, {base}",
        ),
    ]  # fmt: skip
