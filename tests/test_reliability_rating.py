"""A rating is on disk before it is acknowledged: the `rated` event and the blink come after the commit."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path
from typing import Any

from device.audio.player import SilentPlayer
from device.config import parse_config
from device.core import events as ev
from device.core.controller import Controller, settings_from_config
from device.hardware.lamp.fakes.recording import RecordingLamp
from device.hub.base import NullHub
from device.journal.writer import SqliteJournal
from device.runtime.clock import RealClock
from device.runtime.worker import Adapters, Worker


def ratings_on_disk(path: Path) -> list[str]:
    """What another process (or the device after a power cut) would read."""
    if not path.exists():
        return []
    conn = sqlite3.connect(path)
    try:
        return [row[0] for row in conn.execute("SELECT rating FROM ratings")]
    except sqlite3.OperationalError:  # no table yet: nothing written
        return []
    finally:
        conn.close()


class CheckingHub(NullHub):
    """Looks at the card at the moment the user is told."""

    def __init__(self, journal_path: Path) -> None:
        super().__init__()
        self.journal_path = journal_path
        self.on_disk_when_told: list[list[str]] = []
        self.told = threading.Event()

    def publish_event(self, kind: str, data: dict[str, Any]) -> None:
        super().publish_event(kind, data)
        if kind == "rated":
            self.on_disk_when_told.append(ratings_on_disk(self.journal_path))
            self.told.set()


class CheckingLamp(RecordingLamp):
    def __init__(self, clock: RealClock, journal_path: Path) -> None:
        super().__init__(clock)
        self.journal_path = journal_path
        self.on_disk_when_blinked: list[list[str]] = []

    def blink(self, times: int) -> None:
        self.on_disk_when_blinked.append(ratings_on_disk(self.journal_path))
        super().blink(times)


def test_a_rating_is_committed_before_the_event_and_the_blink(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    config = parse_config("")
    clock = RealClock()
    journal = SqliteJournal(path, batch_seconds=30.0)  # a long batch: only an early commit can satisfy this
    hub, lamp = CheckingHub(path), CheckingLamp(clock, path)
    worker = Worker(
        Controller(config, settings_from_config(config), dt.UTC), Adapters(lamp, SilentPlayer(), hub, journal), clock
    )
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        worker.post(ev.Command("rate", "good", "hub"))
        assert hub.told.wait(10)
    finally:
        worker.post(ev.Shutdown("test"))
        thread.join(5)
        journal.close()
    assert hub.on_disk_when_told == [["good"]]
    assert lamp.on_disk_when_blinked == [["good"]] and lamp.blinks == [1]


def test_a_rating_the_card_refuses_is_not_acknowledged(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "journal.db").mkdir()  # a folder where the file should be: every write fails
    config = parse_config("")
    clock = RealClock()
    journal = SqliteJournal(folder / "journal.db", batch_seconds=0.05)
    hub = CheckingHub(folder / "journal.db")
    worker = Worker(
        Controller(config, settings_from_config(config), dt.UTC),
        Adapters(RecordingLamp(clock), SilentPlayer(), hub, journal),
        clock,
    )
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    try:
        worker.post(ev.Command("rate", "bad", "hub"))
        assert journal.flush(5)
    finally:
        worker.post(ev.Shutdown("test"))
        thread.join(5)
        journal.close()
    assert not [kind for kind, _ in hub.events if kind == "rated"]
