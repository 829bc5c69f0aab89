"""The MQTT hub: paho-mqtt 2.x, MQTT 5, its own network thread; a broker that may vanish.

paho's callbacks run on paho's thread and only validate, post events to the
worker or hand messages to the publisher thread; nothing here blocks the worker.
A broker that is down at start costs nothing: ``connect_async`` + ``loop_start``
retry in the background. The session (clean start off, expiry from the config)
keeps QoS 1 commands sent during a short outage, and they are carried out once.
"""

from __future__ import annotations

import contextlib
import logging
import random
import socket
import ssl
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from device.config.schema import Config, MqttConfig
from device.core import events as ev
from device.errors import HushlightError
from device.hub import commands
from device.hub.publisher import Publisher
from device.hub.topics import Topics
from device.persist import JsonStateFile
from device.runtime.clock import Clock

log = logging.getLogger(__name__)

Post = Callable[[ev.Event], None]
RECONNECT_MIN, RECONNECT_MAX = 1, 60  # s
RECONNECT_FRACTION = 0.1  # wait about a tenth of the time already offline before the next try
RECORD_FILE = "hub-discovery.json"


class HubSetupError(HushlightError, RuntimeError):
    """The hub cannot be set up as configured (unreadable password file, bad TLS files)."""


def read_password(path: str) -> str:
    """The password from its file (first line); the error names the file, never the content."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise HubSetupError(f"mqtt.password_file {path!r}: cannot read it ({type(exc).__name__})") from None
    if not lines or not lines[0]:
        raise HubSetupError(f"mqtt.password_file {path!r}: the first line (the password) is empty")
    return lines[0]


def check_published_record(data: dict[str, Any]) -> None:
    """The shape of ``hub-discovery.json`` (what discovery is out there); ValueError names what is wrong."""
    if not isinstance(data.get("mode", "off"), str):
        raise ValueError("mode: expected a string")
    components, removed = data.get("components", {}), data.get("removed", {})
    if not isinstance(components, dict) or not all(isinstance(v, str) for v in components.values()):
        raise ValueError("components: expected an object of platform names")
    if not isinstance(removed, dict):
        raise ValueError("removed: expected an object")
    for key, value in removed.items():
        if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], str)):
            raise ValueError(f"removed[{key[:40]!r}]: expected [platform, time]")
        if isinstance(value[1], bool) or not isinstance(value[1], int | float):
            raise ValueError(f"removed[{key[:40]!r}]: the time is not a number")


def apply_credentials(client: mqtt.Client, cfg: MqttConfig) -> None:
    """The configured user name, password file and TLS files on ``client`` (the hub and the doctor use them)."""
    if cfg.username:
        password = read_password(cfg.password_file) if cfg.password_file else None
        client.username_pw_set(cfg.username, password)
    elif cfg.password_file:
        log.warning("mqtt.password_file is set but mqtt.username is empty: connecting anonymously")
    if cfg.tls_ca_file or cfg.tls_certfile:
        try:
            client.tls_set(
                ca_certs=cfg.tls_ca_file or None,
                certfile=cfg.tls_certfile or None,
                keyfile=cfg.tls_keyfile or None,
                cert_reqs=ssl.CERT_REQUIRED,
                tls_version=ssl.PROTOCOL_TLS_CLIENT,
            )
        except (OSError, ssl.SSLError, ValueError) as exc:
            raise HubSetupError(f"mqtt TLS files: {exc}") from None


def _guarded(callback: Callable[..., None]) -> Callable[..., None]:
    """A paho callback whose bugs are logged here instead of ending paho's network thread."""

    def call(*args: Any) -> None:
        try:
            callback(*args)
        except Exception:
            log.exception("MQTT callback %s failed; the hub carries on", callback.__name__)

    return call


def _write_queued(client: mqtt.Client) -> None:
    """Write what paho has queued, now, from paho's own thread (a command carried out in its callback).

    paho writes a publish made in a callback only once the callback has returned, that is after the
    command's effects: the asker would wait for the lamp and the player. ``loop_write()`` cannot be
    used here: on a write error it calls ``on_disconnect`` from inside the callback, and paho's
    callback lock is not re-entrant (a deadlock). The loop's own write step leaves a packet it could
    not send in the queue and returns, and the loop then meets the error on its own terms.
    """
    write = getattr(client, "_packet_write", None)  # paho 2.x; without it the loop writes, as before
    if write is None or client.on_publish is not None:  # an on_publish would take that callback lock
        return
    try:
        write()
    except Exception as exc:  # never let an early write break the command: the loop writes it
        log.debug("writing the state early failed (%s); paho's loop sends it", exc)


