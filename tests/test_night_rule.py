"""One rule for "which night is it": the core's, in the configured time zone, whatever the process's is."""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo
from pathlib import Path

import pytest

from device.config import parse_config
from device.core import effects as fx
from device.core import events as ev
from device.core.controller import Controller, settings_from_config
from device.journal import store
from device.journal.writer import SqliteJournal

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


def berlin(day: int, hour: int, minute: int) -> float:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=BERLIN).timestamp()


@pytest.fixture
def pi_on_utc(monkeypatch: pytest.MonkeyPatch):
    """The process's own time zone is UTC, as on a Pi nobody set up."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_pi_on_utc_with_a_berlin_config_files_each_night_under_the_berlin_date(pi_on_utc, tmp_path: Path):
    config = parse_config('[device]\ntimezone = "Europe/Berlin"\n[routine]\nenabled = false\n')
    c = Controller(config, settings_from_config(config), BERLIN)
    c.handle(ev.TriggersAvailable(("rain",)), berlin(24, 8, 0))
    journal = SqliteJournal(tmp_path / "journal.db", batch_seconds=0)
    starts: list[str] = []
    # A nap at 12:30 (11:30 UTC: twelve hours before is the day before in UTC), an evening,
    # and a session after midnight, which belongs to the night before.
    for start in (berlin(24, 12, 30), berlin(24, 21, 0), berlin(25, 0, 30)):
        effects = c.handle(ev.Command("start_session", None, "hub"), start)
        starts += [e.data["night"] for e in effects if isinstance(e, fx.JournalRecord)]
        effects = c.handle(ev.Command("stop_session", None, "hub"), start + 1200)
        for effect in effects:  # only the ends reach the journal, as after a crash lost the starts
            if isinstance(effect, fx.JournalRecord):
                journal.record(effect.kind, effect.data)
    for effect in c.handle(ev.Command("rate", "good", "hub"), berlin(25, 7, 30)):
        if isinstance(effect, fx.JournalRecord):
            journal.record(effect.kind, effect.data)
    journal.close()
    sessions, ratings = store.read_journal(tmp_path / "journal.db")
    assert starts == ["2026-11-24", "2026-11-24", "2026-11-24"]
    assert [s.night for s in sessions] == ["2026-11-24", "2026-11-24", "2026-11-24"]
    assert [(r.night, r.rating) for r in ratings] == [("2026-11-24", "good")]


def test_a_morning_rating_is_for_last_night_unless_a_session_played_this_morning():
    config = parse_config("[routine]\nenabled = false\n")
    c = Controller(config, settings_from_config(config), BERLIN)
    c.handle(ev.TriggersAvailable(("rain",)), berlin(25, 6, 0))

    def rated(now: float) -> str:
        (record,) = [e for e in c.handle(ev.Command("rate", "bad", "hub"), now) if isinstance(e, fx.JournalRecord)]
        return record.data["night"]

    assert rated(berlin(25, 6, 0)) == "2026-11-24"  # in the morning window: last night
    assert rated(berlin(25, 2, 0)) == "2026-11-24"  # in the night: the night you are in
    assert rated(berlin(25, 20, 0)) == "2026-11-25"  # in the evening: tonight
    c.handle(ev.Command("start_session", None, "hub"), berlin(25, 8, 0))  # a morning session is tonight's
    c.handle(ev.Command("stop_session", None, "hub"), berlin(25, 8, 30))
    assert rated(berlin(25, 8, 31)) == "2026-11-25"
