"""Drive the pure core the way the worker does, on a fake clock: a whole night in milliseconds."""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo

from device.config import Config, parse_config
from device.core import effects as fx
from device.core import events as ev
from device.core.controller import Controller, settings_from_config

TRIGGERS = ("rain", "brushing", "tapping", "pink-noise")


def as_carried_out(effects: list[fx.Effect]) -> list[fx.Effect]:
    """The effects in the order the worker carries them out with a journal that stores at once:
    a record's ``then`` (a rating's blink and event) right after the record."""
    out: list[fx.Effect] = []
    for effect in effects:
        out.append(effect)
        if isinstance(effect, fx.JournalRecord):
            out += as_carried_out(list(effect.then))
    return out


class CoreBench:
    def __init__(self, config_text: str = "", start: str = "2026-11-24 21:30", tz: str = "Europe/Berlin") -> None:
        self.config: Config = parse_config(config_text)
        self.tz = zoneinfo.ZoneInfo(tz)
        self.now = dt.datetime.fromisoformat(start).replace(tzinfo=self.tz).timestamp()
        self.controller = Controller(self.config, settings_from_config(self.config), self.tz, random.Random(7))
        self.effects: list[fx.Effect] = []
        self.send(ev.TriggersAvailable(TRIGGERS))

    @property
    def state(self):
        return self.controller.state

    def send(self, event: ev.Event) -> list[fx.Effect]:
        out = as_carried_out(self.controller.handle(event, self.now))
        self.effects += out
        return out

    def command(self, action: str, value: object = None, source: str = "hub") -> list[fx.Effect]:
        return self.send(ev.Command(action, value, source))

    def run_for(self, seconds: float) -> list[fx.Effect]:
        """Advance the fake clock, waking at each deadline as the worker would."""
        end = self.now + seconds
        out: list[fx.Effect] = []
        while (deadline := self.controller.next_deadline()) is not None and deadline <= end:
            self.now = max(self.now, deadline)
            out += as_carried_out(self.controller.advance(self.now))
        self.now = end
        self.effects += out
        return out

    def press(self, hold: float = 0.12, button: str = "main") -> None:
        self.send(ev.ButtonEdge(button, True, self.now))
        self.run_for(hold)
        self.send(ev.ButtonEdge(button, False, self.now))

    def single(self) -> None:
        self.press()
        self.run_for(1.0)

    def double(self) -> None:
        self.press()
        self.run_for(0.15)
        self.press()
        self.run_for(1.0)

    def long(self) -> None:
        self.press(hold=2.0)
        self.run_for(0.5)

    def of(self, kind: type, effects: list[fx.Effect] | None = None) -> list:
        return [e for e in (self.effects if effects is None else effects) if isinstance(e, kind)]

    def events(self, kind: str) -> list[dict]:
        return [e.data for e in self.of(fx.PublishEvent) if e.kind == kind]
