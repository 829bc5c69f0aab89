"""Simulated hands and a simulated room: what the panel's keys and the sim topics act on.

The button is pressed by driving the same gpiozero mock pin that
:class:`~device.hardware.buttons.BedsideButtons` listens to, so the press goes
through the real edge handler, debounce and gesture classifier. The room is
the one :func:`~device.hardware.sensors.fakes.simulated_room` that the fake
I2C chips measure, so readings go through the real drivers and poller.

Gesture timing is in *device* time: with ``--speed 600`` a long press of
1.5 s is held for 2.5 ms of real time (see :class:`SimButton`).
"""

from __future__ import annotations

import json
import logging
import math
import queue
import threading
from collections.abc import Callable
from typing import Any

from device import safejson
from device.config.schema import ButtonsConfig
from device.errors import HushlightError
from device.hardware.sensors.fakes import SimRoom, simulated_room
from device.runtime.clock import Clock

log = logging.getLogger(__name__)

GESTURES = ("single", "double", "long")
EDGES = ("down", "up")

# What a room payload may set, and the range each fake chip can measure.
ROOM_RANGES: dict[str, tuple[float, float]] = {
    "temperature_c": (-40.0, 85.0),
    "humidity": (0.0, 100.0),
    "lux": (0.0, 54612.0),
    "pressure_hpa": (300.0, 1100.0),
}


class SimInputError(HushlightError, ValueError):
    """A simulator command that cannot be carried out; the message says what and why."""


class EdgeClock:
    """The device clock, except that the simulated hand dates the edges it makes.

    :class:`~device.hardware.buttons.BedsideButtons` stamps each edge with
    ``clock.now()`` in the pin's callback, which runs on the thread that drives
    the pin. Handed this clock, it gets the planned time of a simulated edge, so
    a tap stays a tap at ``--speed 600`` however late a thread wakes up.
    """

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.speed = clock.speed
        self._local = threading.local()

    def now(self) -> float:
        at = getattr(self._local, "at", None)
        return self.clock.now() if at is None else float(at)

    def real_seconds(self, device_seconds: float) -> float:
        return self.clock.real_seconds(device_seconds)

    def wait(self, stop: threading.Event, device_seconds: float) -> bool:
        return self.clock.wait(stop, device_seconds)

    def dated(self, at: float, action: Callable[[], None]) -> None:
        """Run ``action`` (a pin drive) with :meth:`now` answering ``at`` on this thread."""
        self._local.at = at
        try:
            action()
        finally:
            self._local.at = None


class SimButton:
    """Presses the main button's mock pin: gestures are played one after another on a thread of their own.

    A long press is held for real (``long_press_ms`` of device time, so
    ``clock.real_seconds`` of it), and the device sees it as held meanwhile.
    Taps are short against any thread's wake-up jitter at high speeds, so
    their edges are made at once and dated at their planned device times.
    """

    def __init__(self, config: ButtonsConfig, pin_factory: Any, clock: EdgeClock) -> None:
        spec = config.main
        self.pin = pin_factory.pin(spec.pin)
        self._pressed_level = not spec.pull_up  # a pull-up button pulls the pin low when pressed
        self._clock = clock
        self.debounce = config.debounce_ms / 1000
        long_press, window = config.long_press_ms / 1000, config.double_press_ms / 1000
        self.window = window
        # Just above the debounce time, well under the long press and the double-press window.
        self.tap = min([self.debounce + max(0.02, self.debounce / 2)] + [t / 2 for t in (long_press, window) if t > 0])
        self.hold = long_press * 1.1 + 0.1  # with long presses off, simply a press held for a while
        self._stop = threading.Event()
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._idle = threading.Event()
        self._idle.set()
        self._thread = threading.Thread(target=self._run, name="hushlight-sim-button", daemon=True)
        self._thread.start()

    def gesture(self, kind: str) -> None:
        """Play ``single``, ``double`` or ``long`` (or a raw ``down`` / ``up`` edge) after any queued before."""
        kind = kind.strip().lower()
        if kind not in GESTURES + EDGES:
            raise SimInputError(f"button takes one of {', '.join(GESTURES + EDGES)}, not {kind[:40]!r}")
        self._idle.clear()
        self._queue.put(kind)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until every queued gesture has been played; True if they have."""
        return self._idle.wait(timeout)

    def close(self) -> None:
        """Stop playing gestures and let go of the button; safe to call twice."""
        self._stop.set()
        self._queue.put(None)
        if self._thread is not threading.current_thread():
            self._thread.join(5)

    def _run(self) -> None:
        while True:
            kind = self._queue.get()
            if kind is None or self._stop.is_set():
                break
            try:
                self._play(kind)
            except Exception:
                log.exception("simulated button: %s failed", kind)
            if self._queue.empty():
                self._idle.set()
        self._idle.set()

    def _play(self, kind: str) -> None:
        now = self._clock.clock.now()
        if kind in EDGES:
            self._drive(kind == "down", now)
            return
        if kind == "long":
            self._drive(True, now)
            self._clock.wait(self._stop, self.hold)
            self._drive(False, self._clock.clock.now())
            settle = self.debounce
        else:
            taps = 2 if kind == "double" else 1
            for i in range(2 * taps):
                self._drive(i % 2 == 0, now + i * self.tap)
            # Past the last edge, its debounce and (after a single) the double-press window,
            # so that the next gesture cannot merge with this one.
            settle = (2 * taps - 1) * self.tap + self.debounce + (self.window if taps == 1 else 0.0)
        self._clock.wait(self._stop, settle + self.tap)

    def _drive(self, pressed: bool, at: float) -> None:
        high = pressed == self._pressed_level
        self._clock.dated(at, self.pin.drive_high if high else self.pin.drive_low)


def parse_room(payload: bytes | str) -> dict[str, float]:
    """The room values in a JSON payload such as ``{"temperature_c": 21.5, "lux": 3}``; any subset."""
    text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
    try:
        data = safejson.loads(text, 2)
    except ValueError as exc:
        raise SimInputError(f'room takes a JSON object, e.g. {{"temperature_c": 21.5}}; not JSON: {exc}') from None
    if not isinstance(data, dict) or not data:
        raise SimInputError(f"room takes a non-empty JSON object with any of {', '.join(ROOM_RANGES)}")
    values: dict[str, float] = {}
    for key, value in data.items():
        if key not in ROOM_RANGES:
            raise SimInputError(f"room has no {str(key)[:40]!r}; it has {', '.join(ROOM_RANGES)}")
        low, high = ROOM_RANGES[key]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise SimInputError(f"room {key} must be a number, not {json.dumps(value)[:40]}")
        if not low <= value <= high:
            raise SimInputError(f"room {key} must be within {low:g}..{high:g}, not {value:g}")
        values[key] = float(value)
    return values


class SimRoomControl:
    """Changes the simulated room, in absolute values or in the panel's small steps."""

    def __init__(self, room: SimRoom | None = None) -> None:
        self.room = room or simulated_room()

    def set(self, values: dict[str, float]) -> None:
        self.room.set(**values)
        log.info("simulated room: %s", ", ".join(f"{k} {v:g}" for k, v in values.items()))

    def warmer(self, step: float = 0.5) -> None:
        self._nudge("temperature_c", self.room.get("temperature_c") + step)

    def brighter(self, factor: float = 2.0) -> None:
        lux = self.room.get("lux")
        self._nudge("lux", max(lux * factor, 1.0) if factor > 1 else lux * factor)

    def _nudge(self, key: str, value: float) -> None:
        low, high = ROOM_RANGES[key]
        self.set({key: round(min(max(value, low), high), 3)})
