"""Value types used by the config schema that TOML has no literal for."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any


class ClockTime:
    """A time of day written "HH:MM" (24 h).

    A plain class rather than a dataclass: msgspec would decode a dataclass
    from a table, and we want it from a string (through :func:`dec_hook`).
    """

    __slots__ = ("hour", "minute")
    hour: int
    minute: int

    def __init__(self, hour: int, minute: int) -> None:
        if not (0 <= hour <= 23 and 0 <= minute <= 59):
            raise ValueError(f"not a time of day: {hour:02d}:{minute:02d}")
        object.__setattr__(self, "hour", hour)
        object.__setattr__(self, "minute", minute)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("ClockTime is immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ClockTime) and (self.hour, self.minute) == (other.hour, other.minute)

    def __hash__(self) -> int:
        return hash((self.hour, self.minute))

    def __repr__(self) -> str:
        return f"ClockTime({self.hour}, {self.minute})"

    @classmethod
    def parse(cls, text: object) -> ClockTime:
        if not isinstance(text, str):
            raise TypeError(f'expected a time of day as a string "HH:MM", got {text!r}')
        parts = text.strip().split(":")
        if len(parts) != 2 or not all(p.isascii() and p.isdigit() and len(p) == 2 for p in parts):
            raise ValueError(f'{text[:32]!r} is not a time of day: expected "HH:MM" (24 h), like "23:00"')
        hour, minute = int(parts[0]), int(parts[1])
        if hour > 23 or minute > 59:
            raise ValueError(f"{text!r} is not a time of day: hours go 00-23 and minutes 00-59")
        return cls(hour, minute)

    def as_time(self) -> dt.time:
        return dt.time(self.hour, self.minute)

    @property
    def minutes(self) -> int:
        return self.hour * 60 + self.minute

    def __str__(self) -> str:
        return f"{self.hour:02d}:{self.minute:02d}"


class SleepTime:
    """A per-day time of day that may also be "off"."""

    __slots__ = ("time",)
    time: ClockTime | None

    def __init__(self, time: ClockTime | None) -> None:
        object.__setattr__(self, "time", time)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("SleepTime is immutable")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SleepTime) and self.time == other.time

    def __hash__(self) -> int:
        return hash(self.time)

    def __repr__(self) -> str:
        return f"SleepTime({self.time!r})"

    @classmethod
    def parse(cls, text: object) -> SleepTime:
        if isinstance(text, str) and text.strip().lower() == "off":
            return cls(None)
        try:
            return cls(ClockTime.parse(text))
        except ValueError as exc:
            raise ValueError(f'{exc}, or "off"') from None

    @property
    def off(self) -> bool:
        return self.time is None

    def __str__(self) -> str:
        return "off" if self.time is None else str(self.time)


def dec_hook(tp: type, obj: Any) -> Any:
    """msgspec decode hook for the custom types above."""
    if tp is ClockTime:
        return ClockTime.parse(obj)
    if tp is SleepTime:
        return SleepTime.parse(obj)
    if tp is Path:
        if not isinstance(obj, str):
            raise TypeError(f"expected a path as a string, got {obj!r}")
        return Path(obj).expanduser()
    raise NotImplementedError(f"no decoder for {tp!r}")


def enc_hook(obj: Any) -> Any:
    if isinstance(obj, ClockTime | SleepTime | Path):
        return str(obj)
    raise NotImplementedError(f"cannot encode {type(obj).__name__}")
