"""Hub command to new state on a real mosquitto, against a bare paho client that echoes (the floor).

Both are driven the same way: publish a QoS 1 command, wait for the answer on
the state topic, pause a little (so coalescing does not merge two answers), repeat.
Volume commands, and light commands as Home Assistant sends them, with and without a
transition: the state must show the commanded brightness at once, not when the fade ends
(goal: within 1.3x the echo).
"""

from __future__ import annotations

import os
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from bench.__main__ import figure
from tests.support.broker import start_broker
from tests.support.hub import device_config, running_device

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

    def __init__(self, host: str, port: int, answer_topic: str, matches: Any) -> None:
        self._event = threading.Event()
        self._expect: object = None
        self._matches = matches
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-probe", protocol=mqtt.MQTTv5)
        self.client.on_message = self._on_message
        self.client.on_socket_open = _no_delay
        self.client.connect(host, port)
        self.client.subscribe(answer_topic, qos=1)
        self.client.loop_start()
        time.sleep(0.3)

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        if self._expect is not None and self._matches(msg.payload, self._expect):
            self._event.set()

    def run(self, topic: str, values: list[str]) -> list[float]:
        times = []
        for value in values:
            self._event.clear()
            self._expect = value
            started = time.perf_counter()
            self.client.publish(topic, value, qos=1)
            if not self._event.wait(5):
                raise RuntimeError(f"no answer to {value!r} on {topic}")
            times.append(time.perf_counter() - started)
            time.sleep(PAUSE)
        return times

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def _echo(host: str, port: int) -> mqtt.Client:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-echo", protocol=mqtt.MQTTv5)
    client.on_message = lambda c, u, m: c.publish("echo/state", m.payload, qos=1, retain=True)
    client.on_socket_open = _no_delay
    client.connect(host, port)
    client.subscribe("echo/volume/set", qos=1)
    client.loop_start()
    return client


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


def run() -> list[dict[str, object]]:
    values = [str(10 + i % 60) for i in range(COMMANDS)]
    plain, faded = _light_commands(None), _light_commands(LIGHT_TRANSITION)
    with tempfile.TemporaryDirectory() as tmp, start_broker(Path(tmp), extra_config=NODELAY) as broker:
        echo = _echo(broker.host, broker.port)
        probe = Probe(broker.host, broker.port, "echo/state", lambda payload, value: payload.decode() == value)
        floor = probe.run("echo/volume/set", values)
        probe.close()
        probe = Probe(broker.host, broker.port, "echo/state", _brightness_shown)
        light_floor = probe.run("echo/volume/set", plain)
        probe.close()
        echo.disconnect()
        echo.loop_stop()
        config = device_config(broker, Path(tmp) / "state", max_commands_per_s=1000)
        with running_device(config) as dev:
            key = b'"settings":{"volume":'
            probe = Probe(
                broker.host, broker.port, f"{dev.base}/state",
                lambda payload, value: key + f"{float(value)}".encode() in payload,
            )  # fmt: skip
            hub = probe.run(f"{dev.base}/volume/set", values)
            probe.close()
            probe = Probe(broker.host, broker.port, f"{dev.base}/state", _brightness_shown)
            light = probe.run(f"{dev.base}/lamp/set", plain)
            light_faded = probe.run(f"{dev.base}/lamp/set", faded)
            probe.close()
    base = "local mosquitto (set_tcp_nodelay); baseline: bare paho echo client"
    return [
        *_figures("hub command to new state", hub, floor, f"{COMMANDS} QoS 1 volume commands, {base}"),
        *_figures(
            "hub light command to new brightness", light, light_floor,
            f"{LIGHT_COMMANDS} QoS 1 light commands without a transition (the lamp's default 1 s fade), {base}",
        ),
        *_figures(
            f"hub light command with a {LIGHT_TRANSITION} s transition to new brightness", light_faded, light_floor,
            f"{LIGHT_COMMANDS} QoS 1 light commands, each interrupting the fade before it, {base}",
        ),
    ]  # fmt: skip
