"""`hushlight run`: wire the adapters to the core and run until SIGTERM / SIGINT / SIGHUP.

Simulation differs from the real daemon only in the parts it is handed
(mock pins, fake chips, SDL's dummy driver) and, optionally, a faster clock.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import os
import signal
import socket
import threading
import time
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from device.config.schema import Config
from device.core import events as ev
from device.core.controller import SHUTDOWN_FADE, Controller, settings_from_config
from device.core.record import SessionRecord
from device.core.schedule import clean_overrides
from device.core.state import Settings
from device.errors import HardwareError
from device.hardware.buttons import BedsideButtons
from device.hub.base import Hub
from device.persist import JsonStateFile
from device.runtime import wiring
from device.runtime.clock import Clock, RealClock, ScaledClock
from device.runtime.main_thread import run_until_done
from device.runtime.worker import Adapters, Worker
from device.web import start_page
from device.web.live import TeeHub, WebLink

if TYPE_CHECKING:
    from device.sim.run import Simulator

log = logging.getLogger(__name__)

SETTINGS_FILE = "settings.json"
SESSION_FILE = "session.json"


@dataclass(frozen=True)
class RunOptions:
    state_dir: Path
    simulate: bool = False
    speed: float = 1.0
    start: float | None = None  # device time to start the simulated clock at
    sim_broker: bool = False  # simulation only: start a private mosquitto when the configured one is missing


def local_zone(config: Config) -> dt.tzinfo:
    if config.device.timezone:
        return zoneinfo.ZoneInfo(config.device.timezone)
    tz_env = os.environ.get("TZ")
    if tz_env:
        try:
            return zoneinfo.ZoneInfo(tz_env.lstrip(":"))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    try:
        target = os.path.realpath("/etc/localtime")
        if "zoneinfo/" in target:
            return zoneinfo.ZoneInfo(target.split("zoneinfo/", 1)[1])
    except (OSError, zoneinfo.ZoneInfoNotFoundError, ValueError):
        pass
    local = dt.datetime.now().astimezone().tzinfo
    return local if local is not None else dt.UTC


def load_settings(config: Config, state_dir: Path) -> tuple[Settings, JsonStateFile]:
    store = JsonStateFile(state_dir / SETTINGS_FILE)
    defaults = settings_from_config(config)
    stored = store.load()
    if stored is None:
        return defaults, store
    settings, problems = Settings.from_dict(stored, defaults)
    for problem in problems:
        log.error("%s: %s; using the default", store.path, problem)
    for problem in clean_overrides(settings):
        log.error("%s: %s; dropped", store.path, problem)
    # The file's numbers are finite (JsonStateFile refuses NaN), but a clamp must never pass a NaN either.
    volume = settings.volume if math.isfinite(settings.volume) else defaults.volume
    settings.volume = min(max(volume, 0.0), config.sounds.max_volume)
    routine = config.routine
    if not routine.min_session_minutes <= settings.session_minutes <= routine.max_session_minutes:
        settings.session_minutes = routine.session_minutes
    return settings, store


def load_session(state_dir: Path) -> tuple[dict[str, Any] | None, JsonStateFile]:
    """The session stored before the last stop, checked; a bad one is set aside and ignored."""
    store = JsonStateFile(state_dir / SESSION_FILE, check=SessionRecord.from_dict)
    return store.load(), store


class Notifier:
    """systemd's sd_notify, in a few lines (READY, WATCHDOG, STOPPING)."""

    def __init__(self) -> None:
        self.address = os.environ.get("NOTIFY_SOCKET", "")
        usec = os.environ.get("WATCHDOG_USEC", "")
        self.watchdog_interval = int(usec) / 1e6 if usec.isdigit() else None
        self._last_ping = -math.inf

    def watchdog(self) -> None:
        """WATCHDOG=1, called by the worker each time round its loop; at most a few times per interval."""
        if self.watchdog_interval is None:
            return
        now = time.monotonic()
        if now - self._last_ping >= self.watchdog_interval / 4:
            self._last_ping = now
            self.send("WATCHDOG=1")

    def send(self, message: str) -> None:
        if not self.address:
            return
        address = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.sendto(message.encode(), address)
        except OSError as exc:
            log.debug("sd_notify failed: %s", exc)


class _HasClose(Protocol):
    def close(self) -> None: ...


_Closable = TypeVar("_Closable", bound=_HasClose)


