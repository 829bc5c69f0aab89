"""What the simulator's panel shows, drawn with rich from plain data (no terminal here)."""

from __future__ import annotations

import datetime as dt
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from device.sim.keys import HELP

BAR_WIDTH = 30
DASH = "—"


@dataclass
class PanelModel:
    """Everything on the panel; the panel's threads fill it, :func:`render` draws it."""

    device_id: str
    speed: float
    tz: dt.tzinfo | None = None
    now: float = 0.0  # device time
    snapshot: dict[str, Any] = field(default_factory=dict)
    lamp: dict[str, Any] = field(default_factory=dict)  # FadingLamp.status()
    sim_room: dict[str, float] = field(default_factory=dict)  # what the fake chips are measuring
    hub: str = "no broker configured"
    hub_connected: bool = False  # the simulator's own client is connected to the broker
    availability: str = ""  # what the device's hub last said on <base>/availability (online / offline)
    messages: deque[str] = field(default_factory=lambda: deque(maxlen=5))
    log_lines: deque[str] = field(default_factory=lambda: deque(maxlen=8))
    pending: str = ""  # space bar taps being counted
    button: str = ""  # the last gesture the simulated hand played
    button_hint: str = ""  # what a press means right now, when it is not the usual
    topic: str = ""  # the device's base topic
    note: str = ""  # e.g. how to point Home Assistant at the private broker
    web: str = ""  # the web page's address (a long press signs in)


def lamp_bar(level: float, width: int = BAR_WIDTH) -> str:
    """The perceived level as a bar of ``width`` cells, with eighths for the last cell."""
    cells = max(0.0, min(level, 100.0)) / 100.0 * width
    full = int(cells)
    eighths = int((cells - full) * 8)
    partial = " ▏▎▍▌▋▊▉"[eighths] if full < width and eighths else ""
    return ("█" * full + partial).ljust(width, "·")


def minutes_seconds(seconds: float) -> str:
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def _number(value: Any, fmt: str, unit: str) -> str:
    return DASH if not isinstance(value, int | float) else f"{value:{fmt}}{unit}"


def _lamp_row(model: PanelModel) -> Text:
    status = model.lamp
    level = float(status.get("level", model.snapshot.get("lamp", {}).get("level", 0.0)))
    text = Text(lamp_bar(level), style="yellow")
    text.append(f" {level:5.1f} %  duty {float(status.get('duty', 0.0)):.4f}")
    remaining = float(status.get("remaining", 0.0))
    if remaining > 0:
        effect = status.get("effect", "none")
        what = "breathing" if effect == "breathe" else f"→ {float(status.get('target', 0.0)):.0f} %"
        text.append(f"  {what} in {minutes_seconds(remaining)}", style="dim")
    return text


def _sound_row(model: PanelModel) -> Text:
    session = model.snapshot.get("session", {})
    volume = session.get("volume", model.snapshot.get("settings", {}).get("volume"))
    volume_text = f"volume {_number(volume, '.0f', ' %')}"
    if session.get("active"):
        left = minutes_seconds(float(session.get("remaining", 0)))
        text = Text(f"{session.get('trigger') or DASH}", style="bold green")
        text.append(f"  {left} left  ·  {volume_text}  ·  started by {session.get('started_by') or DASH}")
        return text
    return Text(f"no session  ·  {volume_text}", style="dim")


def _room_row(model: PanelModel) -> Text:
    room = model.snapshot.get("room", {})
    text = Text(
        f"{_number(room.get('temperature_c'), '.1f', ' °C')}  ·  {_number(room.get('humidity'), '.0f', ' % RH')}"
        f"  ·  {_number(room.get('lux'), '.1f', ' lx')}"
    )
    not_ready = room.get("not_ready") or []
    if not_ready:
        text.append(f"  not ready: {', '.join(map(str, not_ready))}", style="bold red")
    elif room.get("at") is not None:
        text.append("  ready", style="green")
    sim = model.sim_room
    if sim:
        text.append(
            f"   (simulated {sim.get('temperature_c', 0):.1f} °C, {sim.get('humidity', 0):.0f} %, "
            f"{sim.get('lux', 0):g} lx)",
            style="dim",
        )
    return text


def _next_winddown(model: PanelModel) -> str:
    routine = model.snapshot.get("routine")
    value = routine.get("next_winddown") if isinstance(routine, dict) else None
    if not value:
        return DASH
    try:
        when = dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    return when.strftime("%a %d %b %H:%M")


def _clock_row(model: PanelModel) -> str:
    when = dt.datetime.fromtimestamp(model.now, model.tz) if model.now else None
    shown = when.strftime("%a %d %b %Y %H:%M:%S") if when else DASH
    return f"{shown}  ·  speed {model.speed:g}×"


def _hub_row(model: PanelModel) -> Text:
    text = Text(
        "connected " if model.hub_connected else "not connected ", style="green" if model.hub_connected else "red"
    )
    text.append(model.hub)
    if model.topic:
        text.append(f"  ·  {model.topic}", style="dim")
    if model.availability:
        text.append(f"  ·  device {model.availability}", style="green" if model.availability == "online" else "red")
    return text


def render(model: PanelModel) -> RenderableType:
    """The whole panel."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    table.add_row("Clock", _clock_row(model))
    table.add_row("Lamp", _lamp_row(model))
    table.add_row("Sound", _sound_row(model))
    table.add_row("Room", _room_row(model))
    table.add_row("Wind-down", f"next {_next_winddown(model)}")
    button = Text(model.pending or model.button or DASH, style="magenta" if model.pending else "")
    if model.button_hint:
        button.append(f"  ({model.button_hint})", style="yellow")
    table.add_row("Button", button)
    table.add_row("Hub", _hub_row(model))
    if model.web:
        table.add_row("Web page", Text(f"{model.web}  (sign in: long press, key l)"))
    for line in model.messages:
        table.add_row("", Text(line, style="dim"))
    faults = model.snapshot.get("faults") or {}
    if faults:
        table.add_row("Faults", Text("; ".join(f"{k}: {v}" for k, v in faults.items()), style="red"))
    if model.note:
        table.add_row("", Text(model.note, style="dim"))
    log = Text("\n".join(model.log_lines) or DASH, style="dim", no_wrap=True, overflow="ellipsis")
    return Group(
        Panel(table, title=f"Hushlight · {model.device_id} · simulation", border_style="cyan"),
        Panel(log, title="log", border_style="dim"),
        Text(HELP, style="dim"),
    )
