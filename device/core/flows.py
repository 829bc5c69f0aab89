"""What follows from what across the core's parts: plain functions of (the state, the parts, now, the event).

A session's start asks the experiment for tonight's picks, the session starts,
the room and the experiment add their journal data, and the routine takes its
part; a stop, a good night, a failed trigger, a restart and each due timer go
the same way, part after part. Each function here is of its own inputs (the
:class:`DeviceState`, the :class:`Parts`, the value, ``now``) and returns the
effects; none holds state between calls. The controller only routes events to
them (and to the single-part actions) through its action table.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from device.config.schema import Config
from device.core import effects as fx
from device.core import lamp_actions as lamp
from device.core import room as room_meaning
from device.core import settings_actions as settings_part
from device.core import sound_actions as sound
from device.core.experiment import Evidence, Experiment
from device.core.gestures import GestureKind
from device.core.overrides import Override
from device.core.record import SessionRecord
from device.core.routine import Around, Routine, StartTonight
from device.core.schedule import in_morning_window
from device.core.session import Session
from device.core.state import DeviceState
from device.core.timers import OWNERS, PARTS, PartTimers

SHUTDOWN_FADE = 0.8  # s, sound and lamp at SIGTERM (systemd waits, the user should not hear a cut)

Effects = list[fx.Effect]
Action = Callable[[DeviceState, "Parts", float, Any, str], Effects]
"""An action's handler: (the state, the parts, now, the command's value, its source) -> effects."""


@dataclass(frozen=True)
class Parts:
    """The core's parts (each a small class of its config) and each part's view of the timers; no state."""

    config: Config
    tz: dt.tzinfo
    session: Session
    routine: Routine
    experiment: Experiment
    timers: dict[str, PartTimers]

    @classmethod
    def of(cls, config: Config, tz: dt.tzinfo, state: DeviceState, rng: random.Random) -> Parts:
        timers = {part: state.timers.of(part) for part in PARTS}
        return cls(config, tz, Session(config, tz), Routine(config, tz), Experiment(config, tz, rng), timers)


def rejected(effects: Effects) -> bool:
    return any(isinstance(e, fx.RejectCommand) for e in effects)


def replan(s: DeviceState, p: Parts, now: float) -> Effects:
    return p.routine.replan(s.routine, p.timers["routine"], s.settings, now)


def replanned(s: DeviceState, p: Parts, out: Effects, now: float) -> Effects:
    """A settings change the plan depends on: plan again, unless it was rejected."""
    return out if rejected(out) else out + replan(s, p, now)


def override(change: Override) -> Action:
    """The action of one of the routine's run-time changes (:data:`~device.core.overrides.OVERRIDES`)."""

    def action(s: DeviceState, p: Parts, now: float, value: Any, source: str) -> Effects:
        return replanned(s, p, change(s.settings, p.tz, p.config.routine.morning_start, value, now), now)

    return action


# -- the user's lamp, volume and rating ----------------------------------------------


def user_lamp(s: DeviceState, p: Parts, out: Effects) -> Effects:
    """A lamp action the user took: the session's sunset gives way, the routine hears of the level."""
    if not any(isinstance(e, fx.LampFade | fx.LampBreathe) for e in out):
        return out
    p.session.hold_sunset(p.timers["session"])
    level = lamp.user_level(out)
    return out if level is None else out + p.routine.user_lamp(s.routine, p.timers["routine"], s.session, level)


def lamp_effect(s: DeviceState, p: Parts, now: float, value: Any, source: str) -> Effects:
    return user_lamp(s, p, lamp.effect(s.lamp, p.config.lamp, p.timers["lamp"], value, now))


def volume(s: DeviceState, p: Parts, value: Any) -> Effects:
    out = settings_part.volume(s.settings, p.config.sounds, value)
    if rejected(out):
        return out
    return out + p.routine.user_volume(s.routine, p.timers["routine"], s.session, s.settings.volume)


def rate(s: DeviceState, p: Parts, now: float, value: Any, source: str) -> Effects:
    last_start = s.session.started_at or None
    rating, out = settings_part.rate(p.config.routine, p.tz, value, source, last_start, now)
    s.last_rating = rating or s.last_rating
    return out


