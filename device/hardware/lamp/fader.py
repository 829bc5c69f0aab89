"""The lamp on any backend: perceptual fades, blinks and the breathing light.

One :class:`FadingLamp` drives one :class:`~device.hardware.lamp.DutyOutput`.
Like gpiozero's blink and pulse, a fade is a precomputed list of steps played
on one tracked thread that sleeps with ``clock.wait(stop, delay)`` between
them, and every new command first stops whatever is running. The first step
(less than one just-noticeable difference) is written at once by the caller,
so the lamp answers when asked, not once a new thread has started. A new fade is
planned from the duty the lamp shows at that moment, so nothing ever jumps.
Delays between steps are relative, so a wall-clock jump (NTP at boot) cannot
squash a fade into a flash.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable
from dataclasses import dataclass

from device.config.schema import LampConfig
from device.core import events as ev
from device.core.perceptual import BREATHE_LEAD_IN, DutyMap, Step, breath_phases, first_fade_step, plan_fade
from device.hardware.lamp import DutyOutput
from device.runtime.clock import Clock

log = logging.getLogger(__name__)

BLINK_SWING = 30.0  # perceived %, how far a confirmation blink goes from the current level
BLINK_RAMP = 0.12  # s, each edge of a blink: soft, but clearly a blink
BLINK_HOLD = 0.2  # s at the far end of a blink
BLINK_GAP = 0.35  # s between two blinks
MAX_CATCH_UP = 0.5  # real s: a fade later than this is not caught up (the wall clock jumped)


@dataclass(frozen=True)
class Motion:
    """What the lamp is doing: a fade towards ``target`` ending at device time ``end``, or an effect."""

    target: float = 0.0
    end: float = 0.0
    curve: str = "linear"
    effect: str = "none"
    breathe: tuple[float, float, float, float] | None = None  # low, high, start_bpm, end_bpm
    started: float = 0.0


class FadingLamp:
    """A lamp whose levels are perceived brightness (0-100) on one PWM output."""

    def __init__(
        self, output: DutyOutput, clock: Clock, min_duty: float, max_duty: float = 1.0, max_level: float = 100.0
    ) -> None:
        self.output = output
        self.map = DutyMap(min_duty, max_duty, output.quantum)
        self.max_level = max_level
        self.writes = 0
        self.fault = ""  # what failed on the fade thread, until a write works again
        self._post: Callable[[ev.Event], None] | None = None
        self._clock = clock
        self._lock = threading.Lock()  # the shown duty and level
        self._command = threading.Lock()  # one command at a time
        self._duty = 0.0
        self._level = 0.0
        self._motion = Motion()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._observers: list[Callable[[float, float], None]] = []
        output.write(0.0)  # a known state: off

    @classmethod
    def from_config(cls, output: DutyOutput, clock: Clock, config: LampConfig) -> FadingLamp:
        return cls(output, clock, config.min_duty, config.max_duty, config.max_level)

    # -- the Lamp interface ------------------------------------------------------

    def fade_to(self, level: float, duration: float, curve: str = "linear") -> None:
        """Fade from what the lamp shows now to ``level`` over ``duration`` device seconds."""
        level, duration = self._clamp(level), _seconds(duration)
        with self._command:
            if self._closed:
                return
            self._halt()
            now = self._clock.now()
            self._motion = Motion(level, now + duration, curve, started=now)
            with self._lock:
                duty, shown = self._duty, self._level
            first = first_fade_step(self.map, duty, level) if duration > 0 else None
            if first is None:  # an instant change, or only the level moves: nothing to wait for
                steps = plan_fade(self.map, duty, shown, level, duration, curve)
                if all(step.at <= 0 for step in steps):
                    self._play(steps, self._stop)  # write it now, on the caller's thread
                else:
                    self._spawn(lambda stop: self._play(steps, stop))
                return
            # The first rung (less than one just-noticeable step) at once, on the caller's thread: the lamp
            # answers a press or a command now, not once a thread has started and planned the whole fade.
            try:
                self._show(first.duty, first.level)
            except Exception as exc:  # as on the fade's thread: said once, and the fade goes on trying
                self._failed(exc)

            def rest(stop: threading.Event) -> bool:
                steps = plan_fade(self.map, duty, shown, level, duration, curve)
                return self._play(steps[1:], stop, started=now)

            self._spawn(rest)

    def blink(self, times: int) -> None:
        """Blink ``times`` (a swing of :data:`BLINK_SWING`), then carry on with what the lamp was doing."""
        with self._command:
            if self._closed or times <= 0:
                return
            interrupted = self._motion
            self._halt()
            self._spawn(lambda stop: self._blink(stop, int(times), interrupted))

    def breathe(self, low: float, high: float, duration: float, start_bpm: float, end_bpm: float) -> None:
        """The breathing light: swell to ``high`` and fade to ``low`` at a slowing pace, ending at ``low``."""
        low, high = sorted((self._clamp(low), self._clamp(high)))
        duration = _seconds(duration)
        if not (start_bpm > 0 and end_bpm > 0):
            raise ValueError(f"breathing pace must be above 0, got {start_bpm} and {end_bpm}")
        with self._command:
            if self._closed:
                return
            self._halt()
            now = self._clock.now()
            self._motion = Motion(low, now + duration, "ease", "breathe", (low, high, start_bpm, end_bpm), now)
            self._spawn(lambda stop: self._breathe(stop, low, high, duration, start_bpm, end_bpm))

    def level(self) -> float:
        """The perceived level shown right now (the level of the last duty written)."""
        with self._lock:
            return self._level

    def duty(self) -> float:
        with self._lock:
            return self._duty

    def status(self) -> dict[str, float | str]:
        """Level, target, effect and remaining time, for a status panel."""
        motion, now, busy = self._motion, self._clock.now(), self.busy()
        return {
            "level": self.level(),
            "duty": self.duty(),
            "target": motion.target,
            "effect": motion.effect if busy else "none",
            "remaining": max(0.0, motion.end - now) if busy else 0.0,
        }

    def add_observer(self, observer: Callable[[float, float], None]) -> None:
        """Call ``observer(duty, level)`` after each duty change, on the thread that wrote it (the fade's, or
        the caller's for a fade's first step): keep it quick and thread-safe."""
        self._observers.append(observer)

    def report_to(self, post: Callable[[ev.Event], None]) -> None:
        """Post a failure on the fade thread as ``AdapterFailed("lamp", …)``, once per outage, and its end."""
        self._post = post

    def busy(self) -> bool:
        thread = self._thread
        return thread is not None and thread.is_alive()

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until the running fade or effect has finished; True if it has."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def close(self) -> None:
        """Stop any fade and release the output; safe to call twice."""
        with self._command:
            if self._closed:
                return
            self._closed = True
            self._halt()
            self.output.close()

    # -- playing -----------------------------------------------------------------

    def _plan(self, target: float, duration: float, curve: str) -> list[Step]:
        with self._lock:
            duty, level = self._duty, self._level
        return plan_fade(self.map, duty, level, target, duration, curve)

    def _play(self, steps: list[Step], stop: threading.Event, started: float | None = None) -> bool:
        """Write the steps at their times; True if stopped before the end.

        Steps are timed from the fade's start (``started``, or now), so a fade whose writes run late
        (a busy machine, or ``--speed 600`` where one write takes a good part of
        a step) keeps its length by leaving out steps already past, instead of
        stretching until the next command cuts it short. A gap of more than
        :data:`MAX_CATCH_UP` real seconds is the wall clock jumping (NTP at
        boot): the fade carries on from where it was, never squashed into a flash.
        """
        origin, previous = self._clock.now() if started is None else started, 0.0

        def elapsed() -> float:
            nonlocal origin
            gone = self._clock.now() - origin
            if self._clock.real_seconds(gone - previous) > MAX_CATCH_UP:  # a jump: carry on from here
                origin, gone = origin + gone - previous, previous
            return gone

        for index, step in enumerate(steps):
            delay = min(step.at - previous, step.at - elapsed())
            previous = step.at
            if delay > 0 and self._clock.wait(stop, delay):
                return True
            if stop.is_set():
                return True
            if index + 1 < len(steps) and steps[index + 1].at <= elapsed():
                continue  # the next step is due already: this one would never be seen
            self._show(step.duty, step.level)
        return False

    def _fade(self, stop: threading.Event, target: float, duration: float, curve: str) -> bool:
        return self._play(self._plan(target, duration, curve), stop)

    def _show(self, duty: float, level: float) -> None:
        with self._lock:
            changed = duty != self._duty
            if changed:
                self.output.write(duty)
                self.writes += 1
                self._duty = duty
            self._level = level
            recovered, self.fault = bool(self.fault), ""
        if recovered and self._post is not None:
            self._post(ev.AdapterRecovered("lamp"))
        if changed:
            for observer in self._observers:
                try:
                    observer(duty, level)
                except Exception:  # a watcher must never stop a fade
                    log.exception("lamp observer %r failed", observer)

    def _blink(self, stop: threading.Event, times: int, interrupted: Motion) -> None:
        base = self.level()
        peak = base + BLINK_SWING if base + BLINK_SWING <= self.max_level else max(0.0, base - BLINK_SWING)
        for i in range(times):
            if self._fade(stop, peak, BLINK_RAMP, "linear") or self._clock.wait(stop, BLINK_HOLD):
                return
            if self._fade(stop, base, BLINK_RAMP, "linear"):
                return
            if i < times - 1 and self._clock.wait(stop, BLINK_GAP):
                return
        self._resume(stop, interrupted)

    def _resume(self, stop: threading.Event, motion: Motion) -> None:
        """Carry on with a fade or breathing that a blink interrupted, as planned."""
        now = self._clock.now()
        remaining = motion.end - now
        if remaining <= 0:
            if motion.effect == "none" and self.level() != motion.target:
                self._fade(stop, motion.target, 0.0, "linear")
            return
        if motion.breathe is not None:
            low, high, start_bpm, end_bpm = motion.breathe
            total = motion.end - motion.started
            bpm_now = start_bpm + (end_bpm - start_bpm) * (now - motion.started) / total
            self._breathe(stop, low, high, remaining, bpm_now, end_bpm)
        else:
            self._fade(stop, motion.target, remaining, motion.curve)

    def _breathe(
        self, stop: threading.Event, low: float, high: float, duration: float, start_bpm: float, end_bpm: float
    ) -> None:
        lead_in = min(BREATHE_LEAD_IN, duration)
        if self._fade(stop, low, lead_in, "ease"):
            return
        for i, seconds in enumerate(breath_phases(duration - lead_in, start_bpm, end_bpm)):
            if self._fade(stop, high if i % 2 == 0 else low, seconds, "ease"):
                return

    # -- the tracked thread --------------------------------------------------------

    def _spawn(self, work: Callable[[threading.Event], object]) -> None:
        stop = threading.Event()
        self._stop = stop
        self._thread = threading.Thread(target=self._run, args=(work, stop), name="hushlight-lamp", daemon=True)
        self._thread.start()

    def _run(self, work: Callable[[threading.Event], object], stop: threading.Event) -> None:
        try:
            work(stop)
        except Exception as exc:  # the output failed: say so once, keep the daemon up
            self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        reason = f"{type(exc).__name__}: {exc}"
        with self._lock:
            first, self.fault = not self.fault, reason
        if first:
            log.error("lamp output failed during a fade: %s", reason)
            if self._post is not None:
                self._post(ev.AdapterFailed("lamp", reason))

    def _halt(self) -> None:
        thread = self._thread
        self._stop.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join()
        self._thread = None
        self._stop = threading.Event()

    def _clamp(self, level: float) -> float:
        if not math.isfinite(level):
            raise ValueError(f"lamp level must be a finite number, not {level!r}")
        return min(max(float(level), 0.0), self.max_level)


def _seconds(duration: float) -> float:
    if not math.isfinite(duration):
        raise ValueError(f"fade duration must be a finite number of seconds, not {duration!r}")
    return max(0.0, float(duration))
