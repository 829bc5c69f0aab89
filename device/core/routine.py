"""The bedtime routine: wind-down, who wins, night sound, sunrise, resume.

A small class of its config and time zone; every method works on the
:class:`RoutineState` and the routine's own timers it is handed, reads the rest
of the device through :class:`Around` (never writing it), and returns effects.
Where the routine needs another part (tonight's session to start, the sunset
to go on after the breathing light) it says so in what it returns and a flow
(:mod:`device.core.flows`) asks that part. Its decisions follow the README's
"Bedtime routine":

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

import datetime as dt
from dataclasses import dataclass
from typing import Any

from device.config.schema import WEEKDAYS, Config
from device.core import effects as fx
from device.core.record import SessionRecord, eased_volume
from device.core.schedule import Overrides, Schedule, iso
from device.core.state import DeviceState, LampState, RoutineState, SessionState, Settings
from device.core.timers import PartTimers

Effects = list[fx.Effect]

MIN_RESUME = 30.0  # s, a session with less than this left is not resumed
ALLNIGHT_FADE = 60.0  # s, fade in and out of the all-night sound
WAKE_SOUND_FADE = 120.0  # s, the wake sound is at its volume at the wake time
MORNING_FADE = 60.0  # s, light and wake sound off after the morning hold
PRESS_FADE = 3.0  # s, a press ends the sunrise or the night sound


@dataclass(frozen=True)
class Around:
    """What the routine reads of the rest of the device (and never writes)."""

    session: SessionState
    settings: Settings
    lamp: LampState
    triggers: tuple[str, ...]
    broken: tuple[str, ...]

    @classmethod
    def of(cls, state: DeviceState) -> Around:
        return cls(state.session, state.settings, state.lamp, state.triggers, state.broken_triggers)


@dataclass(frozen=True)
class StartTonight:
    """The wind-down is due: start tonight's session (:mod:`~device.core.flows` does), then the breathing light if asked."""

    minutes: int | None
    planned_start: float
    breathe: bool


