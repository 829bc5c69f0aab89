"""Everything ``--simulate`` adds around the daemon: simulated hands and room, sim topics, the panel.

:func:`device.runtime.daemon.run_daemon` makes one :class:`Simulator` in
simulation and calls it at four points: before the hub is built (the private
broker), when the buttons are made (the clock that dates simulated edges),
once the worker exists (start), and on the way out (close).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from device.config.schema import Config
from device.core import events as ev
from device.core.schedule import in_morning_window
from device.hardware.lamp import Lamp
from device.runtime.clock import Clock
from device.runtime.worker import Worker
from device.sim.broker import PrivateBroker, ensure_broker, home_assistant_hint
from device.sim.hardware import EdgeClock, SimButton, SimRoomControl
from device.sim.mqtt_sim import SimLink, base_topic
from device.sim.panel import Panel, StateLogger
from device.sim.view import PanelModel

log = logging.getLogger(__name__)

COMMANDS = {"next_trigger", "volume_up", "volume_down"}


def interactive() -> bool:
    """Whether there is a terminal to draw the panel on (not piped, not CI, not a dumb terminal)."""
    if os.environ.get("TERM", "") == "dumb":
        return False
    return sys.stdin.isatty() and sys.stdout.isatty()


class Simulator:
    def __init__(self, config: Config, clock: Clock, tz: dt.tzinfo | None = None) -> None:
        self.config = config
        self.clock = clock
        self.tz = tz
        self.edge_clock = EdgeClock(clock)
        if clock.speed > 1:
            # A thread holding the GIL for the default 5 ms holds up device time by 5 ms x speed (3 s at 600x):
            # switch threads more often so fades and presses keep their device timing.
            sys.setswitchinterval(min(sys.getswitchinterval(), 0.5 / clock.speed))
        self.broker: PrivateBroker | None = None
        self.button: SimButton | None = None
        self.room = SimRoomControl()
        self.link: SimLink | None = None
        self.panel: Panel | None = None
        self._post: Callable[[ev.Event], None] = lambda event: None
        self._lamp: Lamp | object = None
        self.web_url = ""  # the page's address, when it is served

    def ensure_broker(self, config: Config, state_dir: Path) -> Config:
        """Start a private broker if the configured one is missing; returns the config the daemon should use."""
        self.config, self.broker = ensure_broker(config, state_dir)
        return self.config

    def start(self, pin_factory: Any, lamp: Lamp | object, worker: Worker) -> None:
        """Start the simulated hands, the sim topics and the panel (or the state log without a terminal)."""
        self._post, self._lamp = worker.post, lamp
        self.button = SimButton(self.config.buttons, pin_factory, self.edge_clock)
        if self.config.mqtt.enabled:
            try:
                self.link = SimLink(self.config, self.clock, self.button, self.room, self.tz)
            except Exception as exc:  # e.g. an unreadable password file: the device runs on without sim topics
                log.error("simulator: no sim topics over MQTT: %s", exc)
        if self.link is not None and hasattr(lamp, "add_observer"):
            lamp.add_observer(self.link.lamp_changed)
        if interactive():
            self.panel = self._make_panel()
            worker.observers.append(self.panel.observe)
            if hasattr(lamp, "add_observer"):
                lamp.add_observer(self.panel.changed)
        else:
            worker.observers.append(StateLogger().observe)
        if self.link is not None:
            self.link.start()
        if self.panel is not None:
            self.panel.start()

    def _make_panel(self) -> Panel:
        model = PanelModel(self.config.device.id, self.clock.speed, self.tz)
        if self.broker is not None:
            model.note = home_assistant_hint(self.broker.port)
        model.web = self.web_url
        panel = Panel(model, self.act, self.refresh)
        if self.link is not None:
            model.hub, model.topic = f"broker {self.link.broker}", base_topic(self.config)
            self.link.watchers.append(panel.hub_message)
            self.link.connection_watchers.append(panel.hub_connection)
        else:
            model.hub = "MQTT off ([mqtt] enabled = false)"
        return panel

    def refresh(self, model: PanelModel) -> None:
        """Fill in the parts of the panel that change by themselves: the clock, the lamp, the room."""
        model.now = self.clock.now()
        status = getattr(self._lamp, "status", None)
        if status is not None:
            model.lamp = status()
        model.sim_room = self.room.room.snapshot()
        model.button_hint = self.morning_hint(model.now, bool(model.snapshot.get("session", {}).get("active")))

    def morning_hint(self, now: float, session_active: bool) -> str:
        """In the morning window a press rates last night instead of starting a session: say so."""
        routine = self.config.routine
        if session_active or not in_morning_window(now, self.tz, routine):
            return ""
        end = str(routine.morning_end)
        return f"morning until {end}: a single press rates last night good, a double bad"

    def act(self, action: str) -> None:
        """Do what a panel key asks for."""
        if action in ("single", "double", "long") and self.button is not None:
            self.button.gesture(action)
            if self.panel is not None:
                when = dt.datetime.fromtimestamp(self.clock.now(), self.tz).strftime("%H:%M:%S")
                self.panel.model.button = f"{action} press at {when}"
        elif action in COMMANDS:
            self._post(ev.Command(action, None, "panel"))
        elif action in ("warmer", "colder"):
            self.room.warmer(0.5 if action == "warmer" else -0.5)
        elif action in ("brighter", "darker"):
            self.room.brighter(2.0 if action == "brighter" else 0.5)
        elif action == "quit":
            log.info("q pressed: shutting down")
            self._post(ev.Shutdown("panel"))

    def close_panel(self) -> None:
        """Give the terminal back (first thing on the way out, so the shutdown is logged on it)."""
        if self.panel is not None:
            self.panel.close()

    def close(self) -> None:
        """Stop everything the simulator started; the broker last, after the hub has said goodbye."""
        self.close_panel()
        if self.link is not None:
            self.link.close()
        if self.button is not None:
            self.button.close()
        if self.broker is not None:
            self.broker.stop()
