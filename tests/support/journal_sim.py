"""Simulated weeks of use: the real controller and the real SQLite journal, a fake clock and a fake sleeper.

Every evening the routine starts a session at about 21:30 (a few minutes of
jitter), the room is a little too warm on some nights, the session runs to its
time limit, and in the morning the sleeper rates the night: "rain" and
"brushing" usually help, everything else usually does not.
"""

from __future__ import annotations

import datetime as dt
import random
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from device.config import Config, default_config
from device.core import effects as fx
from device.core import events as ev
from device.core.controller import Controller, settings_from_config
from device.journal.writer import SqliteJournal

TRIGGERS = ("rain", "brushing", "tapping", "whisper", "crinkling", "pouring", "ocean", "pink_noise", "brown_noise")
WORKS = ("rain", "brushing")
TZ = zoneinfo.ZoneInfo("Europe/Berlin")  # the weeks below cross the end of summer time
FIRST_NIGHT = dt.date(2026, 9, 28)


@dataclass
class SimResult:
    played: list[str] = field(default_factory=list)  # the trigger of each night, in order
    journal: Path = Path()
    controller: Controller | None = None

    def share(self, names: tuple[str, ...], first: int = 0, last: int | None = None) -> float:
        nights = self.played[first:last]
        return sum(1 for t in nights if t in names) / len(nights)

    def counts(self, first: int = 0) -> Counter[str]:
        return Counter(self.played[first:])


def at(date: dt.date, hour: int, minute: float = 0.0) -> float:
    return dt.datetime.combine(date, dt.time(hour), TZ).timestamp() + 60 * minute


def simulate(
    journal_path: Path,
    weeks: int = 8,
    seed: int = 1,
    config: Config | None = None,
    pinned: str = "",
    p_good: float = 0.9,
) -> SimResult:
    """Run ``weeks`` weeks of nights; returns the trigger played each night."""
    config = config or default_config()
    settings = settings_from_config(config)
    settings.trigger = pinned
    controller = Controller(config, settings, TZ, rng=random.Random(seed))
    sleeper = random.Random(seed + 1000)
    journal = SqliteJournal(journal_path, batch_seconds=0)
    posted: list[ev.Event] = []
    journal.subscribe(posted.append)
    result = SimResult(journal=journal_path, controller=controller)
    now = at(FIRST_NIGHT, 18)
    controller.handle(ev.TriggersAvailable(TRIGGERS), now)

    def apply(effects: list[fx.Effect]) -> None:
        for effect in effects:
            if isinstance(effect, fx.JournalRecord):
                journal.record(effect.kind, effect.data)
        journal.flush()
        while posted:
            controller.handle(posted.pop(0), now)

    apply([])
    for day in range(7 * weeks):
        date = FIRST_NIGHT + dt.timedelta(days=day)
        now = at(date, 21, 30 + sleeper.gauss(0, 8))  # the default schedule: sleep 23:00 - 60 - 30 min
        temperature = round(18.8 + 1.5 * sleeper.random() + (1.2 if day % 4 == 0 else 0.0), 1)
        controller.handle(ev.RoomReading(now - 30, temperature_c=temperature, humidity=45.0, lux=2.0), now - 30)
        controller.state.room.not_ready = ("too_warm",) if temperature > config.room.max_temp_c else ()
        apply(controller.handle(ev.Command("start_session", None, "schedule"), now))
        result.played.append(controller.state.session.trigger)
        now += 60 * config.routine.session_minutes + 1
        apply(controller.advance(now))
        now = at(date + dt.timedelta(days=1), 7, 15)
        works = result.played[-1] in WORKS
        good = sleeper.random() < (p_good if works else 1 - p_good)
        apply(controller.handle(ev.Command("rate", "good" if good else "bad", "button"), now))
    journal.close()
    return result
