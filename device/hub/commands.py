"""Hub command topics: payload bytes in, a validated :class:`Command` or a reason out.

Pure functions, no I/O. Every check happens here, before anything reaches the
core: size, UTF-8, JSON shape and depth, NaN / infinity, types and ranges, and
trigger names looked up in the library (never used as paths). The core still
clamps to the configured limits, so nothing out of range reaches the hardware
even if a check here were missed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_args

from device import safejson
from device.config.schema import WEEKDAYS, Action, Config
from device.core.events import Command
from device.core.overrides import MAX_DATES_OFF
from device.core.schedule import parse_date, parse_sleep
from device.errors import HushlightError

MAX_JSON_DEPTH = 4
MAX_TRANSITION_S = 3600.0
LAMP_EFFECTS = ("none", "breathe")
# What a button can be set to do (the config's list, without "none"), and a rescan of the sounds folder.
BUTTON_ACTIONS = (*(a for a in get_args(Action) if a != "none"), "rescan_triggers")
_NUMBER = re.compile(r"^-?(0|[1-9][0-9]{0,8})(\.[0-9]{1,6})?$")
_ON = {"on", "true", "1"}
_OFF = {"off", "false", "0"}


@dataclass(frozen=True)
class Limits:
    """What the commands may ask for, from the config (and the library, at run time)."""

    max_bytes: int
    max_volume: float
    min_session: int
    max_session: int
    brightness_scale: int

    @classmethod
    def from_config(cls, config: Config) -> Limits:
        return cls(
            max_bytes=config.mqtt.max_payload_bytes,
            max_volume=config.sounds.max_volume,
            min_session=config.routine.min_session_minutes,
            max_session=config.routine.max_session_minutes,
            brightness_scale=config.mqtt.brightness_scale,
        )


class Rejected(HushlightError, ValueError):
    """A command payload that must not reach the core; ``str()`` is the reason."""


Parser = Callable[[str, Limits, tuple[str, ...]], Command]


def parse(topic_suffix: str, payload: bytes, limits: Limits, triggers: tuple[str, ...]) -> Command:
    """The command for ``payload`` on ``<base>/<topic_suffix>``; raises :class:`Rejected`."""
    parser = PARSERS.get(topic_suffix)
    if parser is None:
        raise Rejected(f"unknown command topic {topic_suffix!r}")
    if len(payload) > limits.max_bytes:
        raise Rejected(f"payload of {len(payload)} bytes is over the limit of {limits.max_bytes}")
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Rejected(f"payload is not valid UTF-8 (byte {exc.start})") from None
    if not text.strip():
        # Clearing a retained command (an empty retained publish) reaches us as an empty message.
        raise Rejected("an empty payload is not a command (it is how a retained message is cleared)")
    return parser(text.strip(), limits, triggers)


EXCERPT = 64  # bytes of a payload quoted in an error


def excerpt(payload: bytes, size: int = EXCERPT) -> str:
    """A short, printable, safe-to-log piece of a payload."""
    text = payload[:size].decode("utf-8", errors="replace")
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text + ("…" if len(payload) > size else "")


# -- building blocks ------------------------------------------------------------


def load_json(text: str) -> Any:
    """JSON with no NaN / Infinity, no huge numbers and a bounded depth."""
    try:
        return safejson.loads(text, MAX_JSON_DEPTH, max_int_digits=9)
    except safejson.BadJson as exc:
        raise Rejected(str(exc)) from None


def number(value: Any, what: str, low: float, high: float) -> float:
    """A finite number (JSON number or plain decimal text) within ``low..high``."""
    if isinstance(value, str):
        if not _NUMBER.match(value):
            raise Rejected(f"{what} must be a number, not {value[:32]!r}")
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Rejected(f"{what} must be a number, not {type(value).__name__}")
    if not math.isfinite(value) or not low <= value <= high:
        raise Rejected(f"{what} {value!r} is outside {low:g}..{high:g}")
    return float(value)


def switch(text: str, what: str) -> bool:
    word = text.lower()
    if word in _ON:
        return True
    if word in _OFF:
        return False
    raise Rejected(f"{what} must be ON or OFF, not {text[:32]!r}")


def press(text: str, what: str) -> None:
    if text != "PRESS":
        raise Rejected(f"{what} takes PRESS, not {text[:32]!r}")


def sleep_time(text: str, what: str) -> str:
    """A sleep or wake time by the core's parser; its error becomes the rejection's reason."""
    try:
        value = parse_sleep(text)
    except ValueError:
        raise Rejected(f'{what} must be "HH:MM" (24 h) or "off", not {text[:32]!r}') from None
    if value is None:
        raise Rejected(f'{what} must be "HH:MM" (24 h) or "off", not an empty payload')
    return value


# -- one parser per topic -------------------------------------------------------


def _lamp(text: str, limits: Limits, triggers: tuple[str, ...]) -> Command:
    upper = text.upper()
    if upper in ("ON", "OFF"):
        return Command("lamp", {"on": upper == "ON", "level": None, "transition": None})
    if upper == "TOGGLE":
        return Command("lamp_toggle")
    data = load_json(text)
    if not isinstance(data, dict):
        raise Rejected("lamp takes ON, OFF, TOGGLE or a JSON object")
    unknown = sorted(set(data) - {"state", "brightness", "level", "transition", "effect"})
    if unknown:
        raise Rejected(f"lamp does not support {', '.join(repr(k[:32]) for k in unknown)}")
    value: dict[str, Any] = {"on": True, "level": None, "transition": None}
    state = data.get("state", "ON")
    if not isinstance(state, str) or state.upper() not in ("ON", "OFF"):
        raise Rejected('lamp "state" must be "ON" or "OFF"')
    value["on"] = state.upper() == "ON"
    if "brightness" in data and "level" in data:
        raise Rejected('lamp takes "brightness" or "level", not both')
    if "brightness" in data:
        scale = limits.brightness_scale
        value["level"] = number(data["brightness"], "brightness", 0, scale) * 100.0 / scale
    elif "level" in data:
        value["level"] = number(data["level"], "level", 0, 100)
    if "transition" in data:
        value["transition"] = number(data["transition"], "transition", 0, MAX_TRANSITION_S)
    if "effect" in data and value["on"]:
        effect = data["effect"]
        if effect not in LAMP_EFFECTS:
            raise Rejected(f"lamp effect must be one of {', '.join(LAMP_EFFECTS)}")
        if value["level"] is not None or value["transition"] is not None:
            raise Rejected('lamp takes an "effect" or a brightness and transition, not both')
        return Command("lamp_effect", effect)
    return Command("lamp", value)


def _session(text: str, limits: Limits, triggers: tuple[str, ...]) -> Command:
    if text.upper() == "TOGGLE":
        return Command("toggle_session")
    return Command("session", switch(text, "session"))


def _trigger(text: str, limits: Limits, triggers: tuple[str, ...]) -> Command:
    if text not in triggers:
        shown = text[:64] if text.isprintable() else excerpt(text.encode())
        raise Rejected(f"unknown trigger {shown!r}: the library has {', '.join(triggers) or 'none'}")
    return Command("trigger", text)


def _volume(text: str, limits: Limits, triggers: tuple[str, ...]) -> Command:
    return Command("volume", number(text, "volume", 0, limits.max_volume))


def _session_minutes(text: str, limits: Limits, triggers: tuple[str, ...]) -> Command:
    minutes = number(text, "session length", limits.min_session, limits.max_session)
    if not minutes.is_integer():
        raise Rejected(f"session length must be whole minutes, not {minutes:g}")
    return Command("session_minutes", int(minutes))


def _rate(text: str, limits: Limits, triggers: tuple[str, ...]) -> Command:
    if text.lower() not in ("good", "bad"):
        raise Rejected(f"rating must be good or bad, not {text[:32]!r}")
    return Command("rate", text.lower())


def _button(action: str, value: Any = None) -> Parser:
    def parser(text: str, limits: Limits, triggers: tuple[str, ...]) -> Command:
        press(text, action)
        return Command(action, value)

    return parser


def _skip_tonight(text: str, limits: Limits, triggers: tuple[str, ...]) -> Command:
    return Command("skip_tonight", True if text == "PRESS" else switch(text, "skip_tonight"))


def _action(text: str, limits: Limits, triggers: tuple[str, ...]) -> Command:
    if text not in BUTTON_ACTIONS:
        raise Rejected(f"action must be one of {', '.join(BUTTON_ACTIONS)}")
    return Command(text)


def _day(day: str, what: str) -> Parser:
    """``sleep/<day>/set`` or ``wake/<day>/set``: that weekday's sleep or wake time, "HH:MM" or "off"."""

    def parser(text: str, limits: Limits, triggers: tuple[str, ...]) -> Command:
        return Command(f"day_{what}", {"day": day, what: sleep_time(text, f"{day}'s {what} time")})

    return parser


