"""The lamp's actions (button, hub, routine): on/off, level with a transition, the breathing light.

Part of the controller, split out to keep each file small; it works on the
controller's state and timers and holds nothing of its own.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from device.core import effects as fx
from device.core.perceptual import BREATHE_LEAD_IN

if TYPE_CHECKING:
    from collections.abc import Callable

    from device.core.controller import Controller

    Action = Callable[[float, Any, str], list[fx.Effect]]

LAMP_ON_FADE = 1.0  # s, lamp toggles and plain on/off from the hub


class LampActions:
    def __init__(self, controller: Controller) -> None:
        self.ctl = controller

    def actions(self) -> dict[str, Action]:
        return {"lamp_toggle": self.toggle, "lamp": self.command, "lamp_effect": self.effect}

    def toggle(self, now: float, value: Any, source: str) -> list[fx.Effect]:
        target = 0.0 if self.ctl.state.lamp.target > 0 else self.ctl.config.lamp.on_level
        return self.to(now, target, LAMP_ON_FADE)

    def command(self, now: float, value: Any, source: str) -> list[fx.Effect]:
        """``{"on": bool, "level": perceived % or None, "transition": s or None}`` (the hub's light)."""
        value = dict(value or {})
        transition = float(value.get("transition") if value.get("transition") is not None else LAMP_ON_FADE)
        if not value.get("on", True):
            return self.to(now, 0.0, transition)
        level = value.get("level")
        if level is None:
            current = self.ctl.state.lamp.target
            level = current if current > 0 else self.ctl.config.lamp.on_level
        return self.to(now, float(level), transition)

    def to(self, now: float, level: float, duration: float) -> list[fx.Effect]:
        if not math.isfinite(level) or not math.isfinite(duration):
            return [fx.RejectCommand("lamp", "level and transition must be finite numbers")]
        level = min(max(level, 0.0), self.ctl.config.lamp.max_level)
        self.ctl.timers.pop("sunset", None)  # the user wins over the sunset tonight
        self.ctl.state.lamp.start_fade(now, level, duration, "ease")
        self.ctl.state.lamp.effect = "none"
        return [fx.LampFade(level, duration, "ease"), *self.ctl.routine.user_lamp(now, level)]

    def effect(self, now: float, value: Any, source: str) -> list[fx.Effect]:
        """``"breathe"`` starts the breathing light; ``"none"`` stops an effect where the lamp is."""
        timers, lamp_state = self.ctl.timers, self.ctl.state.lamp
        name = str(value)
        if name == "none":
            timers.pop("lamp_effect_end", None)
            lamp_state.effect = "none"
            return self.to(now, lamp_state.level_at(now), 0.0)
        if name != "breathe":
            return [fx.RejectCommand("lamp_effect", f"unknown lamp effect {name!r}; known: breathe, none")]
        lamp = self.ctl.config.lamp
        low, high = min(lamp.breathe_low, lamp.max_level), min(lamp.breathe_high, lamp.max_level)
        duration = 60.0 * lamp.breathe_minutes
        timers.pop("sunset", None)
        lamp_state.start_fade(now, low, BREATHE_LEAD_IN, "ease")
        lamp_state.effect = "breathe"
        timers["lamp_effect_end"] = now + duration
        return [fx.LampBreathe(low, high, duration, lamp.breathe_start_bpm, lamp.breathe_end_bpm)]
