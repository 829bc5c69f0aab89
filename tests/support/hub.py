"""A whole device (real Controller + Worker + MqttHub, fake lamp and player) and a watching client."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.subscribeoptions import SubscribeOptions

from device.audio.player import SilentPlayer
from device.config.schema import Config, DeviceConfig, MqttConfig
from device.core import events as ev
from device.core.controller import Controller, settings_from_config
from device.hardware.lamp.fakes.recording import RecordingLamp
from device.hub.mqtt import MqttHub
from device.journal.base import MemoryJournal
from device.runtime.clock import RealClock
from device.runtime.worker import Adapters, Worker
from tests.support.broker import Broker, TlsFiles


@dataclass
class Message:
    topic: str
    payload: bytes
    retain: bool
    at: float

    def json(self) -> Any:
        return json.loads(self.payload)


@dataclass
class Watcher:
    """A plain MQTT 5 client that records everything it sees (Home Assistant's seat in the tests)."""

    broker: Broker
    client_id: str = "test-watcher"
    topics: tuple[str, ...] = ("#",)
    session_expiry: int = 0
    username: str | None = None
    password: str | None = None
    tls: TlsFiles | None = None
    messages: list[Message] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=self.client_id, protocol=mqtt.MQTTv5)
        self.client.on_message = self._on_message
        # retain-as-published: the flag says whether the device retained it, not how it reached us
        options = SubscribeOptions(qos=1, retainAsPublished=True)
        self.client.on_connect = lambda c, u, f, r, p: self.topics and c.subscribe([(t, options) for t in self.topics])
        self.client.reconnect_delay_set(1, 1)
        if self.username:
            self.client.username_pw_set(self.username, self.password)
        if self.tls is not None:
            self.client.tls_set(str(self.tls.ca), str(self.tls.client_cert), str(self.tls.client_key))
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.session_expiry
        self.client.connect(self.broker.host, self.broker.port, 30, clean_start=True, properties=props)
        self.client.loop_start()

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        with self._cond:
            self.messages.append(Message(msg.topic, bytes(msg.payload), bool(msg.retain), time.monotonic()))
            self._cond.notify_all()

    def wait_for(self, predicate: Callable[[Message], bool], timeout: float = 5.0, after: int = 0) -> Message:
        """The first message from index ``after`` on that matches; fails after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for msg in self.messages[after:]:
                    if predicate(msg):
                        return msg
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [(m.topic, m.payload[:80]) for m in self.messages[after:]][-15:]
                    raise AssertionError(f"no matching message within {timeout} s; last seen: {seen}")
                self._cond.wait(left)

    def mark(self) -> int:
        with self._cond:
            return len(self.messages)

    def on(self, topic: str, after: int = 0) -> list[Message]:
        with self._cond:
            return [m for m in self.messages[after:] if m.topic == topic]

    def publish(self, topic: str, payload: bytes | str, qos: int = 1, retain: bool = False) -> mqtt.MQTTMessageInfo:
        return self.client.publish(topic, payload, qos=qos, retain=retain)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@dataclass
class Device:
    config: Config
    controller: Controller
    worker: Worker
    hub: MqttHub
    lamp: RecordingLamp
    player: SilentPlayer
    thread: threading.Thread

    @property
    def base(self) -> str:
        return self.hub.topics.base

    def settled(self, timeout: float = 2.0) -> None:
        """Wait until the core is idle: a hub command's state goes out before its effects are carried out,
        so a test that saw the state and looks at the lamp or the player waits for this first."""
        deadline = time.monotonic() + timeout
        while (self.worker._busy or self.worker._events) and time.monotonic() < deadline:
            time.sleep(0.002)

    def stop(self) -> None:
        self.worker.post(ev.Shutdown("test"))
        self.thread.join(5)
        self.hub.close()


def device_config(broker: Broker, state_dir: Path, device_id: str = "bedroom", **mqtt: Any) -> Config:
    return Config(
        device=DeviceConfig(id=device_id, name=f"Hushlight {device_id}", state_dir=state_dir),
        mqtt=MqttConfig(host=broker.host, port=broker.port, **mqtt),
    )


@contextmanager
def running_device(config: Config, start_hub: bool = True) -> Iterator[Device]:
    """A device as the daemon wires it, on a real clock, with the MQTT hub started."""
    clock = RealClock()
    controller = Controller(config, settings_from_config(config), dt.UTC)
    lamp, player = RecordingLamp(clock), SilentPlayer()
    holder: list[Worker] = []
    hub = MqttHub(
        config, lambda event: holder[0].post(event), clock, config.device.state_dir,
        lambda event: holder[0].post_or_run(event),
    )  # fmt: skip
    worker = Worker(controller, Adapters(lamp, player, hub, MemoryJournal()), clock)
    holder.append(worker)
    worker.post(ev.TriggersAvailable(player.triggers()[0]))
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    if start_hub:
        hub.start()
    device = Device(config, controller, worker, hub, lamp, player, thread)
    try:
        yield device
    finally:
        device.stop()