class Routine:
    def __init__(self, config: Config, tz: dt.tzinfo) -> None:
        self.config = config
        self.routine = config.routine
        self.tz = tz

    def schedule(self, settings: Settings) -> Schedule:
        return Schedule(self.routine, self.tz, Overrides.from_settings(settings))

    # -- planning ----------------------------------------------------------------

    def replan(self, st: RoutineState, timers: PartTimers, settings: Settings, now: float) -> Effects:
        """Set the routine's timers from the plan; call after anything that changes it."""
        sched, tz = self.schedule(settings), self.tz
        night = sched.night_of(now)
        st.night, st.tonight_sleep = night.isoformat(), str(sched.sleep_time(night))
        st.tonight_skipped = sched.skipped(night)
        st.planned_night = sched.next_night(now, late=60.0 * self.routine.late_start_minutes, after=st.done_night)
        st.planned_wake = sched.next_wake(now, after=st.wake_done) if settings.routine_enabled else None
        st.next_winddown = st.next_sleep = st.next_sunrise = ""
        timers.clear("winddown", "sunrise")
        if st.planned_night is not None:
            timers.set("winddown", st.planned_night.winddown_at)
            st.next_winddown = iso(st.planned_night.winddown_at, tz)
            st.next_sleep = iso(st.planned_night.sleep_at, tz)
        if st.planned_wake is not None:
            timers.set("sunrise", st.planned_wake.sunrise_at)
            st.next_sunrise = iso(st.planned_wake.sunrise_at, tz)
        timers.set("replan", sched.next_local(now, self.routine.morning_start))  # "tonight" rolls over
        return []

    def due(
        self, name: str, st: RoutineState, timers: PartTimers, around: Around, when: float, now: float
    ) -> tuple[Effects, StartTonight | None]:
        """One of the routine's timers came due (planned for ``when``, handled at ``now``)."""
        if name == "winddown":
            return self._winddown_due(st, timers, around, now)
        if name == "replan":
            out = self.replan(st, timers, around.settings, now)
        elif name == "volume_ease":
            out = self._volume_ease_due(st, around.session, now)
        elif name == "sunrise":
            out = self._sunrise_due(st, timers, around, now)
        elif name == "wake_sound":
            out = self._wake_sound_due(st, around)
        elif name == "morning_off":
            out = self._end_sunrise(st, timers, around.session, now, MORNING_FADE) if st.sunrise else []
        else:  # allnight_end
            out = self._allnight_end_due(st, around.session)
        return out, None

    def _winddown_due(
        self, st: RoutineState, timers: PartTimers, around: Around, now: float
    ) -> tuple[Effects, StartTonight | None]:
        night, session = st.planned_night, around.session
        if night is None:
            return self.replan(st, timers, around.settings, now), None
        st.done_night = night.night.isoformat()
        info = {"night": night.night.isoformat(), "planned": iso(night.winddown_at, self.tz)}
        late = now - night.winddown_at
        start = None
        if late > 60.0 * self.routine.late_start_minutes or now >= night.ends_at - MIN_RESUME:
            out: Effects = [fx.PublishEvent("winddown_missed", {**info, "late_minutes": round(late / 60)})]
            out.append(self.persist(st, session))
        elif session.active:  # the user's own session is playing: it wins tonight
            out = [fx.PublishEvent("winddown_yielded", {**info, "to": session.started_by}), self.persist(st, session)]
        else:  # the night's session, counted from its planned start
            out = []
            minutes = getattr(self.routine, WEEKDAYS[night.night.weekday()]).session_minutes or None
            start = StartTonight(minutes, night.winddown_at, self.routine.breathe)
        return out + self.replan(st, timers, around.settings, now), start

    def breathing_started(self, st: RoutineState) -> None:
        """The routine's session began with the breathing light: its sunset follows when it ends."""
        st.breathing = True

    def breathe_ended(self, st: RoutineState, session: SessionState) -> bool:
        """The breathing light has ended; True when the routine's sunset should go on from there."""
        go_on = st.breathing and session.active and st.lamp_user is None
        st.breathing = False
        return go_on

    # -- the session's life --------------------------------------------------------

    def session_started(self, st: RoutineState, timers: PartTimers, around: Around, now: float) -> Effects:
        """A session has just started (any source): the routine's part of it."""
        session = around.session
        self._quiet_night_and_morning(st, timers)
        st.breathing = False
        st.lamp_user = st.volume_user = None
        st.start_volume = around.settings.volume
        st.sunset_s = session.sunset_s
        if self.routine.end_volume < 1.0:
            timers.set("volume_ease", min(now + self.config.sounds.fade_in_s, session.ends_at))
        return [self.persist(st, session)]

    def session_stopped(self, st: RoutineState, timers: PartTimers, session: SessionState, reason: str) -> Effects:
        """The session was stopped before its time limit (user, good night, failure, shutdown)."""
        timers.clear("volume_ease")
        if reason == "shutdown":  # keep the record: the next start resumes the session
            return []
        return [self.persist(st, session)]

    def session_ended(self, st: RoutineState, timers: PartTimers, around: Around, when: float) -> Effects:
        """The session reached its time limit: the night sound follows, if configured."""
        timers.clear("volume_ease")
        out: Effects = [self.persist(st, around.session)]
        if self.routine.allnight:
            out += self._start_allnight(st, timers, around, when)
        return out

    def _volume_ease_due(self, st: RoutineState, session: SessionState, now: float) -> Effects:
        if not session.active or st.volume_user is not None:
            return []
        return [fx.SetVolume(st.start_volume * self.routine.end_volume, max(0.0, session.ends_at - now))]

    def user_lamp(self, st: RoutineState, timers: PartTimers, session: SessionState, level: float) -> Effects:
        """The user set the lamp: no sunset for this session, no sunrise fighting back this morning."""
        out = self._end_sunrise(st, timers, session) if st.sunrise else []  # the wake sound goes, the lamp is theirs
        if not session.active:
            return out
        st.lamp_user = level
        return [*out, self.persist(st, session)]

    def user_volume(self, st: RoutineState, timers: PartTimers, session: SessionState, volume: float) -> Effects:
        """The user set the volume: the easing stops for this session."""
        if not session.active:
            return []
        timers.clear("volume_ease")
        st.volume_user = volume
        return [self.persist(st, session)]

    def record(self, st: RoutineState, session: SessionState) -> SessionRecord:
        return SessionRecord(
            active=session.active,
            trigger=session.trigger,
            started_by=session.started_by,
            started_at=session.started_at,
            ends_at=session.ends_at,
            volume=st.start_volume,
            routine_night=st.done_night,
            lamp_user=st.lamp_user if session.active else None,
            volume_user=st.volume_user if session.active else None,
            sunset_s=st.sunset_s if session.active else None,
        )

    def persist(self, st: RoutineState, session: SessionState) -> fx.PersistSession:
        return fx.PersistSession(self.record(st, session).to_dict())

    # -- restarts ----------------------------------------------------------------------

    def read_stored(self, st: RoutineState, data: dict[str, Any] | None) -> tuple[Effects, SessionRecord | None]:
        """At daemon start: the stored session, checked; the night it had handled is handled."""
        if not data:
            return [], None
        try:
            stored = SessionRecord.from_dict(data)
        except ValueError as exc:
            return [fx.PublishEvent("resume_failed", {"reason": str(exc)})], None
        st.done_night = stored.routine_night
        return [], stored

    def resumable(self, stored: SessionRecord, now: float) -> bool:
        return stored.active and stored.started_at <= now < stored.ends_at - MIN_RESUME

    def resume_session(self, st: RoutineState, timers: PartTimers, stored: SessionRecord, now: float) -> float:
        """Take the stored session's routine part back; returns the volume the easing has reached by now."""
        st.start_volume, st.sunset_s = stored.volume, stored.sunset_s
        st.lamp_user, st.volume_user = stored.lamp_user, stored.volume_user
        if stored.volume_user is not None:
            return stored.volume_user
        fade_in = self.config.sounds.fade_in_s
        if self.routine.end_volume < 1.0:
            timers.set("volume_ease", min(now + fade_in, stored.ends_at))
        ease_from = stored.started_at + fade_in
        return eased_volume(stored.volume, self.routine.end_volume, ease_from, stored.ends_at, now)

    # -- through the night and the morning --------------------------------------------

    def _start_allnight(self, st: RoutineState, timers: PartTimers, around: Around, when: float) -> Effects:
        names = [t for t in around.triggers if t not in around.broken]
        wanted = self.routine.allnight_trigger
        noise = [t for t in names if "noise" in t]
        chosen = wanted if wanted in names else (noise[0] if noise else around.session.trigger)
        if not chosen:
            return []
        st.allnight = True
        until = self.schedule(around.settings).next_local(when, self.routine.morning_start)
        if st.planned_wake is not None:
            until = min(until, st.planned_wake.sunrise_at)
        timers.set("allnight_end", until)
        return [
            fx.PlaySound(chosen, self.routine.allnight_volume, ALLNIGHT_FADE),
            fx.PublishEvent("allnight_started", {"trigger": chosen, "until": iso(until, self.tz)}),
        ]

    def _allnight_end_due(self, st: RoutineState, session: SessionState) -> Effects:
        if not st.allnight or session.active:
            return []
        st.allnight = False
        return [fx.FadeOutSound(ALLNIGHT_FADE)]

    def _sunrise_due(self, st: RoutineState, timers: PartTimers, around: Around, now: float) -> Effects:
        wake = st.planned_wake
        if wake is None:
            return self.replan(st, timers, around.settings, now)
        st.wake_done = wake.day.isoformat()
        if around.session.active:  # a session at that hour is the user's: it wins
            return self.replan(st, timers, around.settings, now)
        target = min(self.routine.morning_level, self.config.lamp.max_level)
        if around.lamp.level_at(now) >= target:  # the lamp is already on: someone is awake
            return self.replan(st, timers, around.settings, now)
        out: Effects = [
            fx.PublishEvent("sunrise_started", {"wake": iso(wake.wake_at, self.tz)}),
            fx.LampFade(target, max(0.0, wake.wake_at - now), "linear"),
        ]
        st.sunrise = True
        if self.routine.wake_sound:
            timers.set("wake_sound", max(now, wake.wake_at - WAKE_SOUND_FADE))
        if self.routine.morning_hold_minutes:
            timers.set("morning_off", wake.wake_at + 60.0 * self.routine.morning_hold_minutes)
        st.planned_wake = None
        return out + self.replan(st, timers, around.settings, now)

    def _wake_sound_due(self, st: RoutineState, around: Around) -> Effects:
        name = self.routine.wake_sound
        if not st.sunrise or around.session.active or name not in around.triggers:
            return []
        st.wake_sound = True
        return [fx.PlaySound(name, self.routine.wake_volume, WAKE_SOUND_FADE)]

    def _end_sunrise(
        self,
        st: RoutineState,
        timers: PartTimers,
        session: SessionState,
        now: float | None = None,
        fade: float = PRESS_FADE,
    ) -> Effects:
        """End the sunrise; with ``now``, fade its light and wake sound out, else leave the lamp be."""
        timers.clear("wake_sound", "morning_off")
        st.sunrise = False
        out: Effects = []
        if st.wake_sound and not session.active:
            out.append(fx.FadeOutSound(fade))
        st.wake_sound = False
        if now is not None:
            out.append(fx.LampFade(0.0, fade, "ease"))
        return out

    def _quiet_night_and_morning(self, st: RoutineState, timers: PartTimers) -> None:
        """A session starts: the night sound and the sunrise give way (the session replaces the sound)."""
        timers.clear("allnight_end", "wake_sound", "morning_off")
        st.allnight = st.sunrise = st.wake_sound = False

    def press(self, st: RoutineState, timers: PartTimers, session: SessionState, now: float) -> Effects | None:
        """A press during the sunrise or the night sound ends it (and does nothing else)."""
        if st.sunrise:
            return [
                *self._end_sunrise(st, timers, session, now),
                fx.PublishEvent("sunrise_stopped", {"source": "button"}),
            ]
        if st.allnight and not session.active:
            timers.clear("allnight_end")
            st.allnight = False
            return [fx.FadeOutSound(PRESS_FADE), fx.PublishEvent("allnight_stopped", {"source": "button"})]
        return None

    def good_night(self, st: RoutineState, timers: PartTimers, session: SessionState, fade: float) -> Effects:
        """Good night: the night sound and the wake sound go too (the good-night flow fades the lamp)."""
        sound_on = (st.allnight or st.wake_sound) and not session.active
        timers.clear("allnight_end")
        st.allnight = False
        if st.sunrise:
            self._end_sunrise(st, timers, session)
        st.wake_sound = False
        return [fx.FadeOutSound(fade)] if sound_on else []
