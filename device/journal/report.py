"""`hushlight report`: the journal as one PNG (needs matplotlib: ``pip install 'hushlight[report]'``).

Three panels: each trigger's chance of a good night with its 90 % interval;
session starts night by night against the planned start; room temperature at
bedtime against the comfort band. Drawn on a bare :class:`Figure` (no pyplot,
no display needed).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.dates import date2num
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from device.config.schema import Config
from device.journal.nights import Night, clock_text, minutes_after_noon
from device.journal.summary import planned_start, trigger_table

COLOURS = {"good": "#2e7d32", "bad": "#c62828", None: "#9e9e9e"}


def draw_report(nights: list[Night], config: Config, tz: dt.tzinfo, out: Path) -> None:
    """Write the report for ``nights`` to ``out`` (PNG)."""
    fig = Figure(figsize=(10, 11), dpi=100, layout="constrained")
    if not any(n.sessions for n in nights):
        ax = fig.add_subplot()
        ax.axis("off")
        ax.text(0.5, 0.5, "No nights yet", ha="center", va="center", fontsize=24, color="#616161")
        fig.savefig(out)
        return
    title = f"Hushlight sleep journal, {nights[0].night} to {nights[-1].night}"
    fig.suptitle(title, fontsize=14)
    top, middle, bottom = fig.subplots(3, 1, height_ratios=[1.1, 1, 1])
    _ratings(top, nights)
    _starts(middle, nights, config, tz)
    _temperatures(bottom, nights, config)
    fig.savefig(out)


def _ratings(ax: Axes, nights: list[Night]) -> None:
    rows = list(reversed(trigger_table(nights)))  # best at the top
    ys = range(len(rows))
    means = [r.mean for r in rows]
    errors = [[r.mean - r.low for r in rows], [r.high - r.mean for r in rows]]
    ax.errorbar(means, ys, xerr=errors, fmt="o", color="#1565c0", ecolor="#90caf9", elinewidth=6, capsize=0)
    for y, r in zip(ys, rows, strict=True):
        ax.annotate(
            f"{r.good} good / {r.bad} bad of {r.nights}",
            (1.0, y),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
            annotation_clip=False,
        )
    ax.set_yticks(list(ys), [r.name for r in rows])
    ax.set_xlim(0, 1)
    ax.axvline(0.5, color="#bdbdbd", linestyle=":", linewidth=1)
    ax.set_xlabel("chance of a good night (posterior mean, 90 % interval)")
    ax.set_title("Which triggers work for you", loc="left")


def _starts(ax: Axes, nights: list[Night], config: Config, tz: dt.tzinfo) -> None:
    played = [n for n in nights if n.first is not None]
    dates = [date2num(dt.date.fromisoformat(n.night)) for n in played]
    starts = [minutes_after_noon(n.first.start, n.night, tz) for n in played if n.first is not None]
    plan = [planned_start(n, config, tz) for n in played]
    plan_dates = [d for d, p in zip(dates, plan, strict=True) if p is not None]
    plan_minutes = [minutes_after_noon(p, n.night, tz) for n, p in zip(played, plan, strict=True) if p is not None]
    ax.step(plan_dates, plan_minutes, where="mid", color="#616161", linewidth=1.5, label="planned start")
    colours = [COLOURS[n.verdict] for n in played]
    ax.scatter(dates, starts, c=colours, s=28, zorder=3)
    ax.xaxis_date()
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: clock_text(v)))
    ax.set_ylabel("start time")
    ax.set_title("Bedtime regularity: session starts night by night", loc="left")
    keys = [_dot(COLOURS[v], f"start, rated {v}" if v else "start, not rated") for v in ("good", "bad", None)]
    ax.legend(handles=[Line2D([], [], color="#616161", label="planned start"), *keys], loc="upper left", fontsize=8)
    ax.tick_params(axis="x", labelrotation=30, labelsize=8)


def _temperatures(ax: Axes, nights: list[Night], config: Config) -> None:
    room = config.room
    points = [(dt.date.fromisoformat(n.night), n.first.temperature_c) for n in nights if n.first is not None]
    points = [(d, t) for d, t in points if t is not None]
    ax.axhspan(room.min_temp_c, room.max_temp_c, color="#c8e6c9")
    if points:
        dates, temps = zip(*points, strict=True)
        outside = ["#c62828" if not room.min_temp_c <= t <= room.max_temp_c else "#1565c0" for t in temps]
        ax.plot(dates, temps, color="#90caf9", linewidth=1)
        ax.scatter(dates, temps, c=outside, s=24, zorder=3)
    else:
        ax.text(0.5, 0.5, "no room readings", transform=ax.transAxes, ha="center", color="#616161")
    ax.set_ylabel("°C")
    ax.set_title("Room temperature at bedtime", loc="left")
    band = Patch(color="#c8e6c9", label=f"comfort band {room.min_temp_c:g}-{room.max_temp_c:g} °C")
    keys = [band, _dot("#1565c0", "at session start"), _dot("#c62828", "outside the band")]
    ax.legend(handles=keys, loc="lower left", fontsize=8)
    ax.tick_params(axis="x", labelrotation=30, labelsize=8)


def _dot(colour: str, label: str) -> Line2D:
    return Line2D([], [], linestyle="", marker="o", color=colour, label=label)
