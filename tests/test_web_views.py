"""What the page's screens read, over real HTTP: the week, sounds, journal (from a simulated journal), status."""

from __future__ import annotations

import csv
import io
import logging
from pathlib import Path

from device.journal import store
from tests.support.journal_sim import simulate
from tests.support.web import running_site

WAV_HEAD = b"RIFF\x24\x00\x00\x00WAVEfmt "


def test_the_week_merges_run_time_changes_over_the_config(tmp_path: Path) -> None:
    config = '[routine]\nsleep = "23:00"\nwake = "07:00"\nsunrise_minutes = 25\n[routine.saturday]\nsleep = "off"\n'
    with running_site(tmp_path, config) as site:
        site.sign_in()
        settings = site.link.snapshot["settings"] | {"day_sleep": {"tuesday": "22:15"}, "ends_before_minutes": 30}
        site.link.publish_state(site.link.snapshot | {"settings": settings})
        week = site.request("GET", "/api/state").json()["week"]
        days = {d["day"]: (d["sleep"], d["wake"]) for d in week["days"]}
        assert days["tuesday"] == ("22:15", "07:00") and days["monday"] == ("23:00", "07:00")
        assert days["saturday"][0] == "off"
        assert week["ends_before_minutes"] == 30 and week["sunrise_minutes"] == 25


def test_sounds_list_built_ins_and_recordings_with_their_marks(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        site.sign_in()
        site.folder.mkdir(parents=True)
        (site.folder / "Night Train.wav").write_bytes(WAV_HEAD)
        (site.folder / "broken.ogg").write_bytes(b"OggS")
        (site.folder / "notes.txt").write_text("not a sound")
        snapshot = site.link.snapshot
        settings = snapshot["settings"] | {"trigger": "ocean", "never": ["rain"]}
        site.link.publish_state(snapshot | {"triggers": ["rain", "ocean", "Night Train"], "settings": settings})
        sounds = {s["name"]: s for s in site.request("GET", "/api/sounds").json()["sounds"]}
        assert sounds["ocean"]["pinned"] and sounds["rain"]["never"] and sounds["rain"]["builtin"]
        assert sounds["Night Train"]["file"] == "Night Train.wav" and not sounds["Night Train"]["builtin"]
        assert sounds["broken"]["broken"] and "notes" not in sounds


def test_the_journal_screen_and_its_csv(tmp_path: Path) -> None:
    with running_site(tmp_path, now=1_795_000_000.0) as site:
        site.sign_in()
        empty = site.request("GET", "/api/journal").json()
        assert empty["nights"] == [] and empty["rating_night"]
        simulate(site.state_dir / store.JOURNAL_FILE, weeks=3, seed=2)
        journal = site.request("GET", "/api/journal").json()
        assert 0 < len(journal["nights"]) <= 14 and journal["summary"]["nights"] > 0
        charts = journal["charts"]
        assert charts["triggers"] and charts["bedtimes"] and charts["temperatures"]
        assert all(b["minutes"] >= 720 for b in charts["bedtimes"])  # evenings and after midnight in one scale
        reply = site.request("GET", "/api/journal.csv")
        assert reply.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(reply.body.decode())))
        assert rows and {"night", "rating", "trigger"} <= set(rows[0])


def test_status_shows_the_hub_sensors_lamp_and_recent_warnings(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        site.sign_in()
        room = site.link.snapshot["room"] | {"sources": {"temperature_c": "SHT4x 0x44", "humidity": "SHT4x 0x44"}}
        site.link.publish_state(site.link.snapshot | {"room": room, "faults": {"lamp": "OSError: gone"}})
        logging.getLogger("device.test").setLevel(logging.DEBUG)  # whatever an earlier test left the root at
        logging.getLogger("device.test").addHandler(site.app.ctx.warnings)
        try:
            logging.getLogger("device.test").warning("the sensor did not answer")
        finally:
            logging.getLogger("device.test").removeHandler(site.app.ctx.warnings)
        status = site.request("GET", "/api/status").json()
        assert status["sensors"]["found"] == ["SHT4x 0x44"] and status["sensors"]["reading"] == ["temperature_c"]
        assert status["faults"] == {"lamp": "OSError: gone"} and status["lamp_backend"]
        assert [w["message"] for w in status["warnings"]] == ["the sensor did not answer"]


def test_a_failure_behind_a_screen_is_a_clear_500_and_logged(tmp_path: Path, caplog) -> None:
    with running_site(tmp_path) as site:
        site.sign_in()
        site.app.ctx.link.snapshot = {"settings": None}  # a broken snapshot
        reply = site.request("GET", "/api/state")
        assert reply.status == 500 and "log" in reply.json()["error"]
        assert "web: GET /api/state failed" in caplog.text