def _no_delay(client: mqtt.Client, userdata: Any, sock: Any) -> None:
    """Small packets go out at once: without this a state message waits for the ACK of the PUBACK before it."""
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class TokenBucket:
    """``rate`` commands a second on average, bursts up to ``burst``."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst
        self._tokens = burst
        self._at = time.monotonic()

    def take(self) -> bool:
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


class MqttHub:
    """The :class:`~device.hub.base.Hub` over MQTT. Call :meth:`start` once; :meth:`close` is idempotent."""

    def __init__(
        self, config: Config, post: Post, clock: Clock, state_dir: Path, post_command: Post | None = None
    ) -> None:
        self.config = config
        self.topics = Topics.from_config(config)
        self.limits = commands.Limits.from_config(config)
        self._post = post
        # A command may be carried out right here on paho's thread (Worker.post_or_run): its state then
        # goes out without waiting for another thread to wake.
        self._post_command = post_command or post
        self._clock = clock
        self._bucket = TokenBucket(config.mqtt.max_commands_per_s, 5 * config.mqtt.max_commands_per_s)
        self._last_command: dict[str, tuple[str, bytes]] = {}  # the payload's head; an excerpt only if refused
        self._offline_since = time.monotonic()
        self._ever_connected = False
        self._warned_unreachable = False
        self._closed = False
        self._lock = threading.Lock()
        self._network_thread: int | None = None  # paho's thread, once it has delivered a message
        # Events held until the worker shows it runs (its first publish_state): the daemon builds the hub
        # before the worker, and a resumed session may deliver queued commands right after connecting.
        self._pending: list[ev.Event] | None = []
        record = JsonStateFile(state_dir / RECORD_FILE, check=check_published_record)
        self.publisher = Publisher(config, clock, self._send, lambda: self._deliver(ev.RefreshState()), record)
        self.client = self._make_client()

    # -- set-up ---------------------------------------------------------------------------

    def _make_client(self) -> mqtt.Client:
        cfg = self.config.mqtt
        client_id = cfg.client_id or f"hushlight-{self.config.device.id}"
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
        client.will_set(self.topics.availability, b"offline", qos=1, retain=True)
        client.reconnect_delay_set(RECONNECT_MIN, RECONNECT_MAX)
        client.max_queued_messages_set(1000)
        apply_credentials(client, cfg)
        client.on_connect = _guarded(self._on_connect)
        client.on_disconnect = _guarded(self._on_disconnect)
        client.on_connect_fail = _guarded(self._on_connect_fail)
        client.on_message = _guarded(self._on_message)
        client.on_socket_open = _no_delay
        client.suppress_exceptions = True  # and as a last net: nothing may end the network thread
        return client

    def start(self) -> None:
        """Start connecting in the background; returns at once, whether or not the broker is there."""
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.config.mqtt.session_expiry
        cfg = self.config.mqtt
        self.publisher.start()
        self.client.connect_async(cfg.host, cfg.port, cfg.keepalive, clean_start=False, properties=props)
        self.client.loop_start()
        log.info("connecting to the MQTT broker %s:%d in the background", cfg.host, cfg.port)

    # -- the Hub interface (worker thread) -----------------------------------------------------

    def publish_state(self, snapshot: dict[str, Any]) -> None:
        if self._pending is not None:
            with self._lock:
                pending, self._pending = self._pending or [], None
            for event in pending:
                self._post(event)
        self.publisher.state(snapshot)

    def _deliver(self, event: ev.Event, post: Post | None = None) -> None:
        with self._lock:
            if self._pending is not None:
                self._pending.append(event)
                return
        (post or self._post)(event)

    def publish_event(self, kind: str, data: dict[str, Any]) -> None:
        self.publisher.message(self.topics.event, {"event": kind, **data, "at": round(self._clock.now(), 3)})

    def reject(self, action: str, reason: str) -> None:
        topic, payload = self._last_command.get(action, (None, None))
        shown = None if payload is None else commands.excerpt(payload)
        self.publisher.message(
            self.topics.error, {"action": action, "topic": topic, "payload": shown, "reason": reason}
        )

    def close(self) -> None:
        """Say offline, end the session (no command is kept for a device that was switched off), disconnect."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self.publisher.stop()
        if self.client.is_connected():
            info = self.client.publish(self.topics.availability, b"offline", qos=1, retain=True)
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(1.0)
            props = Properties(PacketTypes.DISCONNECT)
            props.SessionExpiryInterval = 0
            self.client.disconnect(properties=props)
        else:
            self.client.disconnect()
        self.client.loop_stop()

    # -- paho's thread: short, never blocking -----------------------------------------------

    def _on_connect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if reason.is_failure:
            if not self._warned_unreachable:
                log.error("the MQTT broker refused the connection: %s (retrying in the background)", reason)
            self._warned_unreachable = True
            return
        downtime = time.monotonic() - self._offline_since
        log.info("connected to the MQTT broker (session %s)", "resumed" if flags.session_present else "new")
        if self._ever_connected:
            log.info("back online after %.1f s", downtime)
        self._ever_connected = True
        self._warned_unreachable = False
        client.reconnect_delay_set(RECONNECT_MIN, RECONNECT_MAX)
        client.publish(self.topics.availability, b"online", qos=1, retain=True)
        subs = [(f"{self.topics.base}/{f}", 1) for f in commands.topic_filters()] + [(self.topics.ha_status, 1)]
        client.subscribe(subs)
        self.publisher.connected(True)
        self._deliver(ev.HubConnection(True))

    def _on_disconnect(self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        if self.publisher is not None:
            self.publisher.connected(False)
        if not self._closed:
            log.warning("lost the MQTT broker (%s); the device carries on and reconnects", reason)
            self._offline_since = time.monotonic()
            self._deliver(ev.HubConnection(False))
        self._adapt_backoff(client)

    def _on_connect_fail(self, client: mqtt.Client, userdata: Any) -> None:
        if not self._warned_unreachable:
            self._warned_unreachable = True
            cfg = self.config.mqtt
            tls = " over TLS (is tls_ca_file the CA that signed the broker's certificate?)" if cfg.tls_ca_file else ""
            log.warning("cannot reach the MQTT broker at %s:%d%s; retrying in the background", cfg.host, cfg.port, tls)
        self._adapt_backoff(client)

    def _adapt_backoff(self, client: mqtt.Client) -> None:
        """Wait about a tenth of the outage so far (1 s to 60 s): quick after a blip, gentle after hours.

        The jitter keeps many devices from knocking all at once when a broker comes back.
        """
        offline = time.monotonic() - self._offline_since
        delay = offline * RECONNECT_FRACTION * random.uniform(0.8, 1.2)
        delay = min(RECONNECT_MAX, max(RECONNECT_MIN, delay))
        client.reconnect_delay_set(delay, delay)  # type: ignore[arg-type]  # paho annotates int, uses float

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        self._network_thread = threading.get_ident()
        if msg.topic == self.topics.ha_status:
            if msg.payload.strip() == b"online":
                self.publisher.ha_online()
            return
        payload = bytes(msg.payload)
        suffix = msg.topic[len(self.topics.base) + 1 :]
        if msg.retain:
            self._error(msg.topic, payload, "retained commands are ignored (clear it: publish an empty retained)")
            return
        if not self._bucket.take():
            self._error(msg.topic, payload, "too many commands: slow down")
            return
        try:
            command = commands.parse(suffix, payload, self.limits, self.publisher.triggers)
        except commands.Rejected as exc:
            self._error(msg.topic, payload, str(exc))
            return
        self._last_command[command.action] = (msg.topic, payload[: commands.EXCERPT + 1])
        self._deliver(command, self._post_command)

    def _error(self, topic: str, payload: bytes, reason: str) -> None:
        log.warning("command on %s rejected: %s", topic, reason)
        self.publisher.message(
            self.topics.error, {"topic": topic, "payload": commands.excerpt(payload), "reason": reason}
        )

    def _send(self, topic: str, payload: bytes, qos: int, retain: bool) -> None:
        if not self.client.is_connected():
            return  # nothing is queued while offline: everything is sent afresh on reconnect
        info = self.client.publish(topic, payload, qos=qos, retain=retain)
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            log.debug("publish to %s not sent: %s", topic, mqtt.error_string(info.rc))
        elif threading.get_ident() == self._network_thread:
            _write_queued(self.client)
