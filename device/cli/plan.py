"""`hushlight plan`: the coming nights as the routine will run them (config plus run-time changes)."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

from device.core.schedule import Overrides, Schedule


def register(subparsers: argparse._SubParsersAction) -> None:
    from device.cli import add_config_args

    plan = subparsers.add_parser("plan", help="show the coming nights' wind-downs and sunrises")
    add_config_args(plan)
    plan.add_argument("--days", type=int, default=7, help="how many nights to show (1-60, default 7)")
    plan.set_defaults(func=cmd_plan)


def cmd_plan(args: argparse.Namespace) -> int:
    from device.cli import load_or_exit
    from device.runtime.daemon import load_settings, local_zone  # lazily: it imports the hardware parts

    config = load_or_exit(args.config)
    if config is None:
        return 2
    if not 1 <= args.days <= 60:
        print(f"hushlight: --days must be 1..60, not {args.days}")
        return 2
    settings, _ = load_settings(config, Path(args.state_dir or config.device.state_dir))
    schedule = Schedule(config.routine, local_zone(config), Overrides.from_settings(settings))
    for line in plan_lines(schedule, time.time(), args.days):
        print(line)
    return 0


def plan_lines(schedule: Schedule, now: float, days: int) -> list[str]:
    """One line per night from tonight on: its sleep time, its session, the sunrise the morning after."""
    tz = schedule.tz
    tonight = schedule.night_of(now)
    lines = [f"{'night':<12} {'sleep':<6} {'session':<17} sunrise"]
    for offset in range(days):
        night = tonight + dt.timedelta(days=offset)
        planned = schedule.plan(night)
        if planned is not None:
            session = f"{_hm(planned.winddown_at, tz)}-{_hm(planned.ends_at, tz)}"
        else:
            session = f"- ({_why_none(schedule, night)})"
        noon = dt.datetime.combine(night, dt.time(12, 0), tzinfo=tz).timestamp()
        wake = schedule.next_wake(noon) if schedule.overrides.enabled else None
        sunrise = "-"
        if wake is not None and wake.day == night + dt.timedelta(days=1):
            sunrise = f"{_hm(wake.sunrise_at, tz)}-{wake.wake}"
        lines.append(f"{night.strftime('%a %d %b'):<12} {schedule.sleep_time(night)!s:<6} {session:<17} {sunrise}")
    return lines


def _hm(instant: float, tz: dt.tzinfo) -> str:
    return dt.datetime.fromtimestamp(instant, tz).strftime("%H:%M")


def _why_none(schedule: Schedule, night: dt.date) -> str:
    if not schedule.overrides.enabled:
        return "routine off"
    if schedule.overrides.skip_night == night.isoformat():
        return "skipped"
    if schedule.is_date_off(night):
        return "date off"
    return "off"
