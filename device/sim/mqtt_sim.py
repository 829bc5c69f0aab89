"""The simulated hardware over MQTT, under ``<base>/sim/...`` (simulation only).

- ``<base>/sim/button`` takes ``single``, ``double``, ``long``, or a raw ``down`` / ``up``;
- ``<base>/sim/room`` takes JSON with any of ``temperature_c``, ``humidity``, ``lux``, ``pressure_hpa``;
- ``<base>/sim/lamp`` carries each duty change of the simulated lamp:
  ``{"level": perceived %, "duty": 0..1, "at": device time, "time": local ISO time}``;
- ``<base>/sim/error`` says why a sim command was refused.

This is its own small paho client, not the hub's: the hub's topics stay the
hub's business, and the simulator works the same with or without it. It can
also watch the hub's traffic (commands, events, errors, availability) for
the panel.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import ssl
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from device.config.schema import Config, MqttConfig
from device.runtime.clock import Clock
from device.sim.hardware import SimButton, SimInputError, SimRoomControl, parse_room

log = logging.getLogger(__name__)

Watcher = Callable[[str, str], None]  # (topic relative to the base, payload excerpt)
ConnectionWatcher = Callable[[bool, str], None]  # (connected, broker "host:port")
QUIET_SUFFIXES = ("/sim/lamp", "/state", "/sim/error")  # not worth a line in the panel's hub messages


def base_topic(config: Config) -> str:
    """The device's topic prefix: ``[mqtt] base_topic``, or ``hushlight/<device id>``."""
    return (config.mqtt.base_topic or f"hushlight/{config.device.id}").rstrip("/")


def configure_client(client: mqtt.Client, mqtt_config: MqttConfig) -> None:
    """Credentials and TLS from the ``[mqtt]`` section; a missing file is a clear error."""
    if mqtt_config.username:
        password = None
        if mqtt_config.password_file:
            path = Path(mqtt_config.password_file)
            try:
                password = path.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise OSError(f"[mqtt] password_file {path}: {exc.strerror or exc}") from exc
        client.username_pw_set(mqtt_config.username, password)
    if mqtt_config.tls_ca_file:
        client.tls_set(
            ca_certs=mqtt_config.tls_ca_file,
            certfile=mqtt_config.tls_certfile or None,
            keyfile=mqtt_config.tls_keyfile or None,
            cert_reqs=ssl.CERT_REQUIRED,
        )


class SimLink:
    """Subscribes to the sim command topics and publishes the lamp trace, reconnecting on its own."""

    def __init__(
        self,
        config: Config,
        clock: Clock,
        button: SimButton,
        room: SimRoomControl,
        tz: dt.tzinfo | None = None,
    ) -> None:
        self.config = config
        self.base = base_topic(config)
        self.clock = clock
        self.button = button
        self.room = room
        self.tz = tz
        self.connected = threading.Event()  # connected, and subscribed to the sim topics
        self.watchers: list[Watcher] = []
        self.connection_watchers: list[ConnectionWatcher] = []
        self.broker = f"{config.mqtt.host}:{config.mqtt.port}"
        client_id = (config.mqtt.client_id or f"hushlight-{config.device.id}")[:56] + "-sim"
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.client.on_subscribe = self._on_subscribe
        self._sim_mid: int | None = None
        self.client.reconnect_delay_set(1, 30)
        configure_client(self.client, config.mqtt)
        self._closed = False

    def start(self) -> SimLink:
        """Connect in the background; the link keeps trying while the broker is away."""
        mqtt_config = self.config.mqtt
        self.client.connect_async(mqtt_config.host, mqtt_config.port, keepalive=mqtt_config.keepalive)
        self.client.loop_start()
        log.info(
            "simulated hardware over MQTT on %s/sim/{button,room} (lamp trace on %s/sim/lamp)", self.base, self.base
        )
        return self

    def lamp_changed(self, duty: float, level: float) -> None:
        """The lamp fader's observer: publish the duty change with the device time."""
        at = self.clock.now()
        when = dt.datetime.fromtimestamp(at, self.tz).isoformat(timespec="milliseconds")
        payload = {"level": round(level, 3), "duty": round(duty, 6), "at": round(at, 3), "time": when}
        self.client.publish(f"{self.base}/sim/lamp", json.dumps(payload), qos=0)

    def close(self) -> None:
        """Disconnect; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        self.client.disconnect()
        self.client.loop_stop()

    # -- paho callbacks (network thread) -----------------------------------------

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if reason.is_failure:
            log.warning("simulator: broker %s refused the connection: %s", self.broker, reason)
            return
        if self.watchers:
            client.subscribe(f"{self.base}/#", 0)
        _, self._sim_mid = client.subscribe([(f"{self.base}/sim/button", 1), (f"{self.base}/sim/room", 1)])
        log.debug("simulator: connected to %s", self.broker)
        self._tell(True)

    def _on_subscribe(self, client: mqtt.Client, userdata: Any, mid: int, reasons: Any, properties: Any) -> None:
        if mid == self._sim_mid:
            self.connected.set()  # from now on the sim topics are heard

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        self.connected.clear()
        if not self._closed:
            log.info("simulator: lost the broker %s (%s); reconnecting", self.broker, reason)
        self._tell(False)

    def _tell(self, connected: bool) -> None:
        for watcher in self.connection_watchers:
            watcher(connected, self.broker)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        raw = bytes(message.payload)
        suffix = message.topic[len(self.base) :] if message.topic.startswith(self.base) else message.topic
        try:
            if suffix == "/sim/button":
                self.button.gesture(raw.decode("utf-8", "replace"))
            elif suffix == "/sim/room":
                self.room.set(parse_room(raw))
        except SimInputError as exc:
            self._refuse(suffix.lstrip("/"), raw, str(exc))
        except Exception as exc:  # the network thread must survive anything a payload does
            log.exception("simulator: %s failed", message.topic)
            self._refuse(suffix.lstrip("/"), raw, f"{type(exc).__name__}: {exc}")
        if not suffix.endswith(QUIET_SUFFIXES):
            text = raw[:80].decode("utf-8", "replace")
            for watcher in self.watchers:
                watcher(suffix.lstrip("/"), text)

    def _refuse(self, topic: str, payload: bytes, reason: str) -> None:
        log.warning("simulator: %s refused: %s", topic, reason)
        excerpt = payload[:64].decode("utf-8", "replace")
        body = json.dumps({"topic": topic, "payload": excerpt, "error": reason})
        self.client.publish(f"{self.base}/sim/error", body, qos=1)