def press(s: DeviceState, p: Parts, gesture: GestureKind, now: float) -> Effects | None:
    """A button gesture the routine or the morning takes (ends the sunrise or the night sound, or rates
    the night); None when the gesture goes on to its button action."""
    ended = p.routine.press(s.routine, p.timers["routine"], s.session, now)
    if ended is not None:
        return ended
    if gesture in ("single", "double") and not s.session.active and in_morning_window(now, p.tz, p.config.routine):
        return rate(s, p, now, "good" if gesture == "single" else "bad", "button")
    return None


# -- the session -----------------------------------------------------------------------


def start_action(s: DeviceState, p: Parts, now: float, value: Any, source: str) -> Effects:
    """Start a session; ``value`` may ask for its length in minutes (within the configured bounds)."""
    if value is None:
        return start(s, p, now, source)
    low, high = p.config.routine.min_session_minutes, p.config.routine.max_session_minutes
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return [fx.RejectCommand("start_session", f"minutes must be a whole number in {low}..{high}, not {value!r}")]
    return start(s, p, now, source, minutes=value)


def start(
    s: DeviceState,
    p: Parts,
    now: float,
    source: str,
    trigger: str = "",
    minutes: int | None = None,
    planned_start: float | None = None,
) -> Effects:
    """Start a session: the experiment picks what was not asked for, then the routine takes its part."""
    if s.session.active:
        return []
    picks = p.experiment.picks(Evidence.of(s), not trigger, minutes is None)
    trigger = trigger or (picks["trigger"].value if "trigger" in picks else "")
    if not trigger:
        return [fx.RejectCommand("session", "no playable trigger in the library")]
    if "session_minutes" in picks:
        minutes = int(picks["session_minutes"].value)
    sunset_s = 60.0 * float(picks["sunset_minutes"].value) if "sunset_minutes" in picks else None
    s.preview = ""  # the session takes the speaker over from a preview
    out = p.session.start(
        s.session, s.settings, p.timers["session"], now, source, trigger, minutes, planned_start, sunset_s
    )
    length, volume_now = s.session.ends_at - now, s.settings.volume
    record = p.experiment.session_record(trigger, source, now, length, picks, volume_now, sunset_s, s.room)
    return [
        *out,
        *room_meaning.session_start_effects(s.room),
        fx.JournalRecord("session_start", record),
        *p.routine.session_started(s.routine, p.timers["routine"], Around.of(s), now),
    ]


def stop(s: DeviceState, p: Parts, now: float, source: str, reason: str = "", fade: float | None = None) -> Effects:
    if not s.session.active:
        return []
    fade = p.config.sounds.fade_out_s if fade is None else fade
    out = p.session.stop(s.session, s.lamp, p.timers["session"], now, reason or source, fade)
    return out + p.routine.session_stopped(s.routine, p.timers["routine"], s.session, reason or source)


def toggle(s: DeviceState, p: Parts, now: float, value: Any, source: str) -> Effects:
    return stop(s, p, now, source) if s.session.active else start(s, p, now, source)


def choose_trigger(s: DeviceState, p: Parts, after: str = "") -> str:
    return p.experiment.choose_trigger(Evidence.of(s), after)


def next_trigger(s: DeviceState, p: Parts, now: float, value: Any, source: str) -> Effects:
    if not s.session.active:
        return start(s, p, now, source, trigger=choose_trigger(s, p, after=s.settings.last_trigger))
    trigger = choose_trigger(s, p, after=s.session.trigger)
    if not trigger or trigger == s.session.trigger:
        return []
    out = p.session.change_trigger(s.session, s.settings, trigger)
    return out + [fx.PublishEvent("trigger_changed", {"trigger": trigger, "source": source})]


def set_trigger(s: DeviceState, p: Parts, now: float, value: Any, source: str) -> Effects:
    name = str(value)
    if name not in s.triggers:
        return [fx.RejectCommand("trigger", f"unknown trigger {name!r}")]
    if not s.session.active:
        return start(s, p, now, source, trigger=name)
    return [] if name == s.session.trigger else p.session.change_trigger(s.session, s.settings, name)


