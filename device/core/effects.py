"""Effects: what the controller asks the adapters to do, as plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class LampFade:
    """Fade the lamp from wherever it is to ``level`` (perceived %, 0-100)."""

    level: float
    duration: float
    curve: str = "linear"


@dataclass(frozen=True)
class LampBlink:
    """Blink ``times`` to confirm something, then return to the current level."""

    times: int


@dataclass(frozen=True)
class LampBreathe:
    """The breathing light: swell and fade between two perceived levels at a slowing pace, ending at ``low``."""

    low: float
    high: float
    duration: float
    start_bpm: float
    end_bpm: float


@dataclass(frozen=True)
class PlaySound:
    trigger: str
    volume: float
    fade_in: float


@dataclass(frozen=True)
class CrossfadeSound:
    trigger: str
    duration: float


@dataclass(frozen=True)
class FadeOutSound:
    duration: float


@dataclass(frozen=True)
class SetVolume:
    """Ramp the user's volume (0-100) to ``volume`` over ``ramp`` seconds."""

    volume: float
    ramp: float


@dataclass(frozen=True)
class RescanTriggers:
    """Look at the sound library again and report its triggers (as ``TriggersAvailable``)."""


@dataclass(frozen=True)
class PublishEvent:
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RejectCommand:
    action: str
    reason: str


@dataclass(frozen=True)
class PersistSettings:
    settings: dict[str, Any]


@dataclass(frozen=True)
class PersistSession:
    """Store the running session (a :class:`device.core.record.SessionRecord` dict) for a restart."""

    session: dict[str, Any]


@dataclass(frozen=True)
class JournalRecord:
    kind: str
    data: dict[str, Any]
    # Effects carried out only once the record is committed to the card (a rating's blink and
    # `rated` event): what the user is told was taken survives a power cut.
    then: tuple[Any, ...] = ()


Effect = (
    LampFade
    | LampBlink
    | LampBreathe
    | PlaySound
    | CrossfadeSound
    | FadeOutSound
    | SetVolume
    | RescanTriggers
    | PublishEvent
    | RejectCommand
    | PersistSettings
    | PersistSession
    | JournalRecord
)