def _dates_off(text: str, limits: Limits, triggers: tuple[str, ...]) -> Command:
    """A JSON list of "YYYY-MM-DD" or the same comma-separated; ``[]`` = no run-time dates off."""
    if text[:1] in ("[", "{", '"'):
        items = load_json(text)
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise Rejected('dates_off takes a JSON list of "YYYY-MM-DD" strings or a comma-separated list')
    else:
        items = [item.strip() for item in text.split(",")]
    if len(items) > MAX_DATES_OFF:
        raise Rejected(f"dates_off takes at most {MAX_DATES_OFF} dates, not {len(items)}")
    return Command("dates_off", sorted({_date(item) for item in items}))


def _date(text: str) -> str:
    shown = text[:32] if text.isprintable() else excerpt(text.encode(), 32)
    try:
        return parse_date(text)
    except ValueError as exc:
        reason = str(exc).replace(repr(text[:32]), repr(shown), 1)  # the payload as it can be logged
        raise Rejected(f"dates_off: {reason}") from None


PARSERS: dict[str, Parser] = {
    "lamp/set": _lamp,
    "session/set": _session,
    "trigger/set": _trigger,
    "next_trigger/set": _button("next_trigger"),
    "good_night/set": _button("good_night"),
    "volume/set": _volume,
    "session_minutes/set": _session_minutes,
    "routine/set": lambda text, limits, triggers: Command("routine", switch(text, "routine")),
    "skip_tonight/set": _skip_tonight,
    "tonight_sleep/set": lambda text, limits, triggers: Command("tonight_sleep", sleep_time(text, "tonight's sleep")),
    "rate/set": _rate,
    "action/set": _action,
    "dates_off/set": _dates_off,
    **{f"sleep/{day}/set": _day(day, "sleep") for day in WEEKDAYS},
    **{f"wake/{day}/set": _day(day, "wake") for day in WEEKDAYS},
}
"""Every command topic (relative to the base topic) and its parser."""


def topic_filters() -> list[str]:
    """The subscriptions (relative to the base topic) that cover every command topic: ``+/set``, ``sleep/+/set``…"""
    return sorted({"/".join([*topic.split("/")[:-2], "+", "set"]) for topic in PARSERS})
