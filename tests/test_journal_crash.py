"""The journal survives SIGKILL in the middle of writes: the file checks out, and no row or batch is half there."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from device.journal import store

BATCH = 50
CHILD = """
import sys
from pathlib import Path
from device.journal.writer import SqliteJournal

journal = SqliteJournal(Path(sys.argv[1]), batch_seconds=1.0)
i, batch = int(sys.argv[2]), int(sys.argv[3])
while True:
    for _ in range(batch):
        data = {"trigger": f"t{i}", "source": "schedule", "start": float(i), "planned": 2.0 * i + 1,
                "night": "2026-11-24", "room": {"temperature_c": i / 10, "not_ready": ["too_warm"]},
                "choice": {"trigger": {"why": "x" * 400}}}
        journal.record("session_start", data)
        i += 1
    journal.flush()
"""


def count_rows(path: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=2.0)
        try:
            return int(conn.execute("SELECT count(*) FROM sessions").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def kill_while_writing(path: Path, first: int, rows: int, delay: float) -> None:
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(first), str(BATCH)])
    try:
        deadline = time.monotonic() + 20
        while count_rows(path) < first + rows and time.monotonic() < deadline:
            assert child.poll() is None, "the writer died by itself"
            time.sleep(0.01)
        time.sleep(delay)  # not right after a commit was seen: anywhere in the next batches
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(5)
    assert child.returncode == -signal.SIGKILL


def check(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    sessions, _ = store.read_journal(path)
    assert sessions and len(sessions) % BATCH == 0  # whole batches only: each is one transaction
    for number, s in enumerate(sessions):
        assert (s.trigger, s.start, s.planned) == (f"t{number}", float(number), 2.0 * number + 1)
        assert (s.temperature_c, s.not_ready, s.choice) == (number / 10, ("too_warm",), {"trigger": {"why": "x" * 400}})
    return len(sessions)


def test_sigkill_during_writes_leaves_a_sound_journal(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    rng = random.Random(5)
    written = 0
    for _ in range(5):  # each time it opens the file left by the crash and goes on
        kill_while_writing(path, written, 300, rng.uniform(0.0, 0.05))
        written = check(path)
    assert written >= 1500
    conn = store.open_or_replace(path)  # the daemon's own open: no damage found, nothing set aside
    conn.close()
    assert not list(tmp_path.glob("*.corrupt-*"))
