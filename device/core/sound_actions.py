"""The sound library's actions from the web page: a 15 s preview, pin, never-play, and the sign-in blink.

Functions of the state they change (and the preview's own timer), like the
other parts; the controller wires them to their action names.
"""

from __future__ import annotations

from typing import Any

from device.core import effects as fx
from device.core.state import DeviceState, Settings
from device.core.timers import PartTimers

Effects = list[fx.Effect]

PREVIEW_S = 15.0  # a preview plays this long on the device, fades included
PREVIEW_FADE_IN = 1.5
PREVIEW_FADE_OUT = 2.0
PREVIEW_TIMER = "preview_end"
CONFIRM_BLINKS = 3  # the lamp's answer to a sign-in by the button


def preview(state: DeviceState, timers: PartTimers, value: Any, now: float) -> Effects:
    name = str(value)
    if name not in state.triggers:
        return [fx.RejectCommand("preview", f"unknown trigger {name[:64]!r}")]
    if state.session.active:
        return [fx.RejectCommand("preview", "a session is playing: stop it to preview a sound")]
    state.preview = name
    timers.set(PREVIEW_TIMER, now + PREVIEW_S - PREVIEW_FADE_OUT)
    return [fx.PlaySound(name, state.settings.volume, PREVIEW_FADE_IN)]


def preview_stop(state: DeviceState, timers: PartTimers) -> Effects:
    if not state.preview:
        return []
    timers.clear(PREVIEW_TIMER)
    return preview_due(state)


def preview_due(state: DeviceState) -> Effects:
    """The preview's time is up: fade it out, unless a session has taken the speaker since."""
    state.preview = ""
    return [] if state.session.active else [fx.FadeOutSound(PREVIEW_FADE_OUT)]


def pin(settings: Settings, triggers: tuple[str, ...], value: Any) -> Effects:
    """Pin a trigger for every night (``""`` unpins: the experiment chooses again)."""
    name = str(value)
    if name and name not in triggers:
        return [fx.RejectCommand("pin", f"unknown trigger {name[:64]!r}")]
    settings.trigger = name
    return [fx.PersistSettings(settings.to_dict())]


def never(settings: Settings, triggers: tuple[str, ...], value: Any) -> Effects:
    """``{"trigger": name, "never": bool}``: never choose that trigger (or choose it again)."""
    if not isinstance(value, dict) or not isinstance(value.get("never"), bool):
        return [fx.RejectCommand("never", 'expected {"trigger": name, "never": true or false}')]
    name = str(value.get("trigger", ""))
    if value["never"] and name not in triggers:
        return [fx.RejectCommand("never", f"unknown trigger {name[:64]!r}")]
    kept = [n for n in settings.never if n != name]
    settings.never = sorted([*kept, name]) if value["never"] else kept
    if value["never"] and settings.trigger == name:
        settings.trigger = ""
    return [fx.PersistSettings(settings.to_dict())]
