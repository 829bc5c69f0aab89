"""The one worker: takes events from one queue, applies them in order, carries out effects.

gpiozero's callbacks and paho's network thread call :meth:`Worker.post_or_run`
(carried out on their own thread when the core is idle, queued otherwise);
everything else calls :meth:`Worker.post`. The worker sleeps until the next
event or the core's nearest deadline, whichever comes first: there is no
polling loop.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from device.audio.player import Player
from device.core import effects as fx
from device.core import events as ev
from device.core.controller import Controller
from device.hardware.lamp import Lamp
from device.hub.base import Hub
from device.journal.base import Journal
from device.persist import JsonStateFile
from device.runtime.clock import Clock
from device.runtime.state_writer import StateWriter

log = logging.getLogger(__name__)

# Longest sleep without looking at the clock again: a wall-clock jump (NTP at
# boot on a Pi without an RTC) is noticed within this, and the watchdog is fed.
MAX_SLEEP = 30.0


@dataclass(frozen=True)
class _CarryOut:
    """Effects the core asked for once a journal record is stored (a rating's acknowledgement)."""

    effects: tuple[fx.Effect, ...]


@dataclass
class Adapters:
    lamp: Lamp
    player: Player
    hub: Hub
    journal: Journal
    extra_closers: list[Callable[[], None]] = field(default_factory=list)


class Worker:
    def __init__(
        self,
        controller: Controller,
        adapters: Adapters,
        clock: Clock,
        settings_file: JsonStateFile | None = None,
        heartbeat: Callable[[], None] | None = None,
        max_sleep: float = MAX_SLEEP,
        session_file: JsonStateFile | None = None,
        observers: list[Callable[[dict[str, Any]], None]] | None = None,
    ) -> None:
        self.controller = controller
        self.adapters = adapters
        self.clock = clock
        self.settings_file = settings_file
        self.session_file = session_file
        self.heartbeat = heartbeat
        self.max_sleep = max_sleep
        # Called with each published snapshot by whoever holds the core (the worker, or paho's or gpiozero's
        # thread in post_or_run; never two at once): the simulator's panel. Keep them quick.
        self.observers: list[Callable[[dict[str, Any]], None]] = list(observers or [])
        # The queue, and who holds the core: the worker's thread, or a thread in post_or_run.
        self._ready = threading.Condition(threading.Lock())
        self._events: deque[ev.Event | _CarryOut] = deque()
        self._busy = False
        self._running = False
        self._worker_wakes_at = math.inf  # when the sleeping worker looks at the core's deadlines anyway
        self._worker_waits_for_core = False
        self._failed: set[str] = set()
        self._core_touched = False  # an effect changed the core's state (an adapter failed or recovered)
        self.stopped = threading.Event()
        # settings.json is written on a thread of its own: a command must not wait for the card's fsync.
        self.state_writer = StateWriter(self.post) if settings_file else None
        self._handlers: dict[type, Callable[[Any], None]] = {
            fx.LampFade: lambda e: self._call("lamp", self.adapters.lamp.fade_to, e.level, e.duration, e.curve),
            fx.LampBlink: lambda e: self._call("lamp", self.adapters.lamp.blink, e.times),
            fx.LampBreathe: lambda e: self._call(
                "lamp", self.adapters.lamp.breathe, e.low, e.high, e.duration, e.start_bpm, e.end_bpm
            ),
            fx.PlaySound: lambda e: self._call("player", self.adapters.player.play, e.trigger, e.volume, e.fade_in),
            fx.CrossfadeSound: lambda e: self._call("player", self.adapters.player.crossfade, e.trigger, e.duration),
            fx.FadeOutSound: lambda e: self._call("player", self.adapters.player.fade_out, e.duration),
            fx.SetVolume: lambda e: self._call("player", self.adapters.player.set_volume, e.volume, e.ramp),
            fx.PublishEvent: lambda e: self._call("hub", self.adapters.hub.publish_event, e.kind, e.data),
            fx.RejectCommand: self._reject,
            fx.PersistSettings: lambda e: self._call("state_dir", self._save_settings, e.settings),
            fx.PersistSession: lambda e: self._call("state_dir", self._save_session, e.session),
            fx.JournalRecord: self._journal_record,
            fx.RescanTriggers: lambda e: self._rescan(),
        }

    def post(self, event: ev.Event) -> None:
        """Hand an event to the worker; safe from any thread, never blocks."""
        self._enqueue(event)

    def post_or_run(self, event: ev.Event) -> None:
        """Carry ``event`` out on the calling thread when the core is idle and nothing is queued before it;
        otherwise :meth:`post` it. Never waits for the core.

        For paho's thread and a hub command: the command's state then goes out with no hand-over between
        threads, which cost as much as everything else the device does with a command. For gpiozero's
        callback and a button edge: a press decided on its edge moves the lamp before the callback returns. The core stays
        single-threaded (one thread at a time holds it, in the order events came), and what takes time
        is not done here: the card's writes, the sound and the fades are on threads of their own.
        """
        with self._ready:
            queue_it = not self._running or self._busy or self._events or isinstance(event, ev.Shutdown)
            if not queue_it:
                self._busy = True
        if queue_it:
            self._enqueue(event)
            return
        try:
            self._process(event)
        finally:
            wakes_at = time.monotonic() + self._sleep_seconds()  # the core is still this thread's
            with self._ready:
                self._busy = False
                # The worker sleeps on, unless something queued meanwhile, it waits for the core, or
                # this event brought the core's next deadline forward.
                if self._events or self._worker_waits_for_core or wakes_at < self._worker_wakes_at:
                    self._ready.notify()

    def run(self) -> None:
        """Process events until a :class:`Shutdown` has been handled."""
        with self._ready:
            self._busy = True
        self._publish_state()
        with self._ready:
            self._running = True
        while True:
            event = self._next_event()
            stop = self._process(event)
            if self.heartbeat is not None:
                self.heartbeat()  # from this loop only: a hung worker stops the pings
            if stop:
                break
        with self._ready:
            self._running = False  # what comes later waits in the queue, as before
        if self.state_writer is not None:
            self.state_writer.close()  # what was changed last is on disk before the worker says it stopped
        self.stopped.set()

    def _process(self, event: ev.Event | _CarryOut | None) -> bool:
        """One event (None: the core's deadlines) from the core to the adapters; True for the shutdown."""
        now = self.clock.now()
        try:
            if isinstance(event, _CarryOut):
                effects = list(event.effects)
            else:
                effects = self.controller.handle(event, now) if event is not None else self.controller.advance(now)
        except Exception:  # a bug in the core must not take the lamp and button down with it
            log.exception("the controller failed on %r; event dropped", event)
            effects = []
        state_first = _answers_a_remote_asker(event, effects)
        if state_first:
            self._publish_state()
        self._core_touched = False
        for effect in effects:
            _log_effect(now, effect)
            self._handlers[type(effect)](effect)
        if not state_first or self._core_touched:
            self._publish_state()
        return isinstance(event, ev.Shutdown)

    def _sleep_seconds(self) -> float:
        deadline = self.controller.next_deadline()
        timeout = self.max_sleep
        if deadline is not None:
            timeout = min(timeout, max(0.0, self.clock.real_seconds(deadline - self.clock.now())))
        return timeout

    def _next_event(self) -> ev.Event | _CarryOut | None:
        """The next event, or None when the core's deadline came first; returns holding the core."""
        return self._wait_for_event(self._sleep_seconds())  # still holding the core: it is not changing

    def _wait_for_event(self, sleep: float) -> ev.Event | _CarryOut | None:
        """Let go of the core, wait up to ``sleep`` real seconds for an event, take the core back."""
        with self._ready:
            self._busy = False
            self._worker_wakes_at = time.monotonic() + sleep
            if not self._events:
                self._ready.wait(sleep)
            self._worker_waits_for_core = True
            while self._busy:  # another thread is carrying an event out: after it
                self._ready.wait()
            self._worker_waits_for_core = False
            self._busy = True
            self._worker_wakes_at = math.inf
            return self._events.popleft() if self._events else None

    def _call(self, adapter: str, method: Callable[..., Any], *args: Any) -> None:
        try:
            method(*args)
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}"
            if adapter not in self._failed:
                log.error("%s failed: %s (the device carries on without it)", adapter, reason)
            else:
                log.debug("%s failed again: %s", adapter, reason)
            self._failed.add(adapter)
            self._core_touched = True
            self.controller.handle(ev.AdapterFailed(adapter, reason), self.clock.now())
            return
        if adapter in self._failed:
            self._failed.discard(adapter)
            log.info("%s works again", adapter)
            self._core_touched = True
            self.controller.handle(ev.AdapterRecovered(adapter), self.clock.now())

    def _enqueue(self, item: ev.Event | _CarryOut) -> None:
        with self._ready:
            self._events.append(item)
            self._ready.notify()

    def _journal_record(self, effect: fx.JournalRecord) -> None:
        then = tuple(effect.then)
        on_stored = (lambda: self._enqueue(_CarryOut(then))) if then else None
        self._call("journal", self.adapters.journal.record, effect.kind, effect.data, on_stored)

    def _rescan(self) -> None:
        """Read the sounds folder again on a thread of its own: a new recording's loudness is measured
        by decoding it whole, and the lamp and the button must not wait for that."""

        def scan() -> None:
            try:
                names, broken = self.adapters.player.triggers()
            except Exception as exc:
                log.error("rescanning the sounds folder failed: %s: %s", type(exc).__name__, exc)
                return
            self.post(ev.TriggersAvailable(names, broken))

        threading.Thread(target=scan, name="hushlight-rescan", daemon=True).start()

    def _reject(self, effect: fx.RejectCommand) -> None:
        log.warning("command %s rejected: %s", effect.action, effect.reason)
        self._call("hub", self.adapters.hub.reject, effect.action, effect.reason)

    def _save_settings(self, settings: dict[str, Any]) -> None:
        if self.settings_file is not None and self.state_writer is not None:  # encoded here: a bad value fails here
            self.state_writer.save(self.settings_file.path, self.settings_file.encode(settings))

    def _save_session(self, session: dict[str, Any]) -> None:
        # Written here, before the state says the session runs: two writes a night, and what a power
        # cut a moment after a session's start needs to resume it.
        if self.session_file is not None:
            self.session_file.save(session)

    def _publish_state(self) -> None:
        try:
            snapshot = self.controller.state.snapshot(self.clock.now())
        except Exception:
            log.exception("could not build the state snapshot")
            return
        self._call("hub", self.adapters.hub.publish_state, snapshot)
        for observer in self.observers:
            try:
                observer(snapshot)
            except Exception:  # a watcher must never stop the device
                log.exception("state observer %r failed", observer)


def _answers_a_remote_asker(event: object, effects: list[fx.Effect]) -> bool:
    """Whether the state goes out before the effects are carried out.

    A command from the hub or the page is answered by the state (HA's slider, the page's control),
    and the core has decided it already: the lamp, the player and the files follow, and the asker
    does not wait for a fade thread to start or a file to be queued. Everything else (the button, the
    schedule) carries out its effects first, so the lamp answers a press before anything else
    happens. A new session's file is on the card before any state says it runs (a power cut a
    moment later must resume it), so those wait for their effects either way.
    """
    if not isinstance(event, ev.Command) or event.source not in ("hub", "web"):
        return False
    return not any(isinstance(effect, fx.PersistSession) for effect in effects)


def _log_effect(now: float, effect: fx.Effect) -> None:
    """What the device does, for the log: hub events at INFO (they are what a user notices), all at DEBUG."""
    if isinstance(effect, fx.PublishEvent) and effect.kind != "button":
        log.info("%s at t=%.1f: %s", effect.kind, now, json.dumps(effect.data, sort_keys=True, default=str))
    else:
        log.debug("effect at t=%.1f: %r", now, effect)
