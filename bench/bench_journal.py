"""The journal: how long the worker waits to hand over a record, and how much a night writes to the card.

Baselines, measured in the same run: writing each record synchronously on the
caller's thread (what the worker would wait without the writer thread), and
SQLite's defaults (rollback journal, synchronous=FULL) for the bytes written.
"""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.__main__ import figure
from device.journal import store
from device.journal.writer import SqliteJournal

NIGHTS = 200


def _night(i: int) -> list[tuple[str, dict[str, Any]]]:
    start = 1_790_000_000.0 + i * 86400
    night = time.strftime("%Y-%m-%d", time.gmtime(start))
    room = {"temperature_c": 19.5, "humidity": 45.0, "lux": 2.0, "not_ready": []}
    choice = {"trigger": {"value": "rain", "how": "thompson", "why": "trigger rain: thompson; draws ..." * 3}}
    return [
        (
            "session_start",
            {
                "trigger": "rain",
                "source": "schedule",
                "start": start,
                "planned": 1800.0,
                "night": night,
                "room": room,
                "choice": choice,
            },
        ),
        ("session_end", {"trigger": "rain", "end": start + 1800, "actual": 1800.0, "reason": "time_limit"}),
        ("rating", {"night": night, "rating": "good", "source": "button", "at": start + 36000}),
    ]


def _handover(folder: Path) -> tuple[float, float]:
    """Median seconds per record: handed to the writer thread, and written on the spot."""
    journal = SqliteJournal(folder / "threaded.db", batch_seconds=0)
    times = []
    for i in range(NIGHTS):
        for kind, data in _night(i):
            t0 = time.perf_counter()
            journal.record(kind, data)
            times.append(time.perf_counter() - t0)
        journal.flush()
    journal.close()
    conn = store.connect(folder / "direct.db")
    direct = []
    for i in range(NIGHTS):
        for record in _night(i):
            t0 = time.perf_counter()
            store.write_batch(conn, [record])
            direct.append(time.perf_counter() - t0)
    conn.close()
    return statistics.median(times), statistics.median(direct)


def _bytes_per_night(folder: Path, wal: bool) -> float:
    path = folder / ("wal.db" if wal else "default.db")
    conn = store.connect(path)
    if not wal:
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("PRAGMA synchronous=FULL")
    before = _wchar()
    for i in range(NIGHTS):
        for record in _night(i):  # one transaction each: a night's records arrive hours apart
            store.write_batch(conn, [record])
    conn.close()
    return (_wchar() - before) / NIGHTS


def _wchar() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    raise OSError("no wchar in /proc/self/io")


def run() -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        handed, direct = _handover(folder)
        wal, default = _bytes_per_night(folder, True), _bytes_per_night(folder, False)
        sqlite3.connect(folder / "wal.db").close()
    return [
        figure(
            "journal record() hand-over, median",
            handed * 1e6,
            "us",
            direct * 1e6,
            "lower",
            "baseline: synchronous write on the worker",
        ),
        figure(
            "journal bytes written per night",
            wal,
            "bytes",
            default,
            "lower",
            "WAL + synchronous=NORMAL vs SQLite defaults",
        ),
    ]
