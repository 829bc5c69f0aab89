"""The device state as plain dataclasses, one per part of the core.

Who writes what: ``lamp`` follows the lamp effects the core emits
(:mod:`device.core.lamp_actions`); ``session`` is the session's
(:mod:`device.core.session`); ``routine`` the routine's; ``settings`` the
settings actions' (volume, length), the routine overrides' and the session's
(``last_trigger``); ``room`` the room's; ``timers`` hold every deadline, each
owned by one part (:mod:`device.core.timers`). :mod:`device.core.status`
writes the rest (triggers, faults, the hub link, the journal's counts); the
flows (:mod:`device.core.flows`) the last rating, broken triggers, the preview
a session takes over, and ``shutting_down``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from device.core.fade import fade_level
from device.core.plan import Night, Wake
from device.core.timers import Timers


@dataclass
class Settings:
    """Settings the user changes at run time; persisted, never in the config file."""

    volume: float = 40.0
    session_minutes: int = 30
    routine_enabled: bool = True
    trigger: str = ""  # pinned trigger; "" = chosen night by night
    last_trigger: str = ""
    # The routine's run-time changes (see device.core.schedule): checked on load by clean_overrides.
    skip_night: str = ""  # ISO date of a night whose wind-down is skipped
    night_sleep: dict[str, str] = field(default_factory=dict)  # night ISO date -> "HH:MM" | "off"
    day_sleep: dict[str, str] = field(default_factory=dict)  # weekday -> "HH:MM" | "off"
    day_wake: dict[str, str] = field(default_factory=dict)  # weekday -> "HH:MM" | "off" (the sunrise's wake time)
    dates_off: list[str] = field(default_factory=list)  # ISO dates, on top of [routine] dates_off
    never: list[str] = field(default_factory=list)  # triggers never chosen, on top of [sounds] exclude
    ends_before_minutes: int = -1  # the session ends this long before sleep; -1 = [routine] ends_before_sleep_minutes
    sunrise_minutes: int = -1  # the sunrise's length; -1 = [routine] sunrise_minutes

    def to_dict(self) -> dict[str, Any]:
        # Not dataclasses.asdict: it deep-copies field by field, the largest cost of a hub command's
        # state; the containers here hold only strings, so copying each container is a full copy.
        return {
            name: dict(value) if isinstance(value, dict) else list(value) if isinstance(value, list) else value
            for name, value in vars(self).items()
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], defaults: Settings) -> tuple[Settings, list[str]]:
        """Settings from a stored dict; keys of the wrong type keep their default.

        Returns the settings and a list of problems (key and what was wrong).
        """
        values = asdict(defaults)
        problems: list[str] = []
        for f in fields(cls):
            if f.name not in data:
                continue
            value = data[f.name]
            expected = type(values[f.name])
            if expected is float and isinstance(value, int) and not isinstance(value, bool):
                value = float(value)
            if type(value) is not expected:
                problems.append(f"{f.name}: expected {expected.__name__}, found {value!r}")
                continue
            values[f.name] = value
        return cls(**values), problems


@dataclass
class LampState:
    """What the lamp is doing, known from the fades the core asked for."""

    fade_from: float = 0.0
    target: float = 0.0
    fade_start: float = 0.0
    fade_end: float = 0.0
    curve: str = "linear"
    effect: str = "none"

    def level_at(self, now: float) -> float:
        return fade_level(self.fade_from, self.target, self.fade_start, self.fade_end, now, self.curve)

    def start_fade(self, now: float, target: float, duration: float, curve: str = "linear") -> None:
        self.fade_from = self.level_at(now)
        self.target = target
        self.fade_start = now
        self.fade_end = now + max(0.0, duration)
        self.curve = curve

    def remaining(self, now: float) -> float:
        return max(0.0, self.fade_end - now)


@dataclass
class SessionState:
    active: bool = False
    trigger: str = ""
    started_by: str = ""
    started_at: float = 0.0
    ends_at: float = 0.0
    stopping_until: float | None = None  # sound fading out; the session is over then
    sunset_at: float | None = None  # when the lamp's sunset begins
    sunset_s: float | None = None  # the sunset's length when the experiment chose one; None = until the end

    def remaining(self, now: float) -> float:
        if not self.active:
            return 0.0
        return max(0.0, self.ends_at - now)

    def become(self, other: SessionState) -> SessionState:
        """Take on ``other``'s values in place (whoever holds this state sees the change); returns the old ones."""
        old = SessionState(**vars(self))
        for f in fields(self):
            setattr(self, f.name, getattr(other, f.name))
        return old