# SIGHUP too: closing the terminal that runs `make run` must stop it as cleanly as systemd does.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def run_daemon(config: Config, options: RunOptions) -> int:
    """Build the daemon and run it; a stop signal during start-up stops it cleanly once it runs.

    A part that cannot start at all (no GPIO, no PWM chip) is one log line and exit 1, which systemd
    answers with a restart a few seconds later (the overlay may still be loading)."""
    early: list[str] = []

    def during_start(signum: int, frame: FrameType | None) -> None:
        early.append(signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, during_start) for sig in STOP_SIGNALS}
    try:
        try:
            daemon = Daemon(config, options)
        except HardwareError as exc:
            log.error("hushlight cannot start: %s", exc)
            return 1
        return daemon.run(early)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class Daemon:
    """The running device: its parts, the one worker, and an orderly stop."""

    def __init__(self, config: Config, options: RunOptions) -> None:
        self.options = options
        # The simulated clock stands still while the parts start up (mixer, sensor detection), so
        # at --speed 600 a slow start does not eat device minutes and a wind-down stays on time.
        self.sim_clock = ScaledClock(options.speed, options.start, held=True) if options.simulate else None
        self.clock: Clock = self.sim_clock if self.sim_clock is not None else RealClock()
        options.state_dir.mkdir(parents=True, exist_ok=True)
        self.simulator: Simulator | None = None
        if options.simulate:
            # Only here: a production start loads no fake chips, panel or private broker.
            from device.sim.run import Simulator

            self.simulator = Simulator(config, self.clock, local_zone(config))
        if self.simulator is not None and options.sim_broker:
            config = self.simulator.ensure_broker(config, options.state_dir)
        self.config = config
        self.notifier = Notifier()
        self.closers: list[Callable[[], None]] = []
        self.worker = self._build_worker()
        self._start_inputs()

    def _build_worker(self) -> Worker:
        config, options, clock = self.config, self.options, self.clock
        state_dir = options.state_dir
        settings, settings_file = load_settings(config, state_dir)
        self.stored_session, session_file = load_session(state_dir)
        controller = Controller(config, settings, local_zone(config))
        # The hub first: it connects in the background while the mixer and the lamp start, so the
        # device is `online` sooner. It holds what it hears until the worker's first state publish,
        # so _post is safe; it is still closed first (its goodbye says offline before the parts stop).
        mqtt_hub = wiring.build_hub(config, options.simulate, self._post, clock, state_dir, self._post_or_run)
        self.pin_factory = wiring.make_pin_factory(options.simulate, state_dir)
        lamp = self._closing(wiring.build_lamp(config, options.simulate, clock, self.pin_factory, state_dir))
        self.player = self._closing(wiring.build_player(config, options.simulate, clock, state_dir, local_zone(config)))
        self.journal = self._closing(wiring.build_journal(config, state_dir))
        hub: Hub = self._closing(mqtt_hub)
        self.web_link = WebLink() if config.web.enabled else None
        if self.web_link is not None:
            hub = TeeHub(hub, self.web_link)  # the page hears what the hub hears
        watchdog = self.notifier.watchdog_interval
        worker = Worker(
            controller,
            Adapters(lamp, self.player, hub, self.journal),
            clock,
            settings_file,
            self.notifier.watchdog,  # from the worker's loop only: a hung worker stops the pings
            30.0 if watchdog is None else min(30.0, watchdog / 3),
            session_file=session_file,
        )
        return worker

    def _post(self, event: ev.Event) -> None:
        self.worker.post(event)

    def _post_or_run(self, event: ev.Event) -> None:
        self.worker.post_or_run(event)

    def _closing(self, part: _Closable) -> _Closable:
        self.closers.append(part.close)
        return part

    def _start_inputs(self) -> None:
        """Buttons, sensors, the simulator and the sound library: everything that posts events."""
        worker, simulator, clock = self.worker, self.simulator, self.clock
        self.journal.subscribe(worker.post)  # rating counts for the experiment, now and after each rating
        edge_clock = simulator.edge_clock if simulator is not None else clock
        # post_or_run: a press decided on its edge moves the lamp from gpiozero's callback, as a bare one would
        self.buttons = BedsideButtons(self.config.buttons, worker.post_or_run, edge_clock, self.pin_factory)
        if self.web_link is not None:
            page = start_page(
                self.config,
                self.options.state_dir,
                local_zone(self.config),
                self.web_link,
                worker,
                self.options.simulate,
            )
            if page is not None:
                self.closers.append(page.close)
                if simulator is not None:
                    simulator.web_url = page.url
        if simulator is not None:
            simulator.start(self.pin_factory, worker.adapters.lamp, worker)
        self.stop_sensors = wiring.build_sensors(self.config, self.options.simulate, worker.post, clock)
        self.player.set_failure_callback(lambda trigger, reason: worker.post(ev.SoundFailed(trigger, reason)))
        self.player.set_triggers_callback(lambda names, broken: worker.post(ev.TriggersAvailable(names, broken)))
        worker.adapters.lamp.report_to(worker.post)  # a failure on the fade thread reaches the core
        names, broken = self.player.triggers()
        worker.post(ev.TriggersAvailable(names, broken))
        worker.post(ev.Resume(self.stored_session))  # after the triggers: a resumed session needs them

    def run(self, early_signals: list[str] | None = None) -> int:
        """Run until SIGTERM / SIGINT / SIGHUP (or one received during start-up), then stop in order."""

        def on_signal(signum: int, frame: FrameType | None) -> None:
            log.info("%s received: shutting down", signal.Signals(signum).name)
            self.worker.post(ev.Shutdown(signal.Signals(signum).name))

        previous = {sig: signal.signal(sig, on_signal) for sig in STOP_SIGNALS}
        for name in (early_signals or [])[:1]:
            log.info("%s received during start-up: shutting down", name)
            self.worker.post(ev.Shutdown(name))
        if self.sim_clock is not None:
            self.sim_clock.release()
        mode = f"simulation at {self.options.speed:g}x" if self.options.simulate else "hardware"
        log.info("hushlight ready (%s, device %s, state in %s)", mode, self.config.device.id, self.options.state_dir)
        # The config, the lamp, the player, the hub and the inputs are up; the worker's pings come after this.
        self.notifier.send(f"READY=1\nSTATUS=running ({mode})")
        try:
            run_until_done(self.worker.run, "hushlight-worker")
        finally:
            self._stop()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        log.info("hushlight stopped")
        return 0

    def _stop(self) -> None:
        """Inputs first, then let the last fades finish, then the parts in reverse order."""
        self.notifier.send("STOPPING=1")
        if self.simulator is not None:
            self.simulator.close_panel()
        self.buttons.close()
        if self.stop_sensors is not None:
            self.stop_sensors()
        self.worker.stopped.wait(5)
        threading.Event().wait(self.clock.real_seconds(SHUTDOWN_FADE))
        for close in reversed(self.closers):
            try:
                close()
            except Exception:
                log.exception("error while closing %s", close)
        if self.simulator is not None:
            self.simulator.close()
