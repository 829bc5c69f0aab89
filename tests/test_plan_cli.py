"""`hushlight plan`: the coming nights as the routine will run them."""

from __future__ import annotations

import json
import zoneinfo

from device.cli import main
from device.cli.plan import plan_lines
from device.core.schedule import Overrides, Schedule
from tests.support.nights import config

TOML = '[routine]\nwake = "06:30"\ndates_off = [2026-11-27]\n[routine.friday]\nsleep = "00:30"\n[routine.sunday]\nwake = "off"\n'


def test_plan_lines_show_sessions_reasons_and_sunrises():
    tz = zoneinfo.ZoneInfo("Europe/Berlin")
    schedule = Schedule(config(TOML).routine, tz, Overrides(skip_night="2026-11-25"))
    lines = plan_lines(schedule, 1795510800.0, 5)  # 2026-11-24 12:00
    assert [line.split() for line in lines[1:]] == [
        ["Tue", "24", "Nov", "23:00", "21:30-22:00", "06:10-06:30"],
        ["Wed", "25", "Nov", "23:00", "-", "(skipped)", "06:10-06:30"],
        ["Thu", "26", "Nov", "23:00", "21:30-22:00", "-"],  # Friday morning is a date off
        ["Fri", "27", "Nov", "00:30", "-", "(date", "off)", "06:10-06:30"],
        ["Sat", "28", "Nov", "23:00", "21:30-22:00", "-"],  # no wake on Sunday
    ]


def test_plan_command_reads_run_time_changes_from_the_state_dir(tmp_path, capsys):
    path = tmp_path / "hushlight.toml"
    path.write_text('[device]\ntimezone = "Europe/Berlin"\n')
    (tmp_path / "settings.json").write_text(json.dumps({"routine_enabled": False}))
    assert main(["plan", "--config", str(path), "--state-dir", str(tmp_path), "--days", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and all("(routine off)" in line for line in out[1:])
    assert main(["plan", "--config", str(path), "--state-dir", str(tmp_path), "--days", "0"]) == 2