def good_night(s: DeviceState, p: Parts, now: float, value: Any, source: str) -> Effects:
    fade = p.config.sounds.good_night_s
    out: Effects = [e for e in stop(s, p, now, source, "good_night", fade) if not isinstance(e, fx.LampFade)]
    out += p.routine.good_night(s.routine, p.timers["routine"], s.session, fade)
    return out + [fx.LampFade(0.0, fade, "ease"), fx.PublishEvent("good_night", {"source": source})]


def sound_failed(s: DeviceState, p: Parts, trigger: str, reason: str, now: float) -> Effects:
    """A trigger cannot play: it is marked broken, and a session playing it goes on with another (or stops)."""
    if trigger not in s.broken_triggers:
        s.broken_triggers = (*s.broken_triggers, trigger)
    out: Effects = [
        fx.PublishEvent("trigger_failed", {"trigger": trigger, "reason": reason}),
        fx.RejectCommand("trigger", f"trigger {trigger!r} cannot play ({reason}): marked broken"),
    ]
    if not s.session.active or s.session.trigger != trigger:
        return out
    replacement = choose_trigger(s, p, after=trigger)
    if replacement:
        return out + p.session.replace_trigger(s.session, s.settings.volume, replacement)
    return out + stop(s, p, now, "device", "no_playable_trigger", 0.5)


def shutdown(s: DeviceState, p: Parts, now: float) -> Effects:
    out: Effects = [e for e in stop(s, p, now, "device", "shutdown", SHUTDOWN_FADE) if not isinstance(e, fx.LampFade)]
    s.shutting_down = True
    for timers in p.timers.values():
        timers.clear_all()
    return [*out, fx.LampFade(0.0, SHUTDOWN_FADE)]


def resume(s: DeviceState, p: Parts, data: dict[str, Any] | None, now: float) -> Effects:
    """At daemon start: resume the stored session if it is still within its window, then plan."""
    out, stored = p.routine.read_stored(s.routine, data)
    if stored is not None and p.routine.resumable(stored, now) and not s.session.active:
        out += _resume_session(s, p, stored, now)
    elif stored is not None and stored.active:  # it ended while the device was off
        out.append(fx.PersistSession(SessionRecord(False, routine_night=stored.routine_night).to_dict()))
    return out + replan(s, p, now)


def _resume_session(s: DeviceState, p: Parts, stored: SessionRecord, now: float) -> Effects:
    trigger = stored.trigger if stored.trigger in s.triggers else choose_trigger(s, p)
    if not trigger:
        return [fx.PublishEvent("resume_failed", {"reason": "no playable trigger in the library"})]
    volume_now = p.routine.resume_session(s.routine, p.timers["routine"], stored, now)
    out = p.session.resume(s.session, s.settings, p.timers["session"], stored, trigger, volume_now, now)
    return out + [p.routine.persist(s.routine, s.session)]


# -- deadlines ---------------------------------------------------------------------------


def timer_due(s: DeviceState, p: Parts, name: str, when: float, now: float) -> Effects:
    """A due timer, to the part that owns it (:data:`~device.core.timers.OWNERS`), and what follows."""
    owner = OWNERS[name]
    if owner == "routine":
        out, tonight = p.routine.due(name, s.routine, p.timers["routine"], Around.of(s), when, now)
        return out if tonight is None else out + _start_tonight(s, p, tonight, now)
    if owner == "preview":  # preview_end
        return sound.preview_due(s)
    if owner == "lamp":  # lamp_effect_end
        lamp.effect_ended(s.lamp)
        if p.routine.breathe_ended(s.routine, s.session):
            p.session.sunset_now(p.timers["session"], now)
        return []
    if name == "sunset":
        return p.session.sunset_due(s.session, now)
    if name == "session_fade":
        return p.session.fade_due(s.session, now)
    out = p.session.end_due(s.session, when)
    return out + p.routine.session_ended(s.routine, p.timers["routine"], Around.of(s), when) if out else []


def _start_tonight(s: DeviceState, p: Parts, tonight: StartTonight, now: float) -> Effects:
    out = start(s, p, now, "schedule", minutes=tonight.minutes, planned_start=tonight.planned_start)
    if tonight.breathe and s.session.active:  # the sunset follows when the breathing ends
        out += lamp_effect(s, p, now, "breathe", "schedule")
        p.routine.breathing_started(s.routine)
    return out
