"""The controller: hands each event to the part that owns it and returns the effects, in order.

The parts are functions of their own state (:mod:`lamp_actions`,
:mod:`settings_actions`, :mod:`overrides`) or small classes of their config
(:class:`Session`, :class:`Routine`, :class:`Experiment`); all state is in the
:class:`DeviceState`, every deadline in its :class:`~device.core.timers.Timers`,
each owned by one part. The controller holds no state of its own but the
button classifiers, and is the only place that knows which part follows from
which (a session's start asks the experiment, then tells the routine).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from device.config.schema import Config
from device.core import effects as fx
from device.core import events as ev
from device.core import lamp_actions as lamp
from device.core import room as room_meaning
from device.core import settings_actions as settings_part
from device.core import sound_actions as sound
from device.core import status
from device.core.buttons import Buttons
from device.core.experiment import Evidence, Experiment
from device.core.gestures import GestureKind
from device.core.overrides import OVERRIDES, Override
from device.core.record import SessionRecord
from device.core.routine import Around, Routine, StartTonight
from device.core.schedule import in_morning_window
from device.core.session import EVENING_FADE, Session
from device.core.state import DeviceState, Settings
from device.core.status import STATUS_EVENTS
from device.core.timers import OWNERS, PARTS

SHUTDOWN_FADE = 0.8  # s, sound and lamp at SIGTERM (systemd waits, the user should not hear a cut)

Effects = list[fx.Effect]
Action = Callable[[float, Any, str], Effects]


def settings_from_config(config: Config) -> Settings:
    return Settings(
        volume=min(config.sounds.volume, config.sounds.max_volume),
        session_minutes=config.routine.session_minutes,
        routine_enabled=config.routine.enabled,
        trigger=config.sounds.trigger,
    )


class Controller:
    EVENING_FADE = EVENING_FADE  # s, the session's lamp to the evening level (the session's constant)

    def __init__(self, config: Config, settings: Settings, tz: dt.tzinfo, rng: random.Random | None = None) -> None:
        self.config, self.tz = config, tz
        self.state = DeviceState(settings=settings)
        self.session, self.routine = Session(config, tz), Routine(config, tz)
        self.experiment = Experiment(config, tz, rng if rng is not None else random.Random())  # seeded in tests
        self.timers = {part: self.state.timers.of(part) for part in PARTS}
        self.buttons = Buttons(config.buttons)
        s, step = self.state, settings_part.VOLUME_STEP
        self._actions: dict[str, Action] = {
            "toggle_session": lambda now, v, src: self._stop(now, src) if s.session.active else self.start(now, src),
            "start_session": self._start_action,
            "stop_session": lambda now, v, src: self._stop(now, src),
            "session": lambda now, v, src: self.start(now, src) if v else self._stop(now, src),
            "next_trigger": self._next_trigger,
            "trigger": self._set_trigger,
            "good_night": self._good_night,
            "lamp_toggle": lambda now, v, src: self._lamp(lamp.toggle(s.lamp, config.lamp, now), now),
            "lamp": lambda now, v, src: self._lamp(lamp.command(s.lamp, config.lamp, v), now),
            "lamp_effect": lambda now, v, src: self._lamp(
                lamp.effect(s.lamp, config.lamp, self.timers["lamp"], v, now), now
            ),
            "volume_up": lambda now, v, src: self._volume(now, s.settings.volume + step),
            "volume_down": lambda now, v, src: self._volume(now, s.settings.volume - step),
            "volume_step": lambda now, v, src: self._volume(now, s.settings.volume + float(v)),
            "volume": lambda now, v, src: self._volume(now, v),
            "session_minutes": lambda now, v, src: self._replanned(
                settings_part.session_minutes(s.settings, config.routine, v), now
            ),
            "rate": self._rate,
            "rescan_triggers": lambda now, v, src: [fx.RescanTriggers()],
            "preview": lambda now, v, src: sound.preview(s, self.timers["preview"], v, now),
            "preview_stop": lambda now, v, src: sound.preview_stop(s, self.timers["preview"]),
            "pin": lambda now, v, src: sound.pin(s.settings, s.triggers, v),
            "never": lambda now, v, src: sound.never(s.settings, s.triggers, v),
            "blink": lambda now, v, src: [fx.LampBlink(sound.CONFIRM_BLINKS)],
            "none": lambda now, v, src: [],
            **{name: self._override(change) for name, change in OVERRIDES.items()},
        }

    # -- the worker's interface ------------------------------------------------

    def handle(self, event: ev.Event, now: float) -> Effects:
        """Apply one event; return the effects to carry out, in order."""
        out = self.advance(now)
        if isinstance(event, ev.ButtonEdge):  # each gesture is followed as it comes
            for button, gesture in self.buttons.edge(event):
                out += self._followed(self._gesture(button, gesture, now), now)
            return out
        if isinstance(event, STATUS_EVENTS):
            status.note(self.state, event)
            return out
        return out + self._followed(self._event(event, now), now)

    def next_deadline(self) -> float | None:
        times = [t for t in (self.buttons.deadline(), self.state.timers.next()) if t is not None]
        return min(times) if times else None

    def advance(self, now: float) -> Effects:
        """Carry out whatever has come due by ``now``."""
        out: Effects = []
        for button, gesture in self.buttons.due(now):
            out += self._followed(self._gesture(button, gesture, now), now)
        for name, when in self.state.timers.due(now):
            out += self._followed(self._timer_due(name, when, now), now)
        return out

    def replan(self, now: float) -> Effects:
        return self.routine.replan(self.state.routine, self.timers["routine"], self.state.settings, now)

    def _followed(self, effects: Effects, now: float) -> Effects:
        lamp.follow(self.state.lamp, effects, now)
        return effects

    def _event(self, event: ev.Event, now: float) -> Effects:
        if isinstance(event, ev.Command):
            return self._command(event.action, event.value, event.source, now)
        if isinstance(event, ev.SoundFailed):
            return self._sound_failed(event, now)
        if isinstance(event, ev.RoomReading):
            room_meaning.take_reading(self.state.room, event, self.config.room, self.state.lamp.level_at(event.at))
        elif isinstance(event, ev.Resume):
            return self._resume(event.session, now)
        elif isinstance(event, ev.Shutdown):
            return self._shutdown(now)
        return []

    # -- buttons and commands --------------------------------------------------------

    def _gesture(self, button: str, gesture: GestureKind, now: float) -> Effects:
        s = self.state
        if s.shutting_down:
            return []
        out: Effects = [fx.PublishEvent("button", {"button": button, "gesture": gesture})]
        ended = self.routine.press(s.routine, self.timers["routine"], s.session, now)  # ends the sunrise / night sound
        if ended is not None:
            return out + ended
        if (
            gesture in ("single", "double")
            and not s.session.active
            and in_morning_window(now, self.tz, self.config.routine)
        ):
            return out + self._rate(now, "good" if gesture == "single" else "bad", "button")
        return out + self._command(self.buttons.action(button, gesture), None, "button", now)

    def _command(self, action: str, value: Any, source: str, now: float) -> Effects:
        if self.state.shutting_down:
            return [fx.RejectCommand(action, "the device is shutting down")]
        handler = self._actions.get(action)
        if handler is None:
            return [fx.RejectCommand(action, f"unknown action {action!r}")]
        return handler(now, value, source)

    def _lamp(self, out: Effects, now: float) -> Effects:
        """A lamp action the user took: the session's sunset gives way, the routine hears of the level."""
        if not any(isinstance(e, fx.LampFade | fx.LampBreathe) for e in out):
            return out
        self.session.hold_sunset(self.timers["session"])
        level = lamp.user_level(out)
        s = self.state
        return (
            out if level is None else out + self.routine.user_lamp(s.routine, self.timers["routine"], s.session, level)
        )

    def _volume(self, now: float, value: Any) -> Effects:
        s = self.state
        out = settings_part.volume(s.settings, self.config.sounds, value)
        if _rejected(out):
            return out
        return out + self.routine.user_volume(s.routine, self.timers["routine"], s.session, s.settings.volume)

    def _rate(self, now: float, value: Any, source: str) -> Effects:
        last_start = self.state.session.started_at or None
        rating, out = settings_part.rate(self.config.routine, self.tz, value, source, last_start, now)
        self.state.last_rating = rating or self.state.last_rating
        return out

    def _override(self, change: Override) -> Action:
        def action(now: float, value: Any, source: str) -> Effects:
            morning_start = self.config.routine.morning_start
            return self._replanned(change(self.state.settings, self.tz, morning_start, value, now), now)

        return action

    def _replanned(self, out: Effects, now: float) -> Effects:
        return out if _rejected(out) else out + self.replan(now)

    # -- the session -------------------------------------------------------------

    def _start_action(self, now: float, value: Any, source: str) -> Effects:
        """Start a session; ``value`` may ask for its length in minutes (within the configured bounds)."""
        if value is None:
            return self.start(now, source)
        low, high = self.config.routine.min_session_minutes, self.config.routine.max_session_minutes
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            return [
                fx.RejectCommand("start_session", f"minutes must be a whole number in {low}..{high}, not {value!r}")
            ]
        return self.start(now, source, minutes=value)

    def start(
        self, now: float, source: str, trigger: str = "", minutes: int | None = None, planned_start: float | None = None
    ) -> Effects:
        """Start a session: the experiment picks what was not asked for, then the routine takes its part."""
        s = self.state
        if s.session.active:
            return []
        picks = self.experiment.picks(Evidence.of(s), not trigger, minutes is None)
        trigger = trigger or (picks["trigger"].value if "trigger" in picks else "")
        if not trigger:
            return [fx.RejectCommand("session", "no playable trigger in the library")]
        if "session_minutes" in picks:
            minutes = int(picks["session_minutes"].value)
        sunset_s = 60.0 * float(picks["sunset_minutes"].value) if "sunset_minutes" in picks else None
        s.preview = ""  # the session takes the speaker over from a preview
        out = self.session.start(
            s.session, s.settings, self.timers["session"], now, source, trigger, minutes, planned_start, sunset_s
        )
        length, volume = s.session.ends_at - now, s.settings.volume
        record = self.experiment.session_record(trigger, source, now, length, picks, volume, sunset_s, s.room)
        return [
            *out,
            *room_meaning.session_start_effects(s.room),
            fx.JournalRecord("session_start", record),
            *self.routine.session_started(s.routine, self.timers["routine"], Around.of(s), now),
        ]

    start_session = start

    def _stop(self, now: float, source: str, reason: str = "", fade: float | None = None) -> Effects:
        s = self.state
        if not s.session.active:
            return []
        fade = self.config.sounds.fade_out_s if fade is None else fade
        out = self.session.stop(s.session, s.lamp, self.timers["session"], now, reason or source, fade)
        return out + self.routine.session_stopped(s.routine, self.timers["routine"], s.session, reason or source)

    def _next_trigger(self, now: float, value: Any, source: str) -> Effects:
        s = self.state
        if not s.session.active:
            return self.start(now, source, trigger=self._choose_trigger(after=s.settings.last_trigger))
        trigger = self._choose_trigger(after=s.session.trigger)
        if not trigger or trigger == s.session.trigger:
            return []
        out = self.session.change_trigger(s.session, s.settings, trigger)
        return out + [fx.PublishEvent("trigger_changed", {"trigger": trigger, "source": source})]

    def _set_trigger(self, now: float, value: Any, source: str) -> Effects:
        name, s = str(value), self.state
        if name not in s.triggers:
            return [fx.RejectCommand("trigger", f"unknown trigger {name!r}")]
        if not s.session.active:
            return self.start(now, source, trigger=name)
        return [] if name == s.session.trigger else self.session.change_trigger(s.session, s.settings, name)

    def _choose_trigger(self, after: str = "") -> str:
        return self.experiment.choose_trigger(Evidence.of(self.state), after)

    def _good_night(self, now: float, value: Any, source: str) -> Effects:
        fade, s = self.config.sounds.good_night_s, self.state
        out: Effects = [e for e in self._stop(now, source, "good_night", fade) if not isinstance(e, fx.LampFade)]
        out += self.routine.good_night(s.routine, self.timers["routine"], s.session, fade)
        return out + [fx.LampFade(0.0, fade, "ease"), fx.PublishEvent("good_night", {"source": source})]

    def _sound_failed(self, event: ev.SoundFailed, now: float) -> Effects:
        s = self.state
        if event.trigger not in s.broken_triggers:
            s.broken_triggers = (*s.broken_triggers, event.trigger)
        out: Effects = [
            fx.PublishEvent("trigger_failed", {"trigger": event.trigger, "reason": event.reason}),
            fx.RejectCommand("trigger", f"trigger {event.trigger!r} cannot play ({event.reason}): marked broken"),
        ]
        if not s.session.active or s.session.trigger != event.trigger:
            return out
        replacement = self._choose_trigger(after=event.trigger)
        if replacement:
            return out + self.session.replace_trigger(s.session, s.settings.volume, replacement)
        return out + self._stop(now, "device", "no_playable_trigger", 0.5)

    def _shutdown(self, now: float) -> Effects:
        out: Effects = [
            e for e in self._stop(now, "device", "shutdown", SHUTDOWN_FADE) if not isinstance(e, fx.LampFade)
        ]
        self.state.shutting_down = True
        for timers in self.timers.values():
            timers.clear_all()
        return [*out, fx.LampFade(0.0, SHUTDOWN_FADE)]

    def _resume(self, data: dict[str, Any] | None, now: float) -> Effects:
        """At daemon start: resume the stored session if it is still within its window, then plan."""
        s = self.state
        out, stored = self.routine.read_stored(s.routine, data)
        if stored is not None and self.routine.resumable(stored, now) and not s.session.active:
            out += self._resume_session(stored, now)
        elif stored is not None and stored.active:  # it ended while the device was off
            out.append(fx.PersistSession(SessionRecord(False, routine_night=stored.routine_night).to_dict()))
        return out + self.replan(now)

    def _resume_session(self, stored: SessionRecord, now: float) -> Effects:
        s = self.state
        trigger = stored.trigger if stored.trigger in s.triggers else self._choose_trigger()
        if not trigger:
            return [fx.PublishEvent("resume_failed", {"reason": "no playable trigger in the library"})]
        volume = self.routine.resume_session(s.routine, self.timers["routine"], stored, now)
        out = self.session.resume(s.session, s.settings, self.timers["session"], stored, trigger, volume, now)
        return out + [self.routine.persist(s.routine, s.session)]

    # -- deadlines ------------------------------------------------------------------

    def _timer_due(self, name: str, when: float, now: float) -> Effects:
        s, owner = self.state, OWNERS[name]
        if owner == "routine":
            out, tonight = self.routine.due(name, s.routine, self.timers["routine"], Around.of(s), when, now)
            return out if tonight is None else out + self._start_tonight(tonight, now)
        if owner == "preview":  # preview_end
            return sound.preview_due(s)
        if owner == "lamp":  # lamp_effect_end
            lamp.effect_ended(s.lamp)
            if self.routine.breathe_ended(s.routine, s.session):
                self.session.sunset_now(self.timers["session"], now)
            return []
        if name == "sunset":
            return self.session.sunset_due(s.session, now)
        if name == "session_fade":
            return self.session.fade_due(s.session, now)
        out = self.session.end_due(s.session, when)
        return out + self.routine.session_ended(s.routine, self.timers["routine"], Around.of(s), when) if out else []

    def _start_tonight(self, tonight: StartTonight, now: float) -> Effects:
        out = self.start(now, "schedule", minutes=tonight.minutes, planned_start=tonight.planned_start)
        if tonight.breathe and self.state.session.active:  # the sunset follows when the breathing ends
            out += self._actions["lamp_effect"](now, "breathe", "schedule")
            self.routine.breathing_started(self.state.routine)
        return out


def _rejected(effects: Effects) -> bool:
    return any(isinstance(e, fx.RejectCommand) for e in effects)
