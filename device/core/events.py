"""Events: everything that can happen to the device, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ButtonEdge:
    """A raw contact edge from a button, stamped with the device clock."""

    button: str
    pressed: bool
    at: float


@dataclass(frozen=True)
class Command:
    """An action asked for by the hub, the simulator or the CLI.

    ``action`` is one of :data:`device.core.controller.ACTIONS`; ``value`` has
    already been validated by whoever parsed it (the hub checks payloads).
    """

    action: str
    value: Any = None
    source: str = "hub"


@dataclass(frozen=True)
class TriggersAvailable:
    """The sound library's current list of playable trigger names."""

    names: tuple[str, ...]
    broken: tuple[str, ...] = ()


@dataclass(frozen=True)
class SoundFailed:
    """The player could not (or can no longer) play ``trigger``."""

    trigger: str
    reason: str


@dataclass(frozen=True)
class AdapterFailed:
    """An adapter raised while carrying out an effect."""

    adapter: str
    error: str


@dataclass(frozen=True)
class AdapterRecovered:
    adapter: str


@dataclass(frozen=True)
class HubConnection:
    connected: bool


@dataclass(frozen=True)
class RefreshState:
    """Nothing changed in the core, but a watcher (the hub, during a fade) wants a fresh state snapshot."""


@dataclass(frozen=True)
class RoomReading:
    """One smoothed reading per quantity; ``None`` means that sensor is unavailable."""

    at: float
    temperature_c: float | None = None
    humidity: float | None = None
    pressure_hpa: float | None = None
    lux: float | None = None
    sources: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class JournalStats:
    """Rated nights from the journal: ``counts[dimension][option] = (good, bad)``.

    Dimensions: ``trigger``, ``session_minutes`` and ``sunset_minutes`` (options
    are the minutes as text). Posted by the journal at start and after each rating.
    """

    counts: dict[str, dict[str, tuple[int, int]]] = field(default_factory=dict)
    favourite: str = ""  # the rated trigger with the best posterior mean
    streak: int = 0  # nights in a row the routine started a session by itself...
    streak_until: str = ""  # ...up to this night (YYYY-MM-DD)


@dataclass(frozen=True)
class Resume:
    """The daemon has started: the session stored before it stopped (a SessionRecord dict), or None.

    Posted once, after :class:`TriggersAvailable`; the routine plans its timers then.
    """

    session: dict[str, Any] | None = None


@dataclass(frozen=True)
class Shutdown:
    reason: str = "signal"


Event = (
    ButtonEdge
    | Command
    | TriggersAvailable
    | SoundFailed
    | AdapterFailed
    | AdapterRecovered
    | HubConnection
    | RefreshState
    | RoomReading
    | JournalStats
    | Resume
    | Shutdown
)
