"""The sleep journal in SQLite: the schema, its migrations, reading and writing rows.

One file, ``<state_dir>/journal.db``, in WAL mode with ``synchronous=NORMAL``:
a crash or a power cut can lose the last few records but never leaves a
half-written row or a damaged file (every batch is one transaction). The
writer thread that keeps the worker from waiting lives in
:mod:`device.journal.writer`; this module is the synchronous part that both
it and the command line use.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from device import safejson
from device.errors import HushlightError
from device.journal.nights import RatingRow, SessionRow

log = logging.getLogger(__name__)

CHOICE_DEPTH = 8  # a session's stored choice: {option: {why, ...}}

JOURNAL_FILE = "journal.db"

# MIGRATIONS[n] takes the schema from version n to n + 1; the file's version is PRAGMA user_version.
MIGRATIONS: list[tuple[str, ...]] = [
    (
        """CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            night TEXT NOT NULL,
            trigger TEXT NOT NULL,
            final_trigger TEXT,
            source TEXT NOT NULL,
            started_at REAL NOT NULL,
            planned_s REAL NOT NULL,
            scheduled_at REAL,
            ended_at REAL,
            actual_s REAL,
            reason TEXT,
            volume REAL,
            temperature_c REAL,
            humidity REAL,
            lux REAL,
            not_ready TEXT NOT NULL DEFAULT '',
            sunset_minutes REAL,
            choice TEXT NOT NULL DEFAULT '{}'
        )""",
        "CREATE INDEX sessions_night ON sessions (night)",
        """CREATE TABLE ratings (
            id INTEGER PRIMARY KEY,
            night TEXT NOT NULL,
            rating TEXT NOT NULL CHECK (rating IN ('good', 'bad', '1', '2', '3', '4', '5')),
            score INTEGER CHECK (score BETWEEN 1 AND 5),
            source TEXT NOT NULL,
            at REAL NOT NULL
        )""",
        "CREATE INDEX ratings_night ON ratings (night)",
    ),
]

SESSION_COLUMNS = (
    "id, night, trigger, final_trigger, source, started_at, planned_s, scheduled_at, ended_at, actual_s, reason, "
    "volume, temperature_c, humidity, lux, not_ready, sunset_minutes, choice"
)


class JournalError(HushlightError, RuntimeError):
    """The journal file cannot be used (newer schema, unreadable)."""


class BadRecord(HushlightError, ValueError):
    """A record's data is missing a key or has one of the wrong type."""


def schema_version() -> int:
    return len(MIGRATIONS)


