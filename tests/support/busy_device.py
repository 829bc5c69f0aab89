"""`python -m tests.support.busy_device STATE_DIR RUN`: the daemon's core, worker and persistence, kept busy.

The power-cut test SIGKILLs this at random moments. It starts as the daemon does (the real
loaders for settings.json and session.json, the real SQLite journal) and then, as fast as the
worker takes them, changes the volume (settings.json), starts and stops sessions (session.json,
the journal's session rows) and rates nights (the journal, committed before acknowledged).
It prints what the parent needs to check the files after the kill: ``SENT v`` before a volume
command, ``SAVED v`` once the state shows it, ``ACK source`` when a rating is acknowledged.
No pygame, no MQTT: the parts that write to the card are the daemon's own, and it starts in a
fraction of the daemon's time, so 50 cuts fit in the suite.
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
from pathlib import Path
from typing import Any

from device.audio.player import SilentPlayer
from device.config import parse_config
from device.core import events as ev
from device.core.controller import Controller
from device.hardware.lamp.fakes.recording import RecordingLamp
from device.hub.base import NullHub
from device.journal.writer import SqliteJournal
from device.runtime.clock import RealClock
from device.runtime.daemon import load_session, load_settings
from device.runtime.worker import Adapters, Worker

_SAY = threading.Lock()


def say(line: str) -> None:
    """One whole line on stdout (print from two threads can interleave a line's parts)."""
    with _SAY:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


class PrintingHub(NullHub):
    def __init__(self) -> None:
        super().__init__()
        self.saved = -1.0

    def publish_event(self, kind: str, data: dict[str, Any]) -> None:
        if kind == "rated":
            say(f"ACK {data['source']}")

    def publish_state(self, snapshot: dict[str, Any]) -> None:
        volume = snapshot["settings"]["volume"]
        if volume != self.saved:
            self.saved = volume
            say(f"SAVED {volume!r}")


def main(state_dir: Path, run: int) -> None:
    config = parse_config("[routine]\nenabled = false\n[sounds]\nmax_volume = 100\n")
    settings, settings_file = load_settings(config, state_dir)
    stored, session_file = load_session(state_dir)
    clock = RealClock()
    journal = SqliteJournal(state_dir / "journal.db")
    worker = Worker(
        Controller(config, settings, dt.UTC),
        Adapters(RecordingLamp(clock), SilentPlayer(), PrintingHub(), journal),
        clock,
        settings_file,
        session_file=session_file,
    )
    worker.post(ev.TriggersAvailable(SilentPlayer().triggers()[0]))
    worker.post(ev.Resume(stored))
    threading.Thread(target=worker.run, daemon=True).start()
    say("READY")
    pause = threading.Event()
    for step in range(1_000_000):
        volume = round(1.0 + run + step * 1e-4, 4)  # rising through the whole test: old-or-new is checkable
        say(f"SENT {volume!r}")
        worker.post(ev.Command("volume", volume, "hub"))
        if step % 3 == 0:
            worker.post(ev.Command("rate", "good" if step % 2 else "bad", f"r{run}-{step}"))
        if step % 7 == 0:
            worker.post(ev.Command("session", step % 14 == 0, "hub"))
        pause.wait(0.002)


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
