"""The routine's cost: planning, a simulated week, and how often its deadlines wake the worker."""

from __future__ import annotations

import time
import zoneinfo

from bench.__main__ import figure
from device.config.load import parse_config
from device.core import events as ev
from device.core.controller import Controller, settings_from_config

TZ = zoneinfo.ZoneInfo("Europe/Berlin")
START = 1795510800.0  # 2026-11-24 12:00 Berlin
CONFIG = '[device]\ntimezone = "Europe/Berlin"\n[routine]\nwake = "06:30"\nallnight = true\n'


def _controller(routine: bool) -> Controller:
    cfg = parse_config(CONFIG + f"enabled = {'true' if routine else 'false'}\n")
    ctl = Controller(cfg, settings_from_config(cfg), TZ)
    ctl.handle(ev.TriggersAvailable(("rain", "pink_noise")), START)
    ctl.handle(ev.Resume(None), START)
    return ctl


def _week(ctl: Controller) -> int:
    """Run a week of deadlines; returns how many times the worker would have been woken by them."""
    wakeups, end = 0, START + 7 * 86400
    while (deadline := ctl.next_deadline()) is not None and deadline <= end:
        ctl.advance(deadline)
        wakeups += 1
    return wakeups


def _per_call(fn, repeat: int) -> float:
    started = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - started) / repeat * 1e6


def run() -> list[dict]:
    ctl = _controller(True)
    replan = _per_call(lambda: ctl.replan(START), 2000)
    event = _per_call(lambda: ctl.handle(ev.HubConnection(True), START), 2000)
    started = time.perf_counter()
    wakeups = _week(_controller(True))
    week_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    _week(_controller(False))
    week_off_ms = (time.perf_counter() - started) * 1000
    return [
        figure(
            "routine replan (next wind-down and sunrise)", replan, "µs", event, "lower", "baseline: one ordinary event"
        ),
        figure("a simulated week, routine on", week_ms, "ms", max(week_off_ms, 1e-3), "lower", "baseline: routine off"),
        figure(
            "worker wake-ups from deadlines per day, routine on",
            wakeups / 7,
            "per day",
            86400 / 30,
            "lower",
            "baseline: waking every 30 s (the worker's longest sleep)",
        ),
    ]
