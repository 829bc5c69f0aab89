"""The controller: hands each event to the part that owns it and returns the effects, in order.

A dispatcher and nothing more. Commands go through :data:`ACTIONS` (action
name -> handler of the state, the parts, now, the value and the source); a
handler is one part's function (:mod:`lamp_actions`, :mod:`settings_actions`,
:mod:`sound_actions`, :mod:`overrides`) or, where one part's change is followed
by another's, a flow of :mod:`flows` (a session's start asks the experiment,
then tells the routine). Due timers go to their owner through
:func:`flows.timer_due`. All state is in the :class:`DeviceState`; the
controller keeps only the button classifiers.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from device.config.schema import Config
from device.core import effects as fx
from device.core import events as ev
from device.core import flows, status
from device.core import lamp_actions as lamp
from device.core import room as room_meaning
from device.core import settings_actions as settings_part
from device.core import sound_actions as sound
from device.core.buttons import Buttons
from device.core.flows import SHUTDOWN_FADE, Action, Parts
from device.core.gestures import GestureKind
from device.core.overrides import OVERRIDES
from device.core.session import EVENING_FADE
from device.core.state import DeviceState, Settings
from device.core.status import STATUS_EVENTS

__all__ = ["ACTIONS", "SHUTDOWN_FADE", "Controller", "settings_from_config"]

Effects = list[fx.Effect]
STEP = settings_part.VOLUME_STEP

ACTIONS: dict[str, Action] = {
    "toggle_session": flows.toggle,
    "start_session": flows.start_action,
    "stop_session": lambda s, p, now, v, src: flows.stop(s, p, now, src),
    "session": lambda s, p, now, v, src: flows.start(s, p, now, src) if v else flows.stop(s, p, now, src),
    "next_trigger": flows.next_trigger,
    "trigger": flows.set_trigger,
    "good_night": flows.good_night,
    "lamp_toggle": lambda s, p, now, v, src: flows.user_lamp(s, p, lamp.toggle(s.lamp, p.config.lamp, now)),
    "lamp": lambda s, p, now, v, src: flows.user_lamp(s, p, lamp.command(s.lamp, p.config.lamp, v)),
    "lamp_effect": flows.lamp_effect,
    "volume_up": lambda s, p, now, v, src: flows.volume(s, p, s.settings.volume + STEP),
    "volume_down": lambda s, p, now, v, src: flows.volume(s, p, s.settings.volume - STEP),
    "volume_step": lambda s, p, now, v, src: flows.volume(s, p, s.settings.volume + float(v)),
    "volume": lambda s, p, now, v, src: flows.volume(s, p, v),
    "session_minutes": lambda s, p, now, v, src: flows.replanned(
        s, p, settings_part.session_minutes(s.settings, p.config.routine, v), now
    ),
    "rate": flows.rate,
    "rescan_triggers": lambda s, p, now, v, src: [fx.RescanTriggers()],
    "preview": lambda s, p, now, v, src: sound.preview(s, p.timers["preview"], v, now),
    "preview_stop": lambda s, p, now, v, src: sound.preview_stop(s, p.timers["preview"]),
    "pin": lambda s, p, now, v, src: sound.pin(s.settings, s.triggers, v),
    "never": lambda s, p, now, v, src: sound.never(s.settings, s.triggers, v),
    "blink": lambda s, p, now, v, src: [fx.LampBlink(sound.CONFIRM_BLINKS)],
    "none": lambda s, p, now, v, src: [],
    **{name: flows.override(change) for name, change in OVERRIDES.items()},
}
"""Every command the core takes, by action name (the hub's, the web page's, the buttons')."""


def settings_from_config(config: Config) -> Settings:
    return Settings(
        volume=min(config.sounds.volume, config.sounds.max_volume),
        session_minutes=config.routine.session_minutes,
        routine_enabled=config.routine.enabled,
        trigger=config.sounds.trigger,
    )


class Controller:
    EVENING_FADE = EVENING_FADE  # s, the session's lamp to the evening level (the session's constant)

    def __init__(self, config: Config, settings: Settings, tz: dt.tzinfo, rng: random.Random | None = None) -> None:
        self.config, self.tz = config, tz
        self.state = DeviceState(settings=settings)
        self.parts = Parts.of(config, tz, self.state, rng if rng is not None else random.Random())  # seeded in tests
        self.buttons = Buttons(config.buttons)

    # -- the worker's interface ------------------------------------------------

    def handle(self, event: ev.Event, now: float) -> Effects:
        """Apply one event; return the effects to carry out, in order."""
        out = self.advance(now)
        if isinstance(event, ev.ButtonEdge):  # each gesture is followed as it comes
            for button, gesture in self.buttons.edge(event):
                out += self._followed(self._gesture(button, gesture, now), now)
            return out
        if isinstance(event, STATUS_EVENTS):
            status.note(self.state, event)
            return out
        return out + self._followed(self._event(event, now), now)

    def next_deadline(self) -> float | None:
        times = [t for t in (self.buttons.deadline(), self.state.timers.next()) if t is not None]
        return min(times) if times else None

    def advance(self, now: float) -> Effects:
        """Carry out whatever has come due by ``now``."""
        out: Effects = []
        for button, gesture in self.buttons.due(now):
            out += self._followed(self._gesture(button, gesture, now), now)
        for name, when in self.state.timers.due(now):
            out += self._followed(flows.timer_due(self.state, self.parts, name, when, now), now)
        return out

    def replan(self, now: float) -> Effects:
        return flows.replan(self.state, self.parts, now)

    def start_session(self, now: float, source: str, trigger: str = "", minutes: int | None = None) -> Effects:
        return self._followed(flows.start(self.state, self.parts, now, source, trigger, minutes), now)

    # -- routing ---------------------------------------------------------------------

    def _followed(self, effects: Effects, now: float) -> Effects:
        """The lamp's state follows the lamp effects just decided, whichever part decided them."""
        lamp.follow(self.state.lamp, effects, now)
        return effects

    def _event(self, event: ev.Event, now: float) -> Effects:
        s, p = self.state, self.parts
        if isinstance(event, ev.Command):
            return self._command(event.action, event.value, event.source, now)
        if isinstance(event, ev.SoundFailed):
            return flows.sound_failed(s, p, event.trigger, event.reason, now)
        if isinstance(event, ev.RoomReading):
            room_meaning.take_reading(s.room, event, self.config.room, s.lamp.level_at(event.at))
        elif isinstance(event, ev.Resume):
            return flows.resume(s, p, event.session, now)
        elif isinstance(event, ev.Shutdown):
            return flows.shutdown(s, p, now)
        return []

    def _gesture(self, button: str, gesture: GestureKind, now: float) -> Effects:
        if self.state.shutting_down:
            return []
        said: Effects = [fx.PublishEvent("button", {"button": button, "gesture": gesture})]
        taken = flows.press(self.state, self.parts, gesture, now)  # the sunrise, the night sound, a rating
        if taken is None:
            taken = self._command(self.buttons.action(button, gesture), None, "button", now)
        return taken + said  # the lamp and the sound answer the press first; the hub hears of it after

    def _command(self, action: str, value: Any, source: str, now: float) -> Effects:
        if self.state.shutting_down:
            return [fx.RejectCommand(action, "the device is shutting down")]
        handler = ACTIONS.get(action)
        if handler is None:
            return [fx.RejectCommand(action, f"unknown action {action!r}")]
        return handler(self.state, self.parts, now, value, source)