@dataclass
class RoomState:
    temperature_c: float | None = None
    humidity: float | None = None
    pressure_hpa: float | None = None
    lux: float | None = None
    at: float | None = None
    not_ready: tuple[str, ...] = ()
    # What the room means for sleep (device/core/room.py): flags, and the light without the lamp's.
    too_warm: bool = False
    too_cold: bool = False
    too_humid: bool = False
    too_dry: bool = False
    too_bright: bool = False
    lamp_free_lux: float | None = None
    sources: dict[str, str] = field(default_factory=dict)  # quantity -> the chip that measured it


@dataclass
class RoutineState:
    """What the bedtime routine has planned and is doing (times as local ISO strings for the hub)."""

    night: str = ""  # the night "tonight" refers to (date of its evening)
    tonight_sleep: str = ""  # "HH:MM" or "off": tonight's planned sleep time after every override
    tonight_skipped: bool = False
    next_winddown: str = ""  # "" = none planned (routine off, or no sleep time within a week)
    next_sleep: str = ""
    next_sunrise: str = ""
    done_night: str = ""  # the last night the routine has handled (started, yielded or skipped)
    sunrise: bool = False  # the sunrise light (or its wake sound) is on
    allnight: bool = False  # the all-night sound is playing
    lamp_user: float | None = None  # the user set the lamp during the session: no sunset
    volume_user: float | None = None  # the user set the volume during the session: no easing
    planned_night: Night | None = None  # the wind-down the "winddown" timer is for
    planned_wake: Wake | None = None  # the sunrise the "sunrise" timer is for
    wake_done: str = ""  # the last morning whose sunrise ran (or was stopped)
    wake_sound: bool = False  # the wake sound is playing
    breathing: bool = False  # the routine started the breathing light for its session
    start_volume: float = 0.0  # the volume the session started at: the easing's start
    sunset_s: float | None = None  # the experiment's sunset length, from the session's sunset start


@dataclass
class DeviceState:
    settings: Settings
    lamp: LampState = field(default_factory=LampState)
    session: SessionState = field(default_factory=SessionState)
    room: RoomState = field(default_factory=RoomState)
    triggers: tuple[str, ...] = ()
    broken_triggers: tuple[str, ...] = ()
    faults: dict[str, str] = field(default_factory=dict)
    hub_connected: bool = False
    shutting_down: bool = False
    last_rating: str = ""
    preview: str = ""  # the trigger a 15 s preview is playing
    # Rated nights per experiment dimension and option, (good, bad): see events.JournalStats.
    rating_counts: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)
    favourite_trigger: str = ""
    routine_streak: int = 0
    routine_streak_until: str = ""
    routine: RoutineState = field(default_factory=RoutineState)
    timers: Timers = field(default_factory=Timers)

    def snapshot(self, now: float) -> dict[str, Any]:
        """Everything a user sees, as JSON-able data (the hub's ``state``)."""
        level = self.lamp.level_at(now)
        return {
            "lamp": {
                "on": self.lamp.target > 0,  # as commanded: a lamp fading out is off at once
                "level": round(level, 2),
                "target": round(self.lamp.target, 2),
                "fade_remaining": round(self.lamp.remaining(now), 1),
                "effect": self.lamp.effect,
            },
            "session": {
                "active": self.session.active,
                "trigger": self.session.trigger if self.session.active else "",
                "remaining": round(self.session.remaining(now)),
                "started_by": self.session.started_by if self.session.active else "",
                "last_started_at": self.session.started_at or None,  # the night a rating is for depends on it
                "volume": self.settings.volume,
            },
            "settings": self.settings.to_dict(),
            "room": {
                "temperature_c": self.room.temperature_c,
                "humidity": self.room.humidity,
                "pressure_hpa": self.room.pressure_hpa,
                "lux": self.room.lux,
                "at": self.room.at,
                "not_ready": list(self.room.not_ready),
                "too_warm": self.room.too_warm,
                "too_cold": self.room.too_cold,
                "too_humid": self.room.too_humid,
                "too_dry": self.room.too_dry,
                "too_bright": self.room.too_bright,
                "lamp_free_lux": self.room.lamp_free_lux,
                "sources": dict(self.room.sources),
            },
            "triggers": list(self.triggers),
            "broken_triggers": list(self.broken_triggers),
            "faults": dict(self.faults),
            "hub": {"connected": self.hub_connected},
            "last_rating": self.last_rating,
            "preview": self.preview,
            "journal": {
                "favourite_trigger": self.favourite_trigger,
                "routine_streak": self.routine_streak,
                "routine_streak_until": self.routine_streak_until,
            },
            "routine": {
                "enabled": self.settings.routine_enabled,
                "night": self.routine.night,
                "tonight_sleep": self.routine.tonight_sleep,
                "tonight_skipped": self.routine.tonight_skipped,
                "next_winddown": self.routine.next_winddown,
                "next_sleep": self.routine.next_sleep,
                "next_sunrise": self.routine.next_sunrise,
                "sunrise": self.routine.sunrise,
                "allnight": self.routine.allnight,
            },
        }
