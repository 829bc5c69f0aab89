"""Tonight's choices by the experiment policy, and what the journal keeps of a session.

A small class of the experiment's own: its config, its random draws (seeded in
tests), and the rated nights it learns from (:class:`Evidence`, read from the
device state); it keeps no other state.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from device.config.schema import Config
from device.core import policy
from device.core.schedule import night_of
from device.core.state import DeviceState, RoomState


@dataclass(frozen=True)
class Evidence:
    """What the policy reads: the library, the settings it starts from, and the rated nights."""

    triggers: tuple[str, ...]
    broken: tuple[str, ...]
    pinned: str
    last_trigger: str
    session_minutes: int
    counts: dict[str, dict[str, tuple[int, int]]]
    never: tuple[str, ...] = ()  # the user's never-play list

    @classmethod
    def of(cls, state: DeviceState) -> Evidence:
        settings = state.settings
        return cls(
            state.triggers,
            state.broken_triggers,
            settings.trigger,
            settings.last_trigger,
            settings.session_minutes,
            state.rating_counts,
            tuple(settings.never),
        )


class Experiment:
    def __init__(self, config: Config, tz: dt.tzinfo, rng: random.Random) -> None:
        self.config = config
        self.tz = tz
        self.rng = rng

    def picks(self, evidence: Evidence, trigger: bool, minutes: bool) -> dict[str, policy.Pick]:
        """The trigger (when not asked for) and the lengths the experiment also varies."""
        journal = self.config.journal
        also = journal.also_vary if journal.policy != "fixed" else []  # "fixed": lengths stay as set
        wanted = {
            "trigger": trigger,
            "session_minutes": minutes and "session_minutes" in also,
            "sunset_minutes": "sunset_minutes" in also,
        }
        return {dim: pick for dim, on in wanted.items() if on and (pick := self.pick(evidence, dim)) is not None}

    def pick(self, evidence: Evidence, dimension: str) -> policy.Pick | None:
        journal = self.config.journal
        counts = evidence.counts.get(dimension, {})
        if dimension == "trigger":
            return policy.choose(
                dimension,
                evidence.triggers,
                counts,
                self.rng,
                journal.policy,
                pinned=evidence.pinned,
                excluded=(*self.config.sounds.exclude, *evidence.never, *evidence.broken),
                last=evidence.last_trigger,
            )
        if dimension == "session_minutes":
            options, last = journal.session_minutes_choices, str(evidence.session_minutes)
        else:
            options, last = journal.sunset_minutes_choices, ""
        return policy.choose(dimension, [str(o) for o in options], counts, self.rng, journal.policy, last=last)

    def choose_trigger(self, evidence: Evidence, after: str = "") -> str:
        """The trigger after ``after`` in the library; without ``after``, the policy's choice ("" if none)."""
        if not after:
            pick = self.pick(evidence, "trigger")
            return pick.value if pick is not None else ""
        excluded = {*self.config.sounds.exclude, *evidence.never, *evidence.broken}
        names = [t for t in evidence.triggers if t not in excluded]
        if not names:
            return ""
        return names[(names.index(after) + 1) % len(names)] if after in names else names[0]

    def session_record(
        self,
        trigger: str,
        source: str,
        now: float,
        length: float,
        picks: dict[str, policy.Pick],
        volume: float,
        sunset_s: float | None,
        room: RoomState,
    ) -> dict[str, Any]:
        """The journal's ``session_start`` record: what played, the room, and why it was chosen."""
        choice = {dimension: pick.to_dict() for dimension, pick in picks.items()}
        choice.setdefault(
            "trigger", {"value": trigger, "how": "asked", "why": f"trigger {trigger}: asked for ({source})"}
        )
        return {
            "trigger": trigger,
            "source": source,
            "start": now,
            "planned": length,
            "night": night_of(now, self.tz, self.config.routine.morning_start).isoformat(),
            "volume": volume,
            "sunset_minutes": None if sunset_s is None else sunset_s / 60,
            "room": {
                "temperature_c": room.temperature_c,
                "humidity": room.humidity,
                "lux": room.lamp_free_lux if room.lamp_free_lux is not None else room.lux,
                "at": room.at,
                "not_ready": list(room.not_ready),
            },
            "choice": choice,
        }
