"""The bedtime routine inside the controller: wind-down, who wins, night sound, sunrise, resume.

The :class:`Routine` shares the controller's state and timers and is called
from a few places in it (session start and end, the user taking the lamp or
the volume, a press, the routine's own timers). Its decisions follow the rules
in the README's "Bedtime routine" section:

- the wind-down starts the night's session (``started_by="schedule"``) at the
  planned time, or up to ``late_start_minutes`` later (device was off, clock
  jumped); later than that the night is skipped, never started at 3 a.m.;
- a session already playing at wind-down time (the user's) wins: the routine
  does not start a second one that night;
- once it has handled a night (started, yielded or missed) it does not start
  again that night, not even after a restart: the stored session says so;
- the user taking the lamp or the volume during a session stops the sunset or
  the easing for that session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from device.config.schema import WEEKDAYS
from device.core import effects as fx
from device.core.record import SessionRecord, eased_volume, sunset_level
from device.core.schedule import Night, Overrides, Schedule, Wake, iso
from device.core.state import RoutineState, SessionState

if TYPE_CHECKING:
    from device.core.controller import Controller

Effects = list[fx.Effect]

TIMERS = ("winddown", "volume_ease", "sunrise", "wake_sound", "morning_off", "allnight_end", "replan")
RESUME_FADE = 10.0  # s, lamp from off to where the sunset is now: gentle, never a jump
MIN_RESUME = 30.0  # s, a session with less than this left is not resumed
ALLNIGHT_FADE = 60.0  # s, fade in and out of the all-night sound
WAKE_SOUND_FADE = 120.0  # s, the wake sound is at its volume at the wake time
MORNING_FADE = 60.0  # s, light and wake sound off after the morning hold
PRESS_FADE = 3.0  # s, a press ends the sunrise or the night sound


class Routine:
    def __init__(self, ctl: Controller) -> None:
        self.ctl = ctl
        self.config = ctl.config.routine
        self._night: Night | None = None  # the wind-down the "winddown" timer is for
        self._wake: Wake | None = None  # the sunrise the "sunrise" timer is for
        self._wake_done = ""  # the last morning whose sunrise ran (or was stopped)
        self._wake_sound = False
        self._breathing = False  # the routine started the breathing light for its session
        self._start_volume = 0.0
        self._sunset_s: float | None = None  # the experiment's sunset length, from the session's sunset start

    @property
    def state(self) -> RoutineState:
        return self.ctl.state.routine

    def schedule(self) -> Schedule:
        return Schedule(self.config, self.ctl.tz, Overrides.from_settings(self.ctl.state.settings))

    # -- planning ----------------------------------------------------------------

    def replan(self, now: float) -> Effects:
        """Set the routine's timers from the plan; call after anything that changes it."""
        sched, st, timers, tz = self.schedule(), self.state, self.ctl.timers, self.ctl.tz
        night = sched.night_of(now)
        st.night, st.tonight_sleep = night.isoformat(), str(sched.sleep_time(night))
        st.tonight_skipped = sched.skipped(night)
        self._night = sched.next_night(now, late=60.0 * self.config.late_start_minutes, after=st.done_night)
        self._wake = sched.next_wake(now, after=self._wake_done) if self.ctl.state.settings.routine_enabled else None
        st.next_winddown = st.next_sleep = st.next_sunrise = ""
        timers.pop("winddown", None)
        timers.pop("sunrise", None)
        if self._night is not None:
            timers["winddown"] = self._night.winddown_at
            st.next_winddown, st.next_sleep = iso(self._night.winddown_at, tz), iso(self._night.sleep_at, tz)
        if self._wake is not None:
            timers["sunrise"] = self._wake.sunrise_at
            st.next_sunrise = iso(self._wake.sunrise_at, tz)
        timers["replan"] = sched.next_local(now, self.config.morning_start)  # "tonight" rolls over
        return []

    def timer_due(self, name: str, when: float, now: float) -> Effects:
        """One of :data:`TIMERS` came due (planned for ``when``, handled at ``now``)."""
        if name == "replan":
            return self.replan(now)
        handler: Callable[[float, float], Effects] = getattr(self, f"_{name}_due")
        return handler(when, now)

    def _winddown_due(self, when: float, now: float) -> Effects:
        night, session = self._night, self.ctl.state.session
        if night is None:
            return self.replan(now)
        self.state.done_night = night.night.isoformat()
        info = {"night": night.night.isoformat(), "planned": iso(night.winddown_at, self.ctl.tz)}
        late = now - night.winddown_at
        if late > 60.0 * self.config.late_start_minutes or now >= night.ends_at - MIN_RESUME:
            out: Effects = [fx.PublishEvent("winddown_missed", {**info, "late_minutes": round(late / 60)})]
            out.append(self.persist())
        elif session.active:  # the user's own session is playing: it wins tonight
            out = [fx.PublishEvent("winddown_yielded", {**info, "to": session.started_by}), self.persist()]
        else:
            out = self._start_scheduled(night, now)
        return out + self.replan(now)

    def _start_scheduled(self, night: Night, now: float) -> Effects:
        """The night's session, counted from its planned start; with the breathing light first if asked."""
        day_minutes = getattr(self.config, WEEKDAYS[night.night.weekday()]).session_minutes or None
        out = self.ctl.start_session(now, "schedule", minutes=day_minutes, planned_start=night.winddown_at)
        if self.config.breathe and self.ctl.state.session.active:
            out += self.ctl.lamp.effect(now, "breathe", "schedule")  # the sunset follows when it ends
            self._breathing = True
        return out

    def breathe_ended(self, now: float) -> Effects:
        """The breathing light has ended: the routine's sunset goes on from where it left the lamp."""
        session = self.ctl.state.session
        if self._breathing and session.active and self.state.lamp_user is None:
            self.ctl.timers["sunset"] = now
        self._breathing = False
        return []

    # -- the session's life --------------------------------------------------------

    def session_started(self, now: float) -> Effects:
        """A session has just started (any source): the routine's part of it."""
        session, sounds = self.ctl.state.session, self.ctl.config.sounds
        self._quiet_night_and_morning()
        self._breathing = False
        self.state.lamp_user = self.state.volume_user = None
        self._start_volume = self.ctl.state.settings.volume
        self._sunset_s = session.sunset_s
        if self.config.end_volume < 1.0:
            self.ctl.timers["volume_ease"] = min(now + sounds.fade_in_s, session.ends_at)
        return [self.persist()]

    def session_stopped(self, reason: str) -> Effects:
        """The session was stopped before its time limit (user, good night, failure, shutdown)."""
        self.ctl.timers.pop("volume_ease", None)
        if reason == "shutdown":  # keep the record: the next start resumes the session
            return []
        return [self.persist()]

    def session_ended(self, when: float, trigger: str) -> Effects:
        """The session reached its time limit: the night sound follows, if configured."""
        self.ctl.timers.pop("volume_ease", None)
        out: Effects = [self.persist()]
        if self.config.allnight:
            out += self._start_allnight(when, trigger)
        return out

    def _volume_ease_due(self, when: float, now: float) -> Effects:
        session = self.ctl.state.session
        if not session.active or self.state.volume_user is not None:
            return []
        target = self._start_volume * self.config.end_volume
        return [fx.SetVolume(target, max(0.0, session.ends_at - now))]

    def user_lamp(self, now: float, level: float) -> Effects:
        """The user set the lamp: no sunset for this session, no sunrise fighting back this morning."""
        out = self._end_sunrise() if self.state.sunrise else []  # the wake sound goes, the lamp is theirs
        if not self.ctl.state.session.active:
            return out
        self.state.lamp_user = level
        return [*out, self.persist()]

    def user_volume(self, now: float, volume: float) -> Effects:
        """The user set the volume: the easing stops for this session."""
        if not self.ctl.state.session.active:
            return []
        self.ctl.timers.pop("volume_ease", None)
        self.state.volume_user = volume
        return [self.persist()]

    def record(self) -> SessionRecord:
        session = self.ctl.state.session
        return SessionRecord(
            active=session.active,
            trigger=session.trigger,
            started_by=session.started_by,
            started_at=session.started_at,
            ends_at=session.ends_at,
            volume=self._start_volume,
            routine_night=self.state.done_night,
            lamp_user=self.state.lamp_user if session.active else None,
            volume_user=self.state.volume_user if session.active else None,
            sunset_s=self._sunset_s if session.active else None,
        )

    def persist(self) -> fx.PersistSession:
        return fx.PersistSession(self.record().to_dict())

    # -- restarts ----------------------------------------------------------------------

    def resume(self, data: dict[str, Any] | None, now: float) -> Effects:
        """At daemon start: resume the stored session if it is still within its window, then plan."""
        out: Effects = []
        record = None
        if data:
            try:
                record = SessionRecord.from_dict(data)
            except ValueError as exc:
                out.append(fx.PublishEvent("resume_failed", {"reason": str(exc)}))
        if record is not None:
            self.state.done_night = record.routine_night
            live = record.active and record.started_at <= now < record.ends_at - MIN_RESUME
            if live and not self.ctl.state.session.active:
                out += self._resume_session(record, now)
            elif record.active:  # it ended while the device was off
                out.append(fx.PersistSession(SessionRecord(False, routine_night=record.routine_night).to_dict()))
        return out + self.replan(now)

    def _resume_session(self, record: SessionRecord, now: float) -> Effects:
        ctl, sounds = self.ctl, self.ctl.config.sounds
        trigger = record.trigger if record.trigger in ctl.state.triggers else ctl._choose_trigger()
        if not trigger:
            return [fx.PublishEvent("resume_failed", {"reason": "no playable trigger in the library"})]
        ctl.state.session = SessionState(
            active=True,
            trigger=trigger,
            started_by=record.started_by,
            started_at=record.started_at,
            ends_at=record.ends_at,
            sunset_at=max(record.started_at + ctl.EVENING_FADE, now + RESUME_FADE),
        )
        ctl.state.settings.last_trigger = trigger
        self._start_volume, self._sunset_s = record.volume, record.sunset_s
        self.state.lamp_user, self.state.volume_user = record.lamp_user, record.volume_user
        level, volume = self._resumed_lamp(record, now), self._resumed_volume(record, now)
        ctl.timers["session_fade"] = max(now, record.ends_at - sounds.fade_out_s)
        ctl.timers["session_end"] = record.ends_at
        resumed = {
            "trigger": trigger,
            "source": record.started_by,
            "remaining": round(record.ends_at - now),
            "ends_at": iso(record.ends_at, ctl.tz),
            "lamp": round(level, 2),
        }
        return [
            fx.PlaySound(trigger, volume, sounds.fade_in_s),
            fx.LampFade(level, RESUME_FADE, "ease"),
            fx.PublishEvent("session_resumed", resumed),
            self.persist(),
        ]

    def _resumed_lamp(self, record: SessionRecord, now: float) -> float:
        """Fade from off to where the sunset will be when the fade ends (or to the user's level)."""
        lamp = self.ctl.config.lamp
        level = record.lamp_user
        if level is None:
            evening, night = min(lamp.evening_level, lamp.max_level), min(lamp.night_level, lamp.max_level)
            sunset_at = record.started_at + self.ctl.EVENING_FADE
            sunset_end = record.ends_at if record.sunset_s is None else min(record.ends_at, sunset_at + record.sunset_s)
            level = sunset_level(evening, night, sunset_at, sunset_end, now + RESUME_FADE)
            self.ctl.timers["sunset"] = now + RESUME_FADE  # then on down to the night level by its end
            if record.sunset_s is not None:  # what is left of the experiment's sunset
                self.ctl.state.session.sunset_s = max(0.0, sunset_end - (now + RESUME_FADE))
        self.ctl.state.lamp.start_fade(now, level, RESUME_FADE, "ease")
        return level

    def _resumed_volume(self, record: SessionRecord, now: float) -> float:
        """The volume the easing has reached by now (or the user's), and the easing's timer."""
        if record.volume_user is not None:
            return record.volume_user
        fade_in = self.ctl.config.sounds.fade_in_s
        if self.config.end_volume < 1.0:
            self.ctl.timers["volume_ease"] = min(now + fade_in, record.ends_at)
        ease_from = record.started_at + fade_in
        return eased_volume(record.volume, self.config.end_volume, ease_from, record.ends_at, now)

    # -- through the night and the morning --------------------------------------------

    def _start_allnight(self, when: float, trigger: str) -> Effects:
        names = [t for t in self.ctl.state.triggers if t not in self.ctl.state.broken_triggers]
        wanted = self.config.allnight_trigger
        noise = [t for t in names if "noise" in t]
        chosen = wanted if wanted in names else (noise[0] if noise else trigger)
        if not chosen:
            return []
        self.state.allnight = True
        sched = self.schedule()
        until = sched.next_local(when, self.config.morning_start)
        if self._wake is not None:
            until = min(until, self._wake.sunrise_at)
        self.ctl.timers["allnight_end"] = until
        return [
            fx.PlaySound(chosen, self.config.allnight_volume, ALLNIGHT_FADE),
            fx.PublishEvent("allnight_started", {"trigger": chosen, "until": iso(until, self.ctl.tz)}),
        ]

    def _allnight_end_due(self, when: float, now: float) -> Effects:
        if not self.state.allnight or self.ctl.state.session.active:
            return []
        self.state.allnight = False
        return [fx.FadeOutSound(ALLNIGHT_FADE)]

    def _sunrise_due(self, when: float, now: float) -> Effects:
        wake, ctl = self._wake, self.ctl
        if wake is None:
            return self.replan(now)
        self._wake_done = wake.day.isoformat()
        if ctl.state.session.active:  # a session at that hour is the user's: it wins
            return self.replan(now)
        target = min(self.config.morning_level, ctl.config.lamp.max_level)
        if ctl.state.lamp.level_at(now) >= target:  # the lamp is already on: someone is awake
            return self.replan(now)
        ctl.state.lamp.start_fade(now, target, max(0.0, wake.wake_at - now), "linear")
        ctl.state.lamp.effect = "none"
        out: Effects = [
            fx.PublishEvent("sunrise_started", {"wake": iso(wake.wake_at, ctl.tz)}),
            fx.LampFade(target, max(0.0, wake.wake_at - now), "linear"),
        ]
        self.state.sunrise = True
        if self.config.wake_sound:
            ctl.timers["wake_sound"] = max(now, wake.wake_at - WAKE_SOUND_FADE)
        if self.config.morning_hold_minutes:
            ctl.timers["morning_off"] = wake.wake_at + 60.0 * self.config.morning_hold_minutes
        self._wake = None
        return out + self.replan(now)

    def _wake_sound_due(self, when: float, now: float) -> Effects:
        name = self.config.wake_sound
        if not self.state.sunrise or self.ctl.state.session.active or name not in self.ctl.state.triggers:
            return []
        self._wake_sound = True
        return [fx.PlaySound(name, self.config.wake_volume, WAKE_SOUND_FADE)]

    def _morning_off_due(self, when: float, now: float) -> Effects:
        if not self.state.sunrise:
            return []
        return self._end_sunrise(now, MORNING_FADE)

    def _end_sunrise(self, now: float | None = None, fade: float = PRESS_FADE) -> Effects:
        """End the sunrise; with ``now``, fade its light and wake sound out, else leave the lamp be."""
        for name in ("wake_sound", "morning_off"):
            self.ctl.timers.pop(name, None)
        self.state.sunrise = False
        out: Effects = []
        if self._wake_sound and not self.ctl.state.session.active:
            out.append(fx.FadeOutSound(fade))
        self._wake_sound = False
        if now is not None:
            self.ctl.state.lamp.start_fade(now, 0.0, fade, "ease")
            out.append(fx.LampFade(0.0, fade, "ease"))
        return out

    def _quiet_night_and_morning(self) -> None:
        """A session starts: the night sound and the sunrise give way (the session replaces the sound)."""
        self.ctl.timers.pop("allnight_end", None)
        self.state.allnight = False
        for name in ("wake_sound", "morning_off"):
            self.ctl.timers.pop(name, None)
        self.state.sunrise, self._wake_sound = False, False

    def press(self, now: float) -> Effects | None:
        """A press during the sunrise or the night sound ends it (and does nothing else)."""
        if self.state.sunrise:
            return [*self._end_sunrise(now), fx.PublishEvent("sunrise_stopped", {"source": "button"})]
        if self.state.allnight and not self.ctl.state.session.active:
            self.ctl.timers.pop("allnight_end", None)
            self.state.allnight = False
            return [fx.FadeOutSound(PRESS_FADE), fx.PublishEvent("allnight_stopped", {"source": "button"})]
        return None

    def good_night(self, now: float, fade: float) -> Effects:
        """Good night: the night sound and the wake sound go too (the controller fades the lamp)."""
        sound_on = (self.state.allnight or self._wake_sound) and not self.ctl.state.session.active
        self.ctl.timers.pop("allnight_end", None)
        self.state.allnight = False
        if self.state.sunrise:
            self._end_sunrise()
        self._wake_sound = False
        return [fx.FadeOutSound(fade)] if sound_on else []
