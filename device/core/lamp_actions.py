"""The lamp's part of the core: its actions (button, hub) and the state that follows every lamp effect.

Functions of (the lamp's state, ``[lamp]``, the lamp's timers, the value,
now). The lamp's state is never set by another part: each part emits
:class:`~device.core.effects.LampFade` / ``LampBreathe`` and :func:`follow`
applies them, so the state is what the core asked the lamp to do.
"""

from __future__ import annotations

import math
from typing import Any

from device.config.schema import LampConfig
from device.core import effects as fx
from device.core.perceptual import BREATHE_LEAD_IN
from device.core.state import LampState
from device.core.timers import PartTimers

Effects = list[fx.Effect]

LAMP_ON_FADE = 1.0  # s, lamp toggles and plain on/off from the hub


def follow(lamp: LampState, effects: Effects, now: float) -> None:
    """Keep the lamp's state in step with the lamp effects just decided."""
    for effect in effects:
        if isinstance(effect, fx.LampFade):
            lamp.start_fade(now, effect.level, effect.duration, effect.curve)
            lamp.effect = "none"
        elif isinstance(effect, fx.LampBreathe):
            lamp.start_fade(now, effect.low, BREATHE_LEAD_IN, "ease")
            lamp.effect = "breathe"


def toggle(lamp: LampState, config: LampConfig, now: float) -> Effects:
    return to(config, 0.0 if lamp.target > 0 else config.on_level, LAMP_ON_FADE)


def command(lamp: LampState, config: LampConfig, value: Any) -> Effects:
    """``{"on": bool, "level": perceived % or None, "transition": s or None}`` (the hub's light)."""
    value = dict(value or {})
    transition = float(value.get("transition") if value.get("transition") is not None else LAMP_ON_FADE)
    if not value.get("on", True):
        return to(config, 0.0, transition)
    level = value.get("level")
    if level is None:
        level = lamp.target if lamp.target > 0 else config.on_level
    return to(config, float(level), transition)


def to(config: LampConfig, level: float, duration: float) -> Effects:
    if not math.isfinite(level) or not math.isfinite(duration):
        return [fx.RejectCommand("lamp", "level and transition must be finite numbers")]
    return [fx.LampFade(min(max(level, 0.0), config.max_level), duration, "ease")]


def effect(lamp: LampState, config: LampConfig, timers: PartTimers, value: Any, now: float) -> Effects:
    """``"breathe"`` starts the breathing light; ``"none"`` stops an effect where the lamp is."""
    name = str(value)
    if name == "none":
        timers.clear("lamp_effect_end")
        return to(config, lamp.level_at(now), 0.0)
    if name != "breathe":
        return [fx.RejectCommand("lamp_effect", f"unknown lamp effect {name!r}; known: breathe, none")]
    low, high = min(config.breathe_low, config.max_level), min(config.breathe_high, config.max_level)
    duration = 60.0 * config.breathe_minutes
    timers.set("lamp_effect_end", now + duration)
    return [fx.LampBreathe(low, high, duration, config.breathe_start_bpm, config.breathe_end_bpm)]


def effect_ended(lamp: LampState) -> None:
    """The breathing light has run its time (the lamp rests at its low level)."""
    lamp.effect = "none"


def user_level(effects: Effects) -> float | None:
    """The level a lamp action set, or None when it set none (rejected, or the breathing light)."""
    fades = [e for e in effects if isinstance(e, fx.LampFade)]
    return fades[-1].level if fades else None
