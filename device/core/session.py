"""The session's part of the core: start, stop, its trigger, its sunset and its time limit.

A small class of its config and time zone; every method works on the
:class:`SessionState` (and ``settings.last_trigger``) it is handed and on the
session's own timers (``sunset``, ``session_fade``, ``session_end``), and
returns effects. What follows in other parts (the experiment's picks, the
routine's part of a start or an end) the flows of :mod:`device.core.flows`
ask of those parts.
"""

from __future__ import annotations

import datetime as dt

from device.config.schema import Config
from device.core import effects as fx
from device.core import record
from device.core.lamp_actions import LAMP_ON_FADE
from device.core.record import SessionRecord, sunset_level
from device.core.schedule import iso, night_of
from device.core.state import LampState, SessionState, Settings
from device.core.timers import PartTimers

Effects = list[fx.Effect]

MIN_SESSION = 60.0  # s, the shortest session a late start may leave
EVENING_FADE = LAMP_ON_FADE * 3  # s, a session's lamp to the evening level; the sunset follows
RESUME_FADE = 10.0  # s, lamp from off to where the sunset is now: gentle, never a jump


FAILOVER_S = 1.0  # s, the crossfade from a trigger that broke while playing into the next


class Session:
    def __init__(self, config: Config, tz: dt.tzinfo) -> None:
        self.config = config
        self.tz = tz

    def start(
        self,
        session: SessionState,
        settings: Settings,
        timers: PartTimers,
        now: float,
        source: str,
        trigger: str,
        minutes: int | None,
        planned_start: float | None,
        sunset_s: float | None,
    ) -> Effects:
        """Start a session of ``minutes`` (default: the setting), counted from ``planned_start`` if given.

        A scheduled session passes its ``planned_start``: its length counts from there, so a
        wind-down that starts a little late still ends on plan.
        """
        start = now if planned_start is None else min(planned_start, now)
        ends_at = max(now + MIN_SESSION, start + 60.0 * (minutes or settings.session_minutes))
        sounds, lamp = self.config.sounds, self.config.lamp
        sunset_at = now + EVENING_FADE
        session.become(
            SessionState(
                active=True,
                trigger=trigger,
                started_by=source,
                started_at=now,
                ends_at=ends_at,
                sunset_at=sunset_at,
                sunset_s=sunset_s,
            )
        )
        settings.last_trigger = trigger
        timers.set("sunset", sunset_at)
        timers.set("session_fade", max(now, ends_at - sounds.fade_out_s))
        timers.set("session_end", ends_at)
        started = {"trigger": trigger, "source": source, "minutes": round((ends_at - now) / 60, 2)}
        return [
            fx.PlaySound(trigger, settings.volume, sounds.fade_in_s),
            fx.LampFade(min(lamp.evening_level, lamp.max_level), EVENING_FADE, "ease"),
            fx.PersistSettings(settings.to_dict()),
            fx.PublishEvent("session_started", {**started, "ends_at": iso(ends_at, self.tz)}),
        ]

    def stop(
        self, session: SessionState, lamp: LampState, timers: PartTimers, now: float, reason: str, fade: float
    ) -> Effects:
        """Stop the session: the sound fades, the lamp holds where the sunset has brought it."""
        timers.clear_all()
        ended = session.become(SessionState(started_at=session.started_at, trigger=session.trigger))
        out: Effects = [fx.FadeOutSound(fade)]
        if lamp.fade_end > now:
            out.append(fx.LampFade(lamp.level_at(now), 0.0))
        return out + [
            fx.PublishEvent("session_ended", {"trigger": ended.trigger, "reason": reason}),
            self.end_record(ended, now, reason),
        ]

    def end_record(self, session: SessionState, end: float, reason: str) -> fx.JournalRecord:
        night = night_of(session.started_at, self.tz, self.config.routine.morning_start).isoformat()
        return record.session_end(session.trigger, session.started_at, end, reason, night)

    def change_trigger(self, session: SessionState, settings: Settings, trigger: str) -> Effects:
        """Crossfade a running session to ``trigger``."""
        session.trigger = settings.last_trigger = trigger
        return [fx.CrossfadeSound(trigger, self.config.sounds.crossfade_s)]

    def replace_trigger(self, session: SessionState, volume: float, trigger: str) -> Effects:
        """The trigger failed to play: the session goes on with ``trigger``, there within a second (a damaged
        file has only what is buffered left)."""
        session.trigger = trigger
        return [fx.PlaySound(trigger, volume, min(self.config.sounds.crossfade_s, FAILOVER_S))]

    def hold_sunset(self, timers: PartTimers) -> None:
        """The user has taken the lamp: no sunset tonight."""
        timers.clear("sunset")

    def sunset_now(self, timers: PartTimers, now: float) -> None:
        """The breathing light has ended: the sunset goes on from where it left the lamp."""
        timers.set("sunset", now)

    # -- the session's timers -------------------------------------------------------

    def sunset_due(self, session: SessionState, now: float) -> Effects:
        # Durations from now, not from when: a late wake-up must not push the end past the session's.
        if not session.active:
            return []
        lamp = self.config.lamp
        duration = max(0.0, session.ends_at - now)
        if session.sunset_s is not None:  # the experiment's sunset length, never past the session's end
            duration = min(duration, session.sunset_s)
        return [fx.LampFade(min(lamp.night_level, lamp.max_level), duration, "sunset")]

    def fade_due(self, session: SessionState, now: float) -> Effects:
        return [fx.FadeOutSound(max(0.0, session.ends_at - now))] if session.active else []

    def end_due(self, session: SessionState, when: float) -> Effects:
        """The time limit; the session's trigger stays in the state for what follows (the night sound)."""
        if not session.active:
            return []
        ended = session.become(SessionState(started_at=session.started_at, trigger=session.trigger))
        return [
            fx.PublishEvent("session_ended", {"trigger": ended.trigger, "reason": "time_limit"}),
            self.end_record(ended, when, "time_limit"),
        ]

    # -- a restart -----------------------------------------------------------------------

    def resume(
        self,
        session: SessionState,
        settings: Settings,
        timers: PartTimers,
        stored: SessionRecord,
        trigger: str,
        volume: float,
        now: float,
    ) -> Effects:
        """Carry on the stored session: its sound at ``volume``, the lamp faded to where it would be by now."""
        session.become(
            SessionState(
                active=True,
                trigger=trigger,
                started_by=stored.started_by,
                started_at=stored.started_at,
                ends_at=stored.ends_at,
                sunset_at=max(stored.started_at + EVENING_FADE, now + RESUME_FADE),
            )
        )
        settings.last_trigger = trigger
        level = self._resumed_lamp(session, timers, stored, now)
        timers.set("session_fade", max(now, stored.ends_at - self.config.sounds.fade_out_s))
        timers.set("session_end", stored.ends_at)
        resumed = {
            "trigger": trigger,
            "source": stored.started_by,
            "remaining": round(stored.ends_at - now),
            "ends_at": iso(stored.ends_at, self.tz),
            "lamp": round(level, 2),
        }
        return [
            fx.PlaySound(trigger, volume, self.config.sounds.fade_in_s),
            fx.LampFade(level, RESUME_FADE, "ease"),
            fx.PublishEvent("session_resumed", resumed),
        ]

    def _resumed_lamp(self, session: SessionState, timers: PartTimers, stored: SessionRecord, now: float) -> float:
        """Where the sunset will be when the resume fade ends (or the user's level)."""
        if stored.lamp_user is not None:
            return stored.lamp_user
        lamp = self.config.lamp
        evening, night = min(lamp.evening_level, lamp.max_level), min(lamp.night_level, lamp.max_level)
        sunset_at = stored.started_at + EVENING_FADE
        sunset_end = stored.ends_at if stored.sunset_s is None else min(stored.ends_at, sunset_at + stored.sunset_s)
        timers.set("sunset", now + RESUME_FADE)  # then on down to the night level by its end
        if stored.sunset_s is not None:  # what is left of the experiment's sunset
            session.sunset_s = max(0.0, sunset_end - (now + RESUME_FADE))
        return sunset_level(evening, night, sunset_at, sunset_end, now + RESUME_FADE)
