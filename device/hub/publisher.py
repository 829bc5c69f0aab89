"""The hub's publishing thread: coalesced state, discovery, events and errors.

The worker hands over the latest snapshot. When nothing else waits to go out and
the last state is more than 20 ms old, it is published right there, on the
worker (a command's answer then crosses no thread); otherwise it is a reference
swap under a lock and a wake of the :class:`QueueThread` (a burst asks for one),
and this thread publishes it retained (changes closer together than 20 ms are
coalesced into the latest). One send lock keeps the two in order. The state shows the lamp's target at once;
while the lamp fades this thread asks the worker for a fresh snapshot at most
once a second, so the live level (an attribute beside the target) is seen moving
and its final value always arrives.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import msgspec

from device.config.schema import Config
from device.hub import discovery
from device.hub.topics import Topics
from device.persist import JsonStateFile
from device.runtime.clock import Clock
from device.runtime.queue_thread import QueueThread

log = logging.getLogger(__name__)

MIN_STATE_INTERVAL = 0.02  # real seconds between two state messages (changes in between are coalesced)
FADE_REFRESH_MIN = (
    1.0  # real seconds between refreshes of the live level while the lamp fades (each is a state write in HA)
)
SESSION_REFRESH = 60.0  # device seconds between refreshes while a session counts down
HA_ONLINE_DELAY = (0.2, 2.0)  # random real-second delay before answering Home Assistant's `online`
OUTBOX_LIMIT = 200
WAIT_FOR_TRIGGERS = 3.0  # real seconds discovery waits for the trigger library after connecting

Send = Callable[[str, bytes, int, bool], None]  # (topic, payload, qos, retain)
# Compact UTF-8 JSON, 8x faster than json.dumps on the state (a command's answer waits for it);
# anything else (a date) as its str, and a non-finite number as null, never the invalid NaN.
_ENCODER = msgspec.json.Encoder(enc_hook=str)


def state_document(snapshot: dict[str, Any], brightness_scale: int) -> dict[str, Any]:
    """The retained state: the snapshot plus the top-level keys Home Assistant's JSON light reads.

    Those keys are the target the last command set, at once (HA's convention: the slider does not
    bounce while the lamp fades); the lamp's live level and the fade's time left stay in ``lamp``,
    which the light reads as attributes.
    """
    lamp = snapshot.get("lamp", {})
    target = float(lamp.get("target", lamp.get("level", 0.0)))
    on = bool(lamp.get("on", target > 0))
    brightness = max(1, round(target * brightness_scale / 100)) if on else 0
    top = {"state": "ON" if on else "OFF", "brightness": brightness, "color_mode": "brightness"}
    top["effect"] = lamp.get("effect", "none")
    return top | snapshot


def refresh_after(snapshot: dict[str, Any]) -> float | None:
    """Device seconds until the state is worth refreshing (a fade moves, a session counts down), or None."""
    lamp, session = snapshot.get("lamp", {}), snapshot.get("session", {})
    waits = []
    remaining = float(lamp.get("fade_remaining", 0.0))
    delta = abs(float(lamp.get("target", 0.0)) - float(lamp.get("level", 0.0)))
    if remaining > 0:
        step = remaining / max(delta, 1.0)  # about one message per 1 % of level
        waits.append(step if step < remaining - 0.1 else remaining + 0.05)  # and one just after the end
    elif delta > 0:
        waits.append(0.05)  # the rounded remaining says 0 but the last step is still to come
    if session.get("active"):
        waits.append(min(SESSION_REFRESH, float(session.get("remaining", 0)) + 0.5))
    return min(waits) if waits else None


class Publisher:
    """One thread that owns every publish the hub makes after connecting."""

    def __init__(
        self, config: Config, clock: Clock, send: Send, refresh: Callable[[], None], record: JsonStateFile
    ) -> None:
        self.config = config
        self.topics = Topics.from_config(config)
        self._clock = clock
        self._send = send
        self._refresh = refresh
        self._record = record
        self._lock = threading.Lock()
        self._sending = threading.Lock()  # held while publishing: by this thread, or by the worker's fast path
        self._snapshot: dict[str, Any] | None = None
        self._sent_state: bytes | None = None
        self._last_state_at = -math.inf
        self._refresh_asked = False  # the next snapshot answers a refresh, not a change
        self._snapshot_is_refresh = False
        self._refresh_at: float | None = None
        self._thread_wakes_at = math.inf  # when the thread, asleep, looks at its deadlines again by itself
        self._discovery_at: float | None = None
        self._discovered_triggers: tuple[str, ...] | None = None
        self._outbox: deque[tuple[str, bytes]] = deque(maxlen=OUTBOX_LIMIT)
        self._connected = False
        self._connected_at = 0.0
        self._last_snapshot: dict[str, Any] | None = None
        self._stop = False
        self.triggers: tuple[str, ...] = ()
        self._thread: QueueThread[None] | None = None

    def start(self) -> None:
        """The thread: woken by each change (a burst is one wake), by its own deadlines, and at the stop."""
        self._thread = QueueThread("hushlight-hub-publisher", self._work, wake_after=self._idle, finish=self._final)

    def stop(self) -> None:
        with self._lock:
            self._stop = True
        if self._thread is not None:
            self._thread.close(timeout=2)

    def _wake(self) -> None:
        if self._thread is not None:
            self._thread.wake()

    # -- called from other threads: short, never blocking ------------------------------

    def state(self, snapshot: dict[str, Any]) -> None:
        """Take the newest snapshot. When nothing else is waiting to go out and the rate limit allows, it is
        published here, on the caller's thread: a command's answer then crosses no thread on its way to
        the broker (a hand-over costs about as much as the device's whole work on a command)."""
        sending = self._sending.acquire(blocking=False)  # never wait: busy means the thread publishes it
        try:
            with self._lock:
                self._snapshot = snapshot
                self._snapshot_is_refresh, self._refresh_asked = self._refresh_asked, False
                self.triggers = tuple(snapshot.get("triggers", ()))
                if self._discovered_triggers is not None and self.triggers != self._discovered_triggers:
                    self._due_discovery(0.5)
                inline = sending and self._may_publish_now()
                if inline:
                    self._take_state()
            if inline:
                self._publish_state(snapshot)
                with self._lock:
                    refresh = self._refresh_at
                if refresh is None or refresh >= self._thread_wakes_at:
                    return  # the thread wakes in time for its deadlines as it is: a wake would only cost
        except Exception:  # a failed send must not reach the worker: the thread tries once more
            log.exception("publishing the state failed; the publisher's thread retries")
            with self._lock:
                self._last_snapshot = None  # pending again
        finally:
            if sending:
                self._sending.release()
        self._wake()

    def message(self, topic: str, payload: dict[str, Any]) -> None:
        """A non-retained JSON message (event or error); dropped while offline."""
        data = _ENCODER.encode(payload)
        with self._lock:
            if self._connected:
                self._outbox.append((topic, data))
        self._wake()

    def connected(self, up: bool) -> None:
        with self._lock:
            self._connected = up
            self._refresh_at = None
            if up:
                self._connected_at = time.monotonic()
                self._sent_state = None  # the broker may have lost it: publish again
                self._due_discovery(0.0)
            else:
                self._outbox.clear()
        self._wake()

    def ha_online(self) -> None:
        """Home Assistant (re)started: discovery again after a short random delay."""
        with self._lock:
            self._due_discovery(random.uniform(*HA_ONLINE_DELAY))
        self._wake()

    def _due_discovery(self, delay: float) -> None:
        when = time.monotonic() + delay
        if self._discovery_at is None or when < self._discovery_at:
            self._discovery_at = when

    # -- the thread ---------------------------------------------------------------------

    def _work(self, _none: list[None]) -> None:
        """Everything that is due now, one piece at a time (the lock is not held while sending)."""
        while True:
            with self._sending:  # one publisher at a time, so the broker gets states in order
                with self._lock:
                    if self._stop or self._idle_time() != 0.0:
                        return
                    work = self._take_work()
                try:
                    work()
                except Exception:  # a bug here must not end publishing for good
                    log.exception("the hub's publisher failed; it carries on")

    def _idle(self) -> float | None:
        with self._lock:
            idle = None if self._stop else self._idle_time()
            self._thread_wakes_at = math.inf if idle is None else time.monotonic() + idle
            return idle

    def _final(self) -> None:
        with self._sending, self._lock:
            final = self._final_work()
        with self._sending:
            for job in final:  # what the worker handed over last (lamp off, session ended), before `offline`
                job()

    def _final_work(self) -> list[Callable[[], None]]:
        if not self._connected:
            return []
        messages = list(self._outbox)
        self._outbox.clear()

        def send_messages() -> None:
            for topic, data in messages:
                self._send(topic, data, 1, False)

        jobs: list[Callable[[], None]] = [send_messages]
        if self._snapshot is not None and self._state_pending():
            snapshot = self._last_snapshot = self._snapshot
            jobs.append(lambda: self._publish_state(snapshot))
        return jobs

    def _idle_time(self) -> float | None:
        """0 when there is work now; otherwise how long to sleep (None: until notified)."""
        if not self._connected:
            return None
        if self._outbox:
            return 0.0
        now = time.monotonic()
        dues = [t for t in (self._discovery_due(), self._refresh_at) if t is not None]
        if self._snapshot is not None and self._state_pending():
            dues.append(self._last_state_at + MIN_STATE_INTERVAL)
        if not dues:
            return None
        return max(0.0, min(dues) - now)

    def _state_pending(self) -> bool:
        return self._sent_state is None or self._snapshot is not self._last_snapshot

    def _discovery_due(self) -> float | None:
        """When discovery is due; right after connecting it waits (up to a while) for the trigger library."""
        if self._discovery_at is None:
            return None
        if self.triggers:
            return self._discovery_at
        return max(self._discovery_at, self._connected_at + WAIT_FOR_TRIGGERS)

    def _may_publish_now(self) -> bool:
        """The state may go out at once: connected, nothing queued or due before it, the rate limit passed."""
        if self._stop or not self._connected or self._outbox or not self._state_pending():
            return False
        now = time.monotonic()
        due = self._discovery_due()
        return (due is None or due > now) and self._last_state_at + MIN_STATE_INTERVAL <= now

    def _take_state(self) -> dict[str, Any]:
        snapshot = self._last_snapshot = self._snapshot
        assert snapshot is not None
        if not self._snapshot_is_refresh:  # a refresh must not hold back the next command's state
            self._last_state_at = time.monotonic()
        return snapshot

    def _take_work(self) -> Callable[[], None]:
        now = time.monotonic()
        if self._outbox:
            topic, data = self._outbox.popleft()
            return lambda: self._send(topic, data, 1, False)
        due = self._discovery_due()
        if due is not None and due <= now:
            self._discovery_at = None
            triggers = self.triggers
            self._discovered_triggers = triggers
            return lambda: self._discover(triggers)
        if self._snapshot is not None and self._state_pending() and self._last_state_at + MIN_STATE_INTERVAL <= now:
            snapshot = self._take_state()
            return lambda: self._publish_state(snapshot)
        if self._refresh_at is not None and self._refresh_at <= now:
            self._refresh_at = None
            self._refresh_asked = True
            return self._refresh
        return lambda: None

    def _publish_state(self, snapshot: dict[str, Any]) -> None:
        document = state_document(snapshot, self.config.mqtt.brightness_scale)
        data = _ENCODER.encode(document)
        if data != self._sent_state:
            self._send(self.topics.state, data, 1, True)
            self._sent_state = data
        after = refresh_after(snapshot)
        with self._lock:
            if after is not None and self._connected:
                self._refresh_at = time.monotonic() + max(FADE_REFRESH_MIN, self._clock.real_seconds(after))

    def _discover(self, triggers: tuple[str, ...]) -> None:
        before = discovery.Published.from_dict(self._record.load())
        messages, after = discovery.plan(self.config, triggers, before, self._clock.now())
        for topic, payload in messages:
            self._send(topic, payload, 1, True)
        if after.to_dict() != before.to_dict():
            try:
                self._record.save(after.to_dict())
            except OSError as exc:
                log.error("cannot remember the published discovery in %s: %s", self._record.path, exc)
        log.info("discovery published (%s, %d entities)", after.mode, len(after.components))