def connect(path: Path, timeout: float = 5.0) -> sqlite3.Connection:
    """Open (creating if needed) and migrate the journal for writing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=timeout)
    try:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        migrate(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def open_or_replace(path: Path, timeout: float = 5.0) -> sqlite3.Connection:
    """:func:`connect`, but a damaged file is moved aside (``journal.db.corrupt-<time>``) and started afresh."""
    try:
        conn = connect(path, timeout)
        if conn.execute("PRAGMA quick_check").fetchone()[0] == "ok":
            return conn
        conn.close()
        reason = "quick_check failed"
    except sqlite3.DatabaseError as exc:
        # Only damage moves the file aside; "locked", "disk I/O error" or "cannot open" are passing troubles.
        if getattr(exc, "sqlite_errorname", "") not in ("SQLITE_CORRUPT", "SQLITE_NOTADB"):
            raise
        reason = str(exc)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    for suffix in ("", "-wal", "-shm"):
        part = path.with_name(path.name + suffix)
        if part.exists():
            os.replace(part, path.with_name(f"{path.name}.corrupt-{stamp}{suffix}"))
    log.error(
        "journal %s is damaged (%s): moved aside as %s.corrupt-%s, starting a new one", path, reason, path.name, stamp
    )
    return connect(path, timeout)


def migrate(conn: sqlite3.Connection, path: Path) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > schema_version():
        raise JournalError(
            f"{path}: the journal has schema version {version}, newer than this Hushlight knows "
            f"({schema_version()}); upgrade Hushlight (the file was left untouched)"
        )
    for step in range(version, schema_version()):
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in MIGRATIONS[step]:
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {step + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        log.info("journal %s migrated to schema version %d", path, step + 1)


def write_batch(conn: sqlite3.Connection, records: Iterable[tuple[str, dict[str, Any]]]) -> int:
    """Write records in one transaction; a bad record is logged and skipped. Returns rows written."""
    written = 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        for kind, data in records:
            try:
                written += _write_one(conn, kind, data)
            except BadRecord as exc:
                log.error("journal: %s record skipped: %s", kind, exc)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return written


def _write_one(conn: sqlite3.Connection, kind: str, data: dict[str, Any]) -> int:
    if kind == "session_start":
        _insert_session(conn, data)
    elif kind == "session_end":
        _end_session(conn, data)
    elif kind == "rating":
        _insert_rating(conn, data)
    else:
        raise BadRecord(f"unknown kind {kind!r}")
    return 1


def _insert_session(conn: sqlite3.Connection, data: dict[str, Any]) -> None:
    room = data.get("room") or {}
    if not isinstance(room, dict):
        raise BadRecord(f"room: expected a table, got {room!r}")
    not_ready = room.get("not_ready") or ()
    if not isinstance(not_ready, list | tuple) or not all(isinstance(r, str) for r in not_ready):
        raise BadRecord(f"room.not_ready: expected a list of names, got {not_ready!r}")
    choice = data.get("choice") or {}
    conn.execute(
        "INSERT INTO sessions (night, trigger, source, started_at, planned_s, scheduled_at, volume, temperature_c,"
        " humidity, lux, not_ready, sunset_minutes, choice) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            _night(data, "night"),
            _text(data, "trigger"),
            _text(data, "source"),
            _number(data, "start"),
            _number(data, "planned"),
            _number(data, "scheduled", required=False),
            _number(data, "volume", required=False),
            _number(room, "temperature_c", required=False),
            _number(room, "humidity", required=False),
            _number(room, "lux", required=False),
            ",".join(not_ready),
            _number(data, "sunset_minutes", required=False),
            json.dumps(choice, sort_keys=True, default=str),
        ),
    )


def _end_session(conn: sqlite3.Connection, data: dict[str, Any]) -> None:
    end, actual = _required(data, "end"), _required(data, "actual")
    trigger, reason = _text(data, "trigger"), _text(data, "reason")
    row = conn.execute(
        "SELECT id FROM sessions WHERE ended_at IS NULL AND started_at <= ? ORDER BY id DESC LIMIT 1", (end,)
    ).fetchone()
    if row is not None:
        conn.execute(
            "UPDATE sessions SET ended_at = ?, actual_s = ?, reason = ?, final_trigger = ? WHERE id = ?",
            (end, actual, reason, trigger, row[0]),
        )
        return
    # Its start was lost (a crash before the batch was written): keep what we know.
    log.warning("journal: session ending at %s had no start row; recording it from its end", end)
    night = _night(data, "night")  # the core's rule, in the configured time zone
    conn.execute(
        "INSERT INTO sessions (night, trigger, final_trigger, source, started_at, planned_s, ended_at, actual_s,"
        " reason) VALUES (?, ?, ?, 'unknown', ?, ?, ?, ?, ?)",
        (night, trigger, trigger, end - actual, actual, end, actual, reason),
    )


def _insert_rating(conn: sqlite3.Connection, data: dict[str, Any]) -> None:
    value = data.get("rating")
    score: int | None = None
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
        score, rating = value, str(value)
    elif value in ("good", "bad"):
        rating = str(value)
    else:
        raise BadRecord(f"rating: expected 'good', 'bad' or 1-5, got {value!r}")
    conn.execute(
        "INSERT INTO ratings (night, rating, score, source, at) VALUES (?, ?, ?, ?, ?)",
        (_night(data, "night"), rating, score, _text(data, "source"), _number(data, "at")),
    )


def _number(data: dict[str, Any], key: str, required: bool = True) -> float | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise BadRecord(f"{key}: expected a finite number, got {value!r}")
    return float(value)


def _required(data: dict[str, Any], key: str) -> float:
    value = _number(data, key)
    assert value is not None
    return value


def _text(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise BadRecord(f"{key}: expected text, got {value!r}")
    return value


def _night(data: dict[str, Any], key: str) -> str:
    value = _text(data, key)
    try:
        time.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise BadRecord(f"{key}: expected a date YYYY-MM-DD, got {value!r}") from None
    return value


# -- reading -------------------------------------------------------------------


def read_rows(conn: sqlite3.Connection) -> tuple[list[SessionRow], list[RatingRow]]:
    sessions = [_session(row) for row in conn.execute(f"SELECT {SESSION_COLUMNS} FROM sessions ORDER BY id")]
    ratings = [
        RatingRow(night=r[0], rating=r[1], score=r[2], source=r[3], at=r[4])
        for r in conn.execute("SELECT night, rating, score, source, at FROM ratings ORDER BY id")
    ]
    return sessions, ratings


def _session(row: tuple[Any, ...]) -> SessionRow:
    try:
        choice = safejson.loads(row[17], CHOICE_DEPTH)
    except (TypeError, ValueError):
        choice = {}
    return SessionRow(
        id=row[0],
        night=row[1],
        trigger=row[2],
        final_trigger=row[3],
        source=row[4],
        start=row[5],
        planned=row[6],
        scheduled=row[7],
        end=row[8],
        actual=row[9],
        reason=row[10],
        volume=row[11],
        temperature_c=row[12],
        humidity=row[13],
        lux=row[14],
        not_ready=tuple(r for r in row[15].split(",") if r),
        sunset_minutes=row[16],
        choice=choice if isinstance(choice, dict) else {},
    )


def read_journal(path: Path) -> tuple[list[SessionRow], list[RatingRow]]:
    """Every row of the journal at ``path``, read-only; an absent file is an empty journal."""
    if not path.exists():
        return [], []
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5.0)
    except sqlite3.Error as exc:
        raise JournalError(f"{path}: cannot open the journal: {exc}") from None
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > schema_version():
            raise JournalError(f"{path}: schema version {version} is newer than this Hushlight knows; upgrade it")
        if version == 0:
            return [], []
        return read_rows(conn)
    except sqlite3.DatabaseError as exc:
        raise JournalError(f"{path}: cannot read the journal: {exc}") from None
    finally:
        conn.close()
