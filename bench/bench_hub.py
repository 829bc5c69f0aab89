"""Hub command to new state on a real mosquitto, against a bare paho client that echoes (the floor).

Both are driven the same way: publish a QoS 1 command, wait for the answer on
the state topic, pause a little (so coalescing does not merge two answers), repeat.
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


def run() -> list[dict[str, object]]:
    values = [str(10 + i % 60) for i in range(COMMANDS)]
    with tempfile.TemporaryDirectory() as tmp, start_broker(Path(tmp), extra_config=NODELAY) as broker:
        echo = _echo(broker.host, broker.port)
        probe = Probe(broker.host, broker.port, "echo/state", lambda payload, value: payload.decode() == value)
        floor = probe.run("echo/volume/set", values)
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
    out = []
    for name, p in (("p50", 50.0), ("p99", 99.0)):
        out.append(
            figure(
                f"hub command to new state {name}",
                _percentile(hub, p) * 1000,
                "ms",
                _percentile(floor, p) * 1000,
                "lower",
                f"{COMMANDS} QoS 1 volume commands, local mosquitto (set_tcp_nodelay); baseline: bare paho echo client",
            )
        )
    out.append(
        figure(
            "hub command to new state mean", statistics.fmean(hub) * 1000, "ms", statistics.fmean(floor) * 1000, "lower"
        )
    )
    return out
