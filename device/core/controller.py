"""The controller: decides what the device does from (state, event, now).

It owns the :class:`DeviceState`, takes one event at a time, and returns the
effects for the adapters to carry out. Time-based work (the session's time
limit, the start of the sunset, a pending single press) is kept as deadlines:
the worker asks :meth:`Controller.next_deadline` and calls
:meth:`Controller.advance` when it comes.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from typing import Any

from device.config.schema import ButtonConfig, Config
from device.core import effects as fx
from device.core import events as ev
from device.core import record
from device.core import room as room_meaning
from device.core.experiment import Experiment
from device.core.gestures import GestureClassifier, GestureKind, GestureTiming
from device.core.lamp_actions import LAMP_ON_FADE, LampActions
from device.core.overrides import routine_actions
from device.core.routine import TIMERS as ROUTINE_TIMERS
from device.core.routine import Routine
from device.core.schedule import in_morning_window, iso, night_of
from device.core.settings_actions import SettingsActions
from device.core.state import DeviceState, SessionState, Settings

MIN_SESSION = 60.0  # s, the shortest session a late start may leave
SHUTDOWN_FADE = 0.8  # s, sound and lamp at SIGTERM (systemd waits, the user should not hear a cut)
FAILOVER_S = 1.0  # s, the crossfade from a trigger that broke while playing into the next

Effects = list[fx.Effect]


def settings_from_config(config: Config) -> Settings:
    return Settings(
        volume=min(config.sounds.volume, config.sounds.max_volume),
        session_minutes=config.routine.session_minutes,
        routine_enabled=config.routine.enabled,
        trigger=config.sounds.trigger,
    )


class Controller:
    EVENING_FADE = LAMP_ON_FADE * 3  # s, a session's lamp to the evening level; the sunset follows

    def __init__(self, config: Config, settings: Settings, tz: dt.tzinfo, rng: random.Random | None = None) -> None:
        self.config = config
        self.tz = tz
        self.rng = rng if rng is not None else random.Random()  # the experiment's draws; seeded in tests
        self.state = DeviceState(settings=settings)
        self.timers: dict[str, float] = {}
        self.routine = Routine(self)
        self.lamp = LampActions(self)
        self.experiment = Experiment(self)
        self.settings_actions = SettingsActions(self)
        timing = GestureTiming(
            debounce=config.buttons.debounce_ms / 1000,
            double_window=config.buttons.double_press_ms / 1000,
            long_press=config.buttons.long_press_ms / 1000,
        )
        self._buttons: dict[str, ButtonConfig] = {"main": config.buttons.main}
        if config.buttons.second is not None:
            self._buttons["second"] = config.buttons.second
        self._gestures = {name: GestureClassifier(timing) for name in self._buttons}
        self._actions: dict[str, Callable[[float, Any, str], Effects]] = {
            "toggle_session": self._toggle_session,
            "start_session": self._start_session_action,
            "stop_session": self._stop_session_action,
            "session": self._session_switch,
            "next_trigger": self._next_trigger_action,
            "trigger": self._set_trigger,
            "good_night": self._good_night,
            **self.lamp.actions(),  # lamp_toggle, lamp, lamp_effect
            **self.settings_actions.actions(),  # volume_*, session_minutes, rate
            "rescan_triggers": lambda now, value, source: [fx.RescanTriggers()],
            "none": lambda now, value, source: [],
            **routine_actions(self.routine),  # skip_tonight, tonight_sleep, day_sleep, day_wake, dates_off, routine
        }

    # -- the worker's interface ------------------------------------------------

    def handle(self, event: ev.Event, now: float) -> Effects:
        """Apply one event; return the effects to carry out, in order."""
        out = self.advance(now)
        if isinstance(event, ev.ButtonEdge):
            out += self._button_edge(event, now)
        elif isinstance(event, ev.Command):
            out += self._command(event.action, event.value, event.source, now)
        elif isinstance(event, ev.TriggersAvailable):
            self.state.triggers = event.names
            self.state.broken_triggers = event.broken
        elif isinstance(event, ev.SoundFailed):
            out += self._sound_failed(event, now)
        elif isinstance(event, ev.AdapterFailed):
            self.state.faults[event.adapter] = event.error
        elif isinstance(event, ev.AdapterRecovered):
            self.state.faults.pop(event.adapter, None)
        elif isinstance(event, ev.HubConnection):
            self.state.hub_connected = event.connected
        elif isinstance(event, ev.RoomReading):
            out += self._room_reading(event)
        elif isinstance(event, ev.JournalStats):
            self.state.rating_counts = event.counts
            self.state.favourite_trigger = event.favourite
            self.state.routine_streak, self.state.routine_streak_until = event.streak, event.streak_until
        elif isinstance(event, ev.Resume):
            out += self.routine.resume(event.session, now)
        elif isinstance(event, ev.Shutdown):
            out += self._shutdown(event, now)
        return out

    def next_deadline(self) -> float | None:
        times = list(self.timers.values())
        times += [t for g in self._gestures.values() if (t := g.deadline()) is not None]
        return min(times) if times else None

    def advance(self, now: float) -> Effects:
        """Carry out whatever has come due by ``now``."""
        out: Effects = []
        for name, classifier in self._gestures.items():
            for gesture in classifier.due(now):
                out += self._gesture(name, gesture, now)
        for name, when in sorted(self.timers.items(), key=lambda item: item[1]):
            if when <= now and self.timers.get(name) == when:
                del self.timers[name]
                out += self._timer_due(name, when, now)
        return out

    # -- buttons ---------------------------------------------------------------

    def _button_edge(self, edge: ev.ButtonEdge, now: float) -> Effects:
        classifier = self._gestures.get(edge.button)
        if classifier is None:
            return []
        out: Effects = []
        for gesture in classifier.edge(edge.pressed, edge.at):
            out += self._gesture(edge.button, gesture, now)
        return out

    def _gesture(self, button: str, gesture: GestureKind, now: float) -> Effects:
        if self.state.shutting_down:
            return []
        out: Effects = [fx.PublishEvent("button", {"button": button, "gesture": gesture})]
        ended = self.routine.press(now)  # a press during the sunrise or the night sound ends it
        if ended is not None:
            return out + ended
        if gesture in ("single", "double") and self._in_morning_window(now):
            rating = "good" if gesture == "single" else "bad"
            return out + self.settings_actions.rate(now, rating, "button")
        action = getattr(self._buttons[button], gesture)
        return out + self._command(action, None, "button", now)

    def _in_morning_window(self, now: float) -> bool:
        return not self.state.session.active and in_morning_window(now, self.tz, self.config.routine)

    # -- commands --------------------------------------------------------------

    def _command(self, action: str, value: Any, source: str, now: float) -> Effects:
        if self.state.shutting_down:
            return [fx.RejectCommand(action, "the device is shutting down")]
        handler = self._actions.get(action)
        if handler is None:
            return [fx.RejectCommand(action, f"unknown action {action!r}")]
        return handler(now, value, source)

    def _toggle_session(self, now: float, value: Any, source: str) -> Effects:
        if self.state.session.active:
            return self._stop_session(now, source, reason=source)
        return self.start_session(now, source)

    def _start_session_action(self, now: float, value: Any, source: str) -> Effects:
        """Start a session; ``value`` may ask for its length in minutes (within the configured bounds)."""
        if value is None:
            return self.start_session(now, source)
        low, high = self.config.routine.min_session_minutes, self.config.routine.max_session_minutes
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            return [
                fx.RejectCommand("start_session", f"minutes must be a whole number in {low}..{high}, not {value!r}")
            ]
        return self.start_session(now, source, minutes=value)

    def _stop_session_action(self, now: float, value: Any, source: str) -> Effects:
        return self._stop_session(now, source, reason=source)

    def _session_switch(self, now: float, value: Any, source: str) -> Effects:
        return self.start_session(now, source) if value else self._stop_session(now, source, reason=source)

    def start_session(
        self,
        now: float,
        source: str,
        trigger: str | None = None,
        minutes: int | None = None,
        planned_start: float | None = None,
    ) -> Effects:
        """Start a session of ``minutes`` (default: the experiment's pick or the setting).

        A scheduled session passes its ``planned_start``: its length counts from there, so a
        wind-down that starts a little late still ends on plan.
        """
        if self.state.session.active:
            return []
        picks = self.experiment.picks(not trigger, minutes is None)
        trigger = trigger or (picks["trigger"].value if "trigger" in picks else "")
        if not trigger:
            return [fx.RejectCommand("session", "no playable trigger in the library")]
        if "session_minutes" in picks:
            minutes = int(picks["session_minutes"].value)
        start = now if planned_start is None else min(planned_start, now)
        ends_at = max(now + MIN_SESSION, start + 60.0 * (minutes or self.state.settings.session_minutes))
        length = ends_at - now
        sounds, lamp = self.config.sounds, self.config.lamp
        self.state.session = SessionState(
            active=True, trigger=trigger, started_by=source, started_at=now, ends_at=ends_at
        )
        self.state.settings.last_trigger = trigger
        evening = min(lamp.evening_level, lamp.max_level)
        self.state.lamp.start_fade(now, evening, self.EVENING_FADE, "ease")
        self.state.lamp.effect = "none"
        sunset_at = now + self.EVENING_FADE
        self.state.session.sunset_at = sunset_at
        sunset = picks.get("sunset_minutes")
        self.state.session.sunset_s = 60.0 * float(sunset.value) if sunset else None
        self.timers["sunset"] = sunset_at
        self.timers["session_fade"] = max(now, ends_at - sounds.fade_out_s)
        self.timers["session_end"] = ends_at
        started = {
            "trigger": trigger,
            "source": source,
            "minutes": round(length / 60, 2),
            "ends_at": iso(ends_at, self.tz),
        }
        return [
            fx.PlaySound(trigger, self.state.settings.volume, sounds.fade_in_s),
            fx.LampFade(evening, self.EVENING_FADE, "ease"),
            fx.PersistSettings(self.state.settings.to_dict()),
            fx.PublishEvent("session_started", started),
            *room_meaning.session_start_effects(self.state.room),
            fx.JournalRecord("session_start", self.experiment.session_record(trigger, source, now, length, picks)),
            *self.routine.session_started(now),
        ]

    def _stop_session(self, now: float, source: str, reason: str, fade: float | None = None) -> Effects:
        session = self.state.session
        if not session.active:
            return []
        fade = self.config.sounds.fade_out_s if fade is None else fade
        for name in ("sunset", "session_fade", "session_end"):
            self.timers.pop(name, None)
        lamp_moving = self.state.lamp.fade_end > now
        level = self.state.lamp.level_at(now)
        self.state.lamp.start_fade(now, level, 0.0)
        self.state.session = SessionState(started_at=session.started_at, trigger=session.trigger)
        out: Effects = [fx.FadeOutSound(fade)]
        if lamp_moving:  # hold the lamp where the sunset has brought it
            out.append(fx.LampFade(level, 0.0))
        return out + [
            fx.PublishEvent("session_ended", {"trigger": session.trigger, "reason": reason}),
            self._session_end(session, now, reason),
            *self.routine.session_stopped(reason),
        ]

    def _next_trigger_action(self, now: float, value: Any, source: str) -> Effects:
        session = self.state.session
        if not session.active:
            return self.start_session(now, source, trigger=self._choose_trigger(after=self.state.settings.last_trigger))
        trigger = self._choose_trigger(after=session.trigger)
        if not trigger or trigger == session.trigger:
            return []
        session.trigger = trigger
        self.state.settings.last_trigger = trigger
        return [
            fx.CrossfadeSound(trigger, self.config.sounds.crossfade_s),
            fx.PublishEvent("trigger_changed", {"trigger": trigger, "source": source}),
        ]

    def _set_trigger(self, now: float, value: Any, source: str) -> Effects:
        name = str(value)
        if name not in self.state.triggers:
            return [fx.RejectCommand("trigger", f"unknown trigger {name!r}")]
        session = self.state.session
        if session.active:
            if name == session.trigger:
                return []
            session.trigger = name
            self.state.settings.last_trigger = name
            return [fx.CrossfadeSound(name, self.config.sounds.crossfade_s)]
        return self.start_session(now, source, trigger=name)

    def _choose_trigger(self, after: str = "") -> str:
        """The trigger after ``after`` in the library; without ``after``, the experiment policy's choice."""
        if not after:
            pick = self.experiment.pick("trigger")
            return pick.value if pick is not None else ""
        excluded = set(self.config.sounds.exclude) | set(self.state.broken_triggers)
        names = [t for t in self.state.triggers if t not in excluded]
        if not names:
            return ""
        if after in names:
            return names[(names.index(after) + 1) % len(names)]
        return names[0]

    def _good_night(self, now: float, value: Any, source: str) -> Effects:
        fade = self.config.sounds.good_night_s
        out = self._stop_session(now, source, reason="good_night", fade=fade)
        out = [e for e in out if not isinstance(e, fx.LampFade)]
        out += self.routine.good_night(now, fade)
        self.state.lamp.start_fade(now, 0.0, fade, "ease")
        out += [fx.LampFade(0.0, fade, "ease"), fx.PublishEvent("good_night", {"source": source})]
        return out

    def _session_end(self, session: SessionState, end: float, reason: str) -> fx.JournalRecord:
        night = night_of(session.started_at, self.tz, self.config.routine.morning_start).isoformat()
        return record.session_end(session.trigger, session.started_at, end, reason, night)

    # -- other events ------------------------------------------------------------

    def _sound_failed(self, event: ev.SoundFailed, now: float) -> Effects:
        if event.trigger not in self.state.broken_triggers:
            self.state.broken_triggers = (*self.state.broken_triggers, event.trigger)
        out: Effects = [
            fx.PublishEvent("trigger_failed", {"trigger": event.trigger, "reason": event.reason}),
            fx.RejectCommand("trigger", f"trigger {event.trigger!r} cannot play ({event.reason}): marked broken"),
        ]
        session = self.state.session
        if session.active and session.trigger == event.trigger:
            replacement = self._choose_trigger(after=event.trigger)
            if replacement:
                session.trigger = replacement
                # A damaged file has only its buffered second or so left: the next one must be there by then.
                fade = min(self.config.sounds.crossfade_s, FAILOVER_S)
                out.append(fx.PlaySound(replacement, self.state.settings.volume, fade))
            else:
                out += self._stop_session(now, "device", reason="no_playable_trigger", fade=0.5)
        return out

    def _room_reading(self, event: ev.RoomReading) -> Effects:
        room = self.state.room
        room.temperature_c, room.humidity = event.temperature_c, event.humidity
        room.pressure_hpa, room.lux, room.at = event.pressure_hpa, event.lux, event.at
        room_meaning.evaluate(room, self.config.room, self.state.lamp.level_at(event.at))
        return []

    def _shutdown(self, event: ev.Shutdown, now: float) -> Effects:
        out = self._stop_session(now, "device", reason="shutdown", fade=SHUTDOWN_FADE)
        out = [e for e in out if not isinstance(e, fx.LampFade)]
        self.state.shutting_down = True
        self.timers.clear()
        self.state.lamp.start_fade(now, 0.0, SHUTDOWN_FADE)
        return [*out, fx.LampFade(0.0, SHUTDOWN_FADE)]

    def _timer_due(self, name: str, when: float, now: float) -> Effects:
        if name in ROUTINE_TIMERS:
            return self.routine.timer_due(name, when, now)
        session = self.state.session
        if name == "lamp_effect_end":
            self.state.lamp.effect = "none"
            return self.routine.breathe_ended(now)
        # Durations from now, not from when: a late wake-up must not push the end past the session's.
        if name == "sunset" and session.active:
            night = min(self.config.lamp.night_level, self.config.lamp.max_level)
            duration = max(0.0, session.ends_at - now)
            if session.sunset_s is not None:  # the experiment's sunset length, never past the session's end
                duration = min(duration, session.sunset_s)
            self.state.lamp.start_fade(now, night, duration, "sunset")
            return [fx.LampFade(night, duration, "sunset")]
        if name == "session_fade" and session.active:
            return [fx.FadeOutSound(max(0.0, session.ends_at - now))]
        if name == "session_end" and session.active:
            self.state.session = SessionState(started_at=session.started_at, trigger=session.trigger)
            out: Effects = [
                fx.PublishEvent("session_ended", {"trigger": session.trigger, "reason": "time_limit"}),
                self._session_end(session, when, "time_limit"),
            ]
            return out + self.routine.session_ended(when, session.trigger)
        return []
