"""Actions on the sound library from the web page: a 15 s preview, pin, never-play, a confirming blink.

Part of the controller, split out like the settings actions; its only state is
``state.preview`` (the trigger being previewed) and the ``preview_end`` timer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from device.core import effects as fx

if TYPE_CHECKING:
    from collections.abc import Callable

    from device.core.controller import Controller

    Action = Callable[[float, Any, str], list[fx.Effect]]

PREVIEW_S = 15.0  # a preview plays this long on the device, fades included
PREVIEW_FADE_IN = 1.5
PREVIEW_FADE_OUT = 2.0
PREVIEW_TIMER = "preview_end"
CONFIRM_BLINKS = 3  # the lamp's answer to a sign-in by the button


class SoundActions:
    def __init__(self, controller: Controller) -> None:
        self.ctl = controller

    def actions(self) -> dict[str, Action]:
        return {
            "preview": self.preview,
            "preview_stop": self.preview_stop,
            "pin": self.pin,
            "never": self.never,
            "blink": lambda now, value, source: [fx.LampBlink(CONFIRM_BLINKS)],
        }

    def preview(self, now: float, value: Any, source: str) -> list[fx.Effect]:
        state = self.ctl.state
        name = str(value)
        if name not in state.triggers:
            return [fx.RejectCommand("preview", f"unknown trigger {name[:64]!r}")]
        if state.session.active:
            return [fx.RejectCommand("preview", "a session is playing: stop it to preview a sound")]
        state.preview = name
        self.ctl.timers[PREVIEW_TIMER] = now + PREVIEW_S - PREVIEW_FADE_OUT
        return [fx.PlaySound(name, state.settings.volume, PREVIEW_FADE_IN)]

    def preview_stop(self, now: float, value: Any, source: str) -> list[fx.Effect]:
        if not self.ctl.state.preview:
            return []
        self.ctl.timers.pop(PREVIEW_TIMER, None)
        return self.preview_due(now)

    def preview_due(self, now: float) -> list[fx.Effect]:
        """The preview's time is up: fade it out, unless a session has taken the speaker since."""
        state = self.ctl.state
        state.preview = ""
        return [] if state.session.active else [fx.FadeOutSound(PREVIEW_FADE_OUT)]

    def pin(self, now: float, value: Any, source: str) -> list[fx.Effect]:
        """Pin a trigger for every night (``""`` unpins: the experiment chooses again)."""
        settings = self.ctl.state.settings
        name = str(value)
        if name and name not in self.ctl.state.triggers:
            return [fx.RejectCommand("pin", f"unknown trigger {name[:64]!r}")]
        settings.trigger = name
        return [fx.PersistSettings(settings.to_dict())]

    def never(self, now: float, value: Any, source: str) -> list[fx.Effect]:
        """``{"trigger": name, "never": bool}``: never choose that trigger (or choose it again)."""
        settings = self.ctl.state.settings
        if not isinstance(value, dict) or not isinstance(value.get("never"), bool):
            return [fx.RejectCommand("never", 'expected {"trigger": name, "never": true or false}')]
        name = str(value.get("trigger", ""))
        if value["never"] and name not in self.ctl.state.triggers:
            return [fx.RejectCommand("never", f"unknown trigger {name[:64]!r}")]
        never = [n for n in settings.never if n != name]
        settings.never = sorted([*never, name]) if value["never"] else never
        if value["never"] and settings.trigger == name:
            settings.trigger = ""
        return [fx.PersistSettings(settings.to_dict())]
