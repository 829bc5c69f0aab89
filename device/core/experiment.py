"""Tonight's choices by the experiment policy, and what the journal keeps of a session.

Part of the controller, split out to keep each file small; like :class:`Routine`
it works on the controller's state and holds nothing of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from device.core import policy
from device.core.schedule import night_of

if TYPE_CHECKING:
    from device.core.controller import Controller


class Experiment:
    def __init__(self, controller: Controller) -> None:
        self.ctl = controller

    def picks(self, trigger: bool, minutes: bool) -> dict[str, policy.Pick]:
        """The trigger (when not asked for) and the lengths the experiment also varies."""
        journal = self.ctl.config.journal
        also = journal.also_vary if journal.policy != "fixed" else []  # "fixed": lengths stay as set
        wanted = {
            "trigger": trigger,
            "session_minutes": minutes and "session_minutes" in also,
            "sunset_minutes": "sunset_minutes" in also,
        }
        return {dim: pick for dim, on in wanted.items() if on and (pick := self.pick(dim)) is not None}

    def pick(self, dimension: str) -> policy.Pick | None:
        config, state = self.ctl.config, self.ctl.state
        journal = config.journal
        counts = state.rating_counts.get(dimension, {})
        if dimension == "trigger":
            settings = state.settings
            return policy.choose(
                dimension,
                state.triggers,
                counts,
                self.ctl.rng,
                journal.policy,
                pinned=settings.trigger,
                excluded=(*config.sounds.exclude, *state.broken_triggers),
                last=settings.last_trigger,
            )
        if dimension == "session_minutes":
            options, last = journal.session_minutes_choices, str(state.settings.session_minutes)
        else:
            options, last = journal.sunset_minutes_choices, ""
        return policy.choose(dimension, [str(o) for o in options], counts, self.ctl.rng, journal.policy, last=last)

    def session_record(
        self, trigger: str, source: str, now: float, length: float, picks: dict[str, policy.Pick]
    ) -> dict[str, Any]:
        """The journal's ``session_start`` record: what played, the room, and why it was chosen."""
        state = self.ctl.state
        room = state.room
        sunset = state.session.sunset_s
        choice = {dimension: pick.to_dict() for dimension, pick in picks.items()}
        choice.setdefault(
            "trigger", {"value": trigger, "how": "asked", "why": f"trigger {trigger}: asked for ({source})"}
        )
        return {
            "trigger": trigger,
            "source": source,
            "start": now,
            "planned": length,
            "night": night_of(now, self.ctl.tz, self.ctl.config.routine.morning_start).isoformat(),
            "volume": state.settings.volume,
            "sunset_minutes": None if sunset is None else sunset / 60,
            "room": {
                "temperature_c": room.temperature_c,
                "humidity": room.humidity,
                "lux": room.lamp_free_lux if room.lamp_free_lux is not None else room.lux,
                "at": room.at,
                "not_ready": list(room.not_ready),
            },
            "choice": choice,
        }
