"""Drive the pure controller through whole nights on a fake clock, recording what it asks for.

The lamp and the player are modelled from the effects alone (the same fade
arithmetic the real lamp uses), so a test can ask "where is the lamp at
22:00?" without any adapter.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from device.config.load import parse_config
from device.config.schema import Config
from device.core import effects as fx
from device.core import events as ev
from device.core.controller import Controller, settings_from_config
from device.core.fade import fade_level
from device.core.state import Settings
from tests.support.core_bench import as_carried_out

TRIGGERS = ("rain", "brushing", "pink_noise")


def config(toml: str = "", tz: str = "Europe/Berlin") -> Config:
    return parse_config(f'[device]\ntimezone = "{tz}"\n[mqtt]\nenabled = false\n{toml}')


@dataclass
class ModelLamp:
    """Where the lamp is, from the LampFade effects (each starts where the last one is)."""

    fades: list[tuple[float, float, float, float, str]] = field(default_factory=list)  # t0, from, to, t1, curve

    def fade(self, now: float, effect: fx.LampFade) -> None:
        start = self.level(now)
        self.fades.append((now, start, effect.level, now + effect.duration, effect.curve))

    def level(self, at: float) -> float:
        level = 0.0
        for t0, start, to, t1, curve in self.fades:
            if t0 <= at:
                level = fade_level(start, to, t0, t1, at, curve)
        return level


@dataclass
class ModelPlayer:
    """What plays and at which volume, from the sound effects (volume ramps are linear)."""

    events: list[tuple[float, str, Any]] = field(default_factory=list)
    ramps: list[tuple[float, float, float, float]] = field(default_factory=list)  # t0, from, to, t1

    def apply(self, now: float, effect: fx.Effect) -> None:
        if isinstance(effect, fx.PlaySound):
            self.events.append((now, "play", effect.trigger))
            self.ramps.append((now, effect.volume, effect.volume, now))
        elif isinstance(effect, fx.SetVolume):
            self.ramps.append((now, self.volume(now), effect.volume, now + effect.ramp))
        elif isinstance(effect, fx.FadeOutSound):
            self.events.append((now, "fade_out", effect.duration))
        elif isinstance(effect, fx.CrossfadeSound):
            self.events.append((now, "crossfade", effect.trigger))

    def volume(self, at: float) -> float:
        volume = 0.0
        for t0, start, to, t1 in self.ramps:
            if t0 <= at:
                volume = fade_level(start, to, t0, t1, at, "linear")
        return volume


class Nights:
    """A controller on a fake clock, started the way the daemon starts it."""

    def __init__(
        self,
        cfg: Config,
        start: str,
        settings: Settings | None = None,
        session: dict[str, Any] | None = None,
        triggers: tuple[str, ...] = TRIGGERS,
    ) -> None:
        self.tz = zoneinfo.ZoneInfo(cfg.device.timezone)
        self.ctl = Controller(cfg, settings or settings_from_config(cfg), self.tz)
        self.now = self.at(start)
        self.effects: list[tuple[float, fx.Effect]] = []
        self.lamp = ModelLamp()
        self.player = ModelPlayer()
        self.handle(ev.TriggersAvailable(triggers))
        self.handle(ev.Resume(session))

    def at(self, local: str) -> float:
        return dt.datetime.fromisoformat(local).replace(tzinfo=self.tz).timestamp()

    def local(self, instant: float) -> str:
        return dt.datetime.fromtimestamp(instant, self.tz).strftime("%Y-%m-%d %H:%M:%S")

    def _record(self, effects: list[fx.Effect]) -> None:
        for effect in as_carried_out(effects):
            self.effects.append((self.now, effect))
            if isinstance(effect, fx.LampFade):
                self.lamp.fade(self.now, effect)
            self.player.apply(self.now, effect)

    def handle(self, event: ev.Event) -> list[fx.Effect]:
        effects = self.ctl.handle(event, self.now)
        self._record(effects)
        return effects

    def command(self, action: str, value: Any = None, source: str = "hub") -> list[fx.Effect]:
        return self.handle(ev.Command(action, value, source))

    def run_until(self, local_or_instant: str | float) -> None:
        """Advance the fake clock to the time, firing every deadline on the way exactly when due."""
        end = self.at(local_or_instant) if isinstance(local_or_instant, str) else local_or_instant
        while (deadline := self.ctl.next_deadline()) is not None and deadline <= end:
            self.now = max(self.now, deadline)
            self._record(self.ctl.advance(self.now))
        self.now = max(self.now, end)

    def press(self, gesture: str = "single") -> None:
        """Press the main button like a person would, then let the gesture complete."""
        holds = {"single": [0.1], "double": [0.1, 0.1], "long": [2.0]}[gesture]
        for hold in holds:
            self.handle(ev.ButtonEdge("main", True, self.now))
            self.run_until(self.now + hold)
            self.handle(ev.ButtonEdge("main", False, self.now))
            self.run_until(self.now + 0.1)
        self.run_until(self.now + 1.0)

    def events(self, kind: str) -> list[tuple[float, dict[str, Any]]]:
        return [(t, e.data) for t, e in self.effects if isinstance(e, fx.PublishEvent) and e.kind == kind]

    def of_type(self, cls: type) -> list[tuple[float, Any]]:
        return [(t, e) for t, e in self.effects if isinstance(e, cls)]

    def sessions(self) -> list[tuple[str, str, str, str]]:
        """(local start, local end, started by, end reason) of every session so far."""
        starts = self.events("session_started") + self.events("session_resumed")
        starts.sort(key=lambda item: item[0])
        ends = self.events("session_ended")
        out = []
        for (t0, data), (t1, end) in zip(starts, ends, strict=False):
            out.append((self.local(t0), self.local(t1), data["source"], end["reason"]))
        return out

    def last_record(self) -> dict[str, Any]:
        return self.of_type(fx.PersistSession)[-1][1].session
