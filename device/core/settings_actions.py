"""Actions on the user's run-time settings: volume, session length, and last night's rating.

Part of the controller, split out to keep each file small; it works on the
controller's state and holds nothing of its own.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from device.core import effects as fx
from device.core.schedule import rated_night

if TYPE_CHECKING:
    from collections.abc import Callable

    from device.core.controller import Controller

    Action = Callable[[float, Any, str], list[fx.Effect]]

VOLUME_STEP = 5.0  # % a press of volume up / down


class SettingsActions:
    def __init__(self, controller: Controller) -> None:
        self.ctl = controller

    def actions(self) -> dict[str, Action]:
        return {
            "volume_up": lambda now, value, source: self.volume(now, self._volume() + VOLUME_STEP, source),
            "volume_down": lambda now, value, source: self.volume(now, self._volume() - VOLUME_STEP, source),
            "volume_step": lambda now, value, source: self.volume(now, self._volume() + float(value), source),
            "volume": self.volume,
            "session_minutes": self.session_minutes,
            "rate": self.rate,
        }

    def _volume(self) -> float:
        return self.ctl.state.settings.volume

    def volume(self, now: float, value: Any, source: str) -> list[fx.Effect]:
        volume = float(value)
        if not math.isfinite(volume):
            return [fx.RejectCommand("volume", "volume must be a finite number")]
        settings = self.ctl.state.settings
        settings.volume = min(max(volume, 0.0), self.ctl.config.sounds.max_volume)
        return [
            fx.SetVolume(settings.volume, 0.5),
            fx.PersistSettings(settings.to_dict()),
            *self.ctl.routine.user_volume(now, settings.volume),
        ]

    def session_minutes(self, now: float, value: Any, source: str) -> list[fx.Effect]:
        routine = self.ctl.config.routine
        if isinstance(value, bool) or not isinstance(value, int | float) or not float(value).is_integer():
            return [fx.RejectCommand("session_minutes", f"expected a whole number of minutes, not {value!r}")]
        minutes = int(value)
        if not routine.min_session_minutes <= minutes <= routine.max_session_minutes:
            return [
                fx.RejectCommand(
                    "session_minutes",
                    f"{minutes} is outside {routine.min_session_minutes}..{routine.max_session_minutes} minutes",
                )
            ]
        self.ctl.state.settings.session_minutes = minutes
        return [fx.PersistSettings(self.ctl.state.settings.to_dict()), *self.ctl.routine.replan(now)]

    def rate(self, now: float, value: Any, source: str) -> list[fx.Effect]:
        rating = str(value)
        if rating not in ("good", "bad"):
            return [fx.RejectCommand("rate", f"rating must be 'good' or 'bad', not {rating!r}")]
        self.ctl.state.last_rating = rating
        session = self.ctl.state.session
        night = rated_night(now, self.ctl.tz, self.ctl.config.routine, session.started_at or None).isoformat()
        return [
            fx.LampBlink(1 if rating == "good" else 2),
            fx.JournalRecord("rating", {"night": night, "rating": rating, "source": source, "at": now}),
            fx.PublishEvent("rated", {"night": night, "rating": rating, "source": source}),
        ]
