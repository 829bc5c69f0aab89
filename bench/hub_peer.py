"""What answers the hub bench's commands, in a process of its own as on a real network.

``python -m bench.hub_peer echo PORT`` is the floor: a bare paho client that publishes each
command back on ``echo/state``. ``python -m bench.hub_peer device PORT STATE_DIR`` is the device
as the daemon wires it (core, worker, MQTT hub; no lamp or sound hardware). Each prints ``ready``
once it is subscribed and runs until its stdin closes. In the bench's own process the probe's paho
thread would share one interpreter lock with the device and tax it alone (its PUBACK arrives just
as the device's command does), which a real device never pays.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import paho.mqtt.client as mqtt

from bench.bench_hub import _no_delay


def echo(port: int) -> None:
    subscribed = threading.Event()
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-echo", protocol=mqtt.MQTTv5)
    client.on_message = lambda c, u, m: c.publish("echo/state", m.payload, qos=1, retain=True)
    client.on_subscribe = lambda *args: subscribed.set()
    client.on_socket_open = _no_delay
    client.connect("127.0.0.1", port)
    client.subscribe("echo/volume/set", qos=1)
    client.loop_start()
    if not subscribed.wait(10):
        raise SystemExit("the echo could not subscribe")
    _serve()
    client.disconnect()
    client.loop_stop()


def device(port: int, state_dir: Path) -> None:
    from tests.support.hub import device_config, running_device

    broker: Any = SimpleNamespace(host="127.0.0.1", port=port)
    config = device_config(broker, state_dir, max_commands_per_s=1000)
    with running_device(config) as dev:
        deadline = time.monotonic() + 10
        while not dev.hub.client.is_connected() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # subscribed, and its first state and discovery are out
        _serve()


def _serve() -> None:
    print("ready", flush=True)
    sys.stdin.read()  # until the bench closes it (or dies)


if __name__ == "__main__":
    if sys.argv[1] == "echo":
        echo(int(sys.argv[2]))
    else:
        device(int(sys.argv[2]), Path(sys.argv[3]))
