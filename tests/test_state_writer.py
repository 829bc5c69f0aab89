"""settings.json is written off the worker: the hub sees a command at once, the card
gets the newest content, a failing card is reported once and its recovery too, and a stop writes
what is pending."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from pathlib import Path

import pytest

from device.audio.player import SilentPlayer
from device.config import parse_config
from device.core import events as ev
from device.core.controller import Controller, settings_from_config
from device.hardware.lamp.fakes.recording import RecordingLamp
from device.hub.base import NullHub
from device.journal.base import MemoryJournal
from device.persist import JsonStateFile
from device.runtime import state_writer
from device.runtime.clock import RealClock
from device.runtime.state_writer import StateWriter
from device.runtime.worker import Adapters, Worker


class SlowCard:
    """write_atomic on a card that takes ``seconds`` per write, counting the writes."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.writes: list[Path] = []
        self.real = state_writer.write_atomic

    def __call__(self, path: Path, data: bytes) -> None:
        time.sleep(self.seconds)
        self.writes.append(path)
        self.real(path, data)


class StateHub(NullHub):
    def __init__(self) -> None:
        super().__init__()
        self.volumes: list[tuple[float, float]] = []  # (when, volume shown)

    def publish_state(self, snapshot):  # type: ignore[no-untyped-def]
        super().publish_state(snapshot)
        self.volumes.append((time.monotonic(), snapshot["settings"]["volume"]))


def running_worker(tmp_path: Path, hub: NullHub) -> tuple[Worker, threading.Thread]:
    config = parse_config("[routine]\nenabled = false\n[sounds]\nmax_volume = 100\n")
    clock = RealClock()
    worker = Worker(
        Controller(config, settings_from_config(config), dt.UTC),
        Adapters(RecordingLamp(clock), SilentPlayer(), hub, MemoryJournal()),
        clock,
        JsonStateFile(tmp_path / "settings.json"),
        session_file=JsonStateFile(tmp_path / "session.json"),
    )
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    return worker, thread


def test_the_state_shows_a_command_without_waiting_for_the_card(tmp_path: Path, monkeypatch) -> None:
    card = SlowCard(0.5)
    monkeypatch.setattr(state_writer, "write_atomic", card)
    hub = StateHub()
    worker, thread = running_worker(tmp_path, hub)
    try:
        sent = time.monotonic()
        worker.post(ev.Command("volume", 42, "hub"))
        deadline = sent + 5
        while not any(v == 42 for _, v in hub.volumes) and time.monotonic() < deadline:
            time.sleep(0.005)
        shown = next(at for at, v in hub.volumes if v == 42)
        assert shown - sent < 0.25, f"the state waited {shown - sent:.3f} s for a 0.5 s write"
        assert worker.state_writer is not None and worker.state_writer.flush()
        assert json.loads((tmp_path / "settings.json").read_text())["volume"] == 42
    finally:
        worker.post(ev.Shutdown())
        thread.join(5)


def test_a_burst_of_changes_is_one_write_of_the_newest(tmp_path: Path, monkeypatch) -> None:
    card = SlowCard(0.3)
    monkeypatch.setattr(state_writer, "write_atomic", card)
    writer = StateWriter()
    path = tmp_path / "settings.json"
    for volume in range(1, 21):
        writer.save(path, json.dumps({"volume": volume}).encode())
    assert writer.close()
    assert json.loads(path.read_text()) == {"volume": 20}
    assert len(card.writes) <= 2, card.writes  # the first, perhaps, then the newest of the rest


def test_a_stop_writes_what_is_pending(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(state_writer, "write_atomic", SlowCard(0.3))
    worker, thread = running_worker(tmp_path, NullHub())
    worker.post(ev.Command("volume", 17, "hub"))
    worker.post(ev.Shutdown())
    thread.join(10)
    assert worker.stopped.is_set()
    assert json.loads((tmp_path / "settings.json").read_text())["volume"] == 17


def test_a_failing_card_is_reported_once_and_its_recovery(tmp_path: Path, caplog) -> None:
    posted: list[ev.Event] = []
    writer = StateWriter(posted.append)
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the state folder should be")
    for volume in (1, 2, 3):
        writer.save(blocked / "settings.json", b'{"volume": %d}' % volume)
        writer.flush()
    failures = [e for e in posted if isinstance(e, ev.AdapterFailed)]
    assert len(failures) == 1 and failures[0].adapter == "state_dir"
    assert "settings.json" in failures[0].error
    assert sum("cannot write" in r.message for r in caplog.records if r.levelname == "ERROR") == 1
    writer.save(tmp_path / "settings.json", b'{"volume": 4}')
    writer.flush()
    assert isinstance(posted[-1], ev.AdapterRecovered)
    writer.close()


def test_a_value_json_cannot_hold_fails_on_the_worker_not_on_the_card(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        JsonStateFile.encode({"volume": float("nan")})
