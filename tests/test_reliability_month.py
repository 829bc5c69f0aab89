"""A simulated month at a fast clock, through the real worker, journal and state files: every
wind-down starts on the minute it should (across the change from summer time), and threads,
open files and memory do not grow from the first nights to the last."""

from __future__ import annotations

import datetime as dt
import gc
import os
import resource
import threading
import zoneinfo
from pathlib import Path
from typing import Any

from device.audio.player import SilentPlayer
from device.config import parse_config
from device.core import events as ev
from device.core.controller import Controller, settings_from_config
from device.hardware.lamp.fakes.recording import RecordingLamp
from device.hub.base import NullHub
from device.journal.writer import SqliteJournal
from device.persist import JsonStateFile
from device.runtime.fake_clock import FakeClock
from device.runtime.worker import Adapters, Worker

TZ = zoneinfo.ZoneInfo("Europe/Berlin")
FIRST_NIGHT = dt.date(2026, 10, 10)  # summer time ends on the night of 24/25 October
NIGHTS = 30
CONFIG = '[device]\ntimezone = "Europe/Berlin"\n[routine]\nsleep = "23:00"\nwake = "06:30"\n'


def local(day: dt.date, hour: int, minute: int) -> float:
    return dt.datetime.combine(day, dt.time(hour, minute), TZ).timestamp()


class TimedHub(NullHub):
    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self.clock = clock
        self.at: list[tuple[str, float]] = []

    def publish_event(self, kind: str, data: dict[str, Any]) -> None:
        self.at.append((kind, self.clock.now()))


class MonthWorker(Worker):
    """The real worker, whose waits jump the fake clock to the next deadline (or the next hand on the
    button); each noon it notes threads, open files and resident memory."""

    def __init__(self, *args: Any, end: float, presses: list[tuple[float, ev.Event]], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.end, self.presses = end, sorted(presses, key=lambda p: p[0])
        self.noons = [local(FIRST_NIGHT + dt.timedelta(days=n), 12, 0) for n in range(1, NIGHTS + 1)]
        self.samples: list[tuple[int, int, int]] = []

    def _next_event(self) -> Any:
        posted = self._wait_for_event(0.002)  # what other threads posted (the journal's counts)
        if posted is not None:
            return posted
        now = self.clock.now()
        deadline = self.controller.next_deadline() or now + 3600.0
        targets = [deadline, self.end]
        if self.presses:
            targets.append(self.presses[0][0])
        if self.noons:
            targets.append(self.noons[0])
        target = max(now, min(targets))
        self.clock.set(target)
        if self.noons and target >= self.noons[0]:
            self.noons.pop(0)
            self.adapters.journal.flush()  # type: ignore[attr-defined]
            gc.collect()
            rss = int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() // 1024
            self.samples.append((threading.active_count(), len(os.listdir("/proc/self/fd")), rss))
        if target >= self.end:
            return ev.Shutdown("month over")
        if self.presses and target >= self.presses[0][0]:
            return self.presses.pop(0)[1]
        return None


def test_a_month_of_nights_keeps_time_and_does_not_grow(tmp_path: Path) -> None:
    config = parse_config(CONFIG)
    start = local(FIRST_NIGHT, 12, 0)
    clock = FakeClock(start)
    hub = TimedHub(clock)
    journal = SqliteJournal(tmp_path / "journal.db", batch_seconds=0.01)
    mornings = [FIRST_NIGHT + dt.timedelta(days=n) for n in range(1, NIGHTS + 1)]
    presses = [(local(day, 7, 30), ev.Command("rate", "good" if day.day % 3 else "bad", "hub")) for day in mornings]
    presses += [(local(day, 20, 0), ev.Command("volume", 20.0 + day.day % 10, "hub")) for day in mornings]
    worker = MonthWorker(
        Controller(config, settings_from_config(config), TZ),
        Adapters(RecordingLamp(clock), SilentPlayer(), hub, journal),
        clock,
        JsonStateFile(tmp_path / "settings.json"),
        session_file=JsonStateFile(tmp_path / "session.json"),
        end=local(FIRST_NIGHT + dt.timedelta(days=NIGHTS), 12, 30),
        presses=presses,
    )
    journal.subscribe(worker.post)
    worker.post(ev.TriggersAvailable(SilentPlayer().triggers()[0]))
    worker.post(ev.Resume(None))  # as the daemon starts it
    worker.run()
    journal.close()

    starts = [at for kind, at in hub.at if kind == "session_started"]
    expected = [local(FIRST_NIGHT + dt.timedelta(days=n), 21, 30) for n in range(NIGHTS)]
    assert len(starts) == NIGHTS
    assert max(abs(a - b) for a, b in zip(starts, expected, strict=True)) < 1e-6, "a wind-down drifted"
    sunrises = [at for kind, at in hub.at if kind == "sunrise_started"]
    expected = [local(day, 6, 10) for day in mornings]  # 20 minutes before the 06:30 wake time
    assert max(abs(a - b) for a, b in zip(sunrises, expected, strict=True)) < 1e-6, "a sunrise drifted"
    rated = [at for kind, at in hub.at if kind == "rated"]
    assert len(rated) == NIGHTS
    threads, files, rss = zip(*worker.samples, strict=True)
    assert len(worker.samples) == NIGHTS
    assert max(threads[3:]) == threads[3] and max(files[3:]) == files[3], (threads, files)
    assert rss[-1] - rss[3] < 10 * 1024, f"resident memory grew by {(rss[-1] - rss[3]) / 1024:.1f} MB in a month"
