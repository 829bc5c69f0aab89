"""Power cuts: SIGKILL at 50 random moments (seed 14) while the device writes its files as fast as it can.

After each cut: every JSON state file parses and none was set aside, the journal passes
``PRAGMA integrity_check``, settings.json holds the old or the new volume (never one not sent,
never older than the file held before), the restarted device shows what the file holds, and every
rating that was acknowledged is in the journal.

Settings are written off the worker (a command must not wait for the card), so the state may show
a volume a moment before the file has it: a cut in that moment keeps the one before, and the next
start shows that one, so the hub is put right at once.
"""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from device.core.record import SessionRecord

CUTS = 50
SEED = 14


def run_until_cut(state: Path, run: int, delay: float) -> list[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.support.busy_device", str(state), str(run)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for line in process.stdout:  # type: ignore[union-attr]
            lines.append(line.strip())
            if line.startswith("READY"):
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert ready.wait(60), "the device did not start"
        threading.Event().wait(delay)  # a random moment of busy work
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
    reader.join(5)
    return lines


def check_files(state: Path, acknowledged: set[str]) -> None:
    assert not list(state.glob("*.corrupt-*")), "a state file was set aside"
    for path in state.glob("*.json"):
        json.loads(path.read_text())  # every file parses
    if (state / "session.json").exists():
        SessionRecord.from_dict(json.loads((state / "session.json").read_text()))
    conn = sqlite3.connect(state / "journal.db")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        stored = {row[0] for row in conn.execute("SELECT source FROM ratings")} if "ratings" in tables else set()
    finally:
        conn.close()
    lost = acknowledged - stored
    assert not lost, f"acknowledged ratings lost: {sorted(lost)[:5]}"


def test_fifty_power_cuts_during_busy_activity(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    state = tmp_path / "state"
    state.mkdir()
    acknowledged: set[str] = set()
    on_disk_before = None
    ratings = 0
    for run in range(CUTS):
        lines = run_until_cut(state, run, rng.uniform(0.0, 0.5))
        acknowledged |= {line.split(" ", 1)[1] for line in lines if line.startswith("ACK ")}
        sent = [float(line.split()[1]) for line in lines if line.startswith("SENT ")]
        saved = [float(line.split()[1]) for line in lines if line.startswith("SAVED ")]
        check_files(state, acknowledged)
        volume = (
            json.loads((state / "settings.json").read_text())["volume"] if (state / "settings.json").exists() else None
        )
        allowed = set(sent) | ({on_disk_before} if on_disk_before is not None else set())
        assert volume is None or volume in allowed, (run, volume)  # old or new, never a mix or a stranger
        if on_disk_before is not None and saved:
            assert saved[0] == on_disk_before, (run, saved[0], on_disk_before)  # it starts showing what is on disk
        if volume is not None and on_disk_before is not None:
            assert volume >= on_disk_before, (run, volume, on_disk_before)  # never older than the file was
        on_disk_before = volume
        ratings = len(acknowledged)
    assert ratings > CUTS, "the runs were busy: ratings were acknowledged"
