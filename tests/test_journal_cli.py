"""`hushlight journal` and `hushlight report` on an empty journal and on 8 simulated weeks."""

from __future__ import annotations

import csv
import datetime as dt
import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from device.cli import main
from device.cli.journal import CSV_FIELDS
from device.config import parse_config
from device.journal import store
from device.journal.nights import Night, RatingRow, SessionRow, clock_text, group_nights, rating_counts
from device.journal.summary import advice, planned_start, routine_streak, summarize
from tests.support.journal_sim import TZ, simulate

CONFIG = '[device]\ntimezone = "Europe/Berlin"\n'


@pytest.fixture(scope="module")
def weeks8(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    folder = tmp_path_factory.mktemp("weeks8")
    (folder / "hushlight.toml").write_text(CONFIG)
    simulate(folder / "state" / store.JOURNAL_FILE, weeks=8, seed=3)
    return ["--config", str(folder / "hushlight.toml"), "--state-dir", str(folder / "state")]


@pytest.fixture
def empty(tmp_path: Path) -> list[str]:
    (tmp_path / "hushlight.toml").write_text(CONFIG)
    return ["--config", str(tmp_path / "hushlight.toml"), "--state-dir", str(tmp_path / "state")]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_empty_journal_says_no_nights_yet(empty: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for args in ([], ["--weeks", "4"]):
        code, out, _ = run(capsys, "journal", *args, *empty)
        assert code == 0 and out.startswith("No nights yet")
    assert json.loads(run(capsys, "journal", "--json", *empty)[1]) == []
    summary = json.loads(run(capsys, "journal", "--weeks", "2", "--json", *empty)[1])
    assert summary["nights"] == 0 and summary["advice"].startswith("No nights yet")
    code, out, _ = run(capsys, "journal", "export", "--csv", str(tmp_path / "out.csv"), *empty)
    assert code == 0 and "No nights yet" in out
    assert (tmp_path / "out.csv").read_text().splitlines() == [",".join(CSV_FIELDS)]
    code, out, _ = run(capsys, "report", "--out", str(tmp_path / "r.png"), *empty)
    assert code == 0 and "No nights yet" in out
    assert (tmp_path / "r.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (tmp_path / "state" / store.JOURNAL_FILE).exists()  # reading never creates it


def test_last_nights_table(weeks8: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "journal", *weeks8)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 15
    assert lines[0].split() == ["night", "day", "start", "plan", "length", "ended", "trigger", "room", "rating"]
    last = lines[-1].split()
    assert last[:2] == ["2026-11-22", "Sun"] and last[3] == "21:30"  # planned, from the config's schedule
    assert "  30 min  time limit  " in lines[-1] and last[-1] in ("good", "bad")


def test_weekly_summary(weeks8: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "journal", "--weeks", "4", *weeks8)
    assert code == 0
    assert out.startswith("Last 4 weeks (2026-10-26 to 2026-11-22): 28 nights, 28 rated")
    table = out.split("\n\n")[1].splitlines()
    assert {table[1].split()[0], table[2].split()[0]} == {"rain", "brushing"}  # best first
    assert "Bedtime: sessions started at 21:3" in out
    assert "Advice: " in out and "rain" in out.split("Advice: ")[1].lower() and "work for you" in out
    data = json.loads(run(capsys, "journal", "--weeks", "8", "--json", *weeks8)[1])
    assert (data["nights"], data["rated"], data["streak"]) == (56, 56, 56)
    assert data["favourite"] in ("rain", "brushing")
    assert sum(t["nights"] for t in data["triggers"]) == 56
    for t in data["triggers"]:
        assert t["low"] <= t["mean"] <= t["high"] and t["good"] + t["bad"] == t["nights"]
    assert data["too_warm"] == data["not_ready"] > 0 and 19 < data["avg_temperature_c"] < 21
    assert abs(data["late_min"]) < 5 and data["bedtime_spread_min"] < 15


def test_csv_export(weeks8: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "journal.csv"
    code, out, _ = run(capsys, "journal", "export", "--csv", str(target), *weeks8)
    assert code == 0 and out.strip() == f"{target}: 56 rows"
    before = tmp_path / "before.csv"  # options given before "export" count too
    assert run(capsys, "journal", *weeks8, "export", "--csv", str(before))[1].strip() == f"{before}: 56 rows"
    rows = list(csv.DictReader(target.open()))
    assert len(rows) == 56 and rows[0]["night"] == "2026-09-28" and rows[0]["ended"] == "time_limit"
    assert all(r["rating"] in ("good", "bad") and r["why"].startswith("trigger ") for r in rows)


def test_report_draws_the_three_panels(weeks8: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.png"
    code, text, _ = run(capsys, "report", "--out", str(out), *weeks8)
    assert code == 0 and text.strip() == f"{out}: written"
    image = imread(out)
    assert image.shape[:2] == (1100, 1000)
    rgb = (image[..., :3] * 255).round().astype(int)

    def pixels(colour: str) -> int:
        target = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
        return int((np.abs(rgb - target).sum(axis=2) <= 6).sum())

    assert pixels("#c8e6c9") > 20000  # the comfort band
    assert pixels("#90caf9") > 5000  # the rating intervals
    assert pixels("#2e7d32") > 200 and pixels("#c62828") > 100  # good and bad nights, temperatures outside the band


def test_a_journal_from_a_newer_version_is_reported(
    empty: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "state" / store.JOURNAL_FILE
    store.connect(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 7")
    code, _, err = run(capsys, "journal", *empty)
    assert code == 2 and "schema version 7" in err


# -- the pure parts behind them ---------------------------------------------------


def session(night: str, hour: int, minute: int, trigger: str = "rain", **kw: object) -> SessionRow:
    date = dt.date.fromisoformat(night) + dt.timedelta(days=1 if hour < 12 else 0)
    start = dt.datetime.combine(date, dt.time(hour, minute), TZ).timestamp()
    return SessionRow(
        night=night, trigger=trigger, source=str(kw.pop("source", "schedule")), start=start, planned=1800.0, **kw
    )  # type: ignore[arg-type]


def test_the_rating_counts_for_the_longest_session_and_its_last_trigger() -> None:
    nights = group_nights(
        [
            session("2026-11-20", 21, 30, "ocean", final_trigger="rain", actual=1800.0),
            session("2026-11-20", 23, 0, "tapping", actual=300.0),
            session("2026-11-21", 21, 30, "ocean", actual=1800.0),
        ],
        [
            RatingRow("2026-11-20", "bad", "button", 1.0),
            RatingRow("2026-11-20", "good", "button", 2.0),  # changed her mind: the latest counts
            RatingRow("2026-11-21", "3", "hub", 3.0, score=3),  # neither good nor bad
            RatingRow("2026-11-22", "5", "hub", 4.0, score=5),  # no session that night
        ],
    )
    assert [n.night for n in nights] == ["2026-11-20", "2026-11-21", "2026-11-22"]
    assert rating_counts(nights) == {
        "trigger": {"rain": (1, 0)},
        "session_minutes": {"30": (1, 0)},
        "sunset_minutes": {},
    }


def test_streak_planned_start_and_advice() -> None:
    config = parse_config(
        '[routine]\nsleep = "23:00"\n[routine.friday]\nsleep = "00:30"\n[routine.saturday]\nsleep = "off"\n'
    )
    thursday, friday, saturday = Night("2026-11-19"), Night("2026-11-20"), Night("2026-11-21")
    for n in (thursday, friday, saturday):
        n.sessions.append(session(n.night, 21, 40))
    assert (clock_text(0), clock_text(630), clock_text(750)) == ("12:00", "22:30", "00:30")
    for n, expected in ((thursday, "21:30"), (friday, "23:00")):
        when = planned_start(n, config, TZ)
        assert when is not None and dt.datetime.fromtimestamp(when, TZ).strftime("%H:%M") == expected
    assert planned_start(saturday, config, TZ) is None
    assert routine_streak([thursday, friday, saturday]) == 3
    saturday.sessions[0].source = "button"
    assert routine_streak([thursday, friday, saturday]) == 0
    assert routine_streak([thursday, Night("2026-11-21", [session("2026-11-21", 21, 30)])]) == 1  # a gap ends it
    s = summarize([thursday, friday], 1, TZ, config)
    assert s.advice.startswith("Rate your nights in the morning")
    s.triggers[0].good, s.triggers[0].bad, s.triggers[0].mean = 5, 0, 0.86
    s.rated, s.too_warm, s.temperature_nights, s.bedtime_spread_min = 5, 2, 5, 42.0
    assert (
        advice(s)
        == "Rain works for you; your room was too warm on 2 of 5 nights; your bedtime varied by ±42 min: a steadier time helps."
    )
