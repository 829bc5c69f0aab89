"""Build each adapter from the config: the real part on a Pi, its fake in simulation.

One function per part, so each part's issue changes only its own function.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from device.audio.player import Player, SilentPlayer
from device.config.schema import Config
from device.core import events as ev
from device.hardware.lamp import Lamp
from device.hub.base import Hub, NullHub
from device.journal.base import Journal
from device.runtime.clock import Clock

log = logging.getLogger(__name__)

Post = Callable[[ev.Event], None]


def make_pin_factory(simulate: bool, state_dir: Path | None = None) -> Any:
    """gpiozero's mock PWM pins in simulation; on a Pi, gpiozero's own choice (lgpio first), made now."""
    if simulate:
        from gpiozero.pins.mock import MockFactory, MockPWMPin

        return MockFactory(pin_class=MockPWMPin)
    from device.hardware.pin_factory import select_pin_factory

    factory = select_pin_factory(state_dir)
    log.info("GPIO: gpiozero pin factory %s", type(factory).__name__)
    return factory


def build_lamp(config: Config, simulate: bool, clock: Clock, pin_factory: Any, state_dir: Path) -> Lamp:
    """The configured lamp backend behind perceptual fades; in simulation, over that backend's fake."""
    from device.hardware.lamp.fader import FadingLamp
    from device.hardware.lamp.outputs import open_output

    output = open_output(config.lamp, simulate, pin_factory, state_dir)
    lamp = FadingLamp.from_config(output, clock, config.lamp)
    log.info(
        "lamp: %s backend at %.0f Hz, min_duty %g, %d duty steps",
        config.lamp.backend,
        output.frequency_hz,
        config.lamp.min_duty,
        round(1 / output.quantum),
    )
    _note_calibration(config, state_dir)
    return lamp


def _note_calibration(config: Config, state_dir: Path) -> None:
    """Say so when `hushlight lamp calibrate` found a min_duty that the config does not use yet."""
    from device.hardware.lamp.calibrate import CALIBRATION_FILE, check_calibration
    from device.persist import JsonStateFile

    found = (JsonStateFile(state_dir / CALIBRATION_FILE, check=check_calibration).load() or {}).get("min_duty")
    if isinstance(found, int | float) and abs(found - config.lamp.min_duty) > 1e-9:
        log.info(
            "lamp: calibrated min_duty %g differs from [lamp] min_duty %g; pin it in the config",
            found,
            config.lamp.min_duty,
        )


def build_player(config: Config, simulate: bool, clock: Clock, state_dir: Path, zone: dt.tzinfo = dt.UTC) -> Player:
    """pygame.mixer on the configured output; in simulation (or without a sound card) SDL's dummy driver.
    The output stays open through the night as ``[sounds] keep_output_open`` says (an I2S amplifier pops)."""
    from device.audio.output_hold import make_hold
    from device.audio.setup import make_player

    sounds = config.sounds
    hold = make_hold(sounds.keep_output_open, sounds.night_starts, config.routine.morning_end, zone)
    try:
        return make_player(sounds, clock, state_dir, hold)
    except Exception:
        log.exception("the sound player could not start: running without sound")
        return SilentPlayer()


def build_hub(
    config: Config, simulate: bool, post: Post, clock: Clock, state_dir: Path, post_command: Post | None = None
) -> Hub:
    """The MQTT hub, connecting in the background; a :class:`NullHub` when MQTT is off or cannot be set up.
    ``post_command`` takes the hub's commands (the worker's ``post_or_run``), ``post`` everything else."""
    if not config.mqtt.enabled:
        return NullHub()
    from device.hub.mqtt import HubSetupError, MqttHub

    try:
        hub = MqttHub(config, post, clock, state_dir, post_command)
    except HubSetupError as exc:
        log.error("%s; running without the hub", exc)
        return NullHub()
    hub.start()
    return hub


def build_journal(config: Config, state_dir: Path) -> Journal:
    from device.journal.store import JOURNAL_FILE
    from device.journal.writer import SqliteJournal

    return SqliteJournal(state_dir / JOURNAL_FILE, batch_seconds=config.journal.batch_seconds)


def build_sensors(config: Config, simulate: bool, post: Post, clock: Clock) -> Callable[[], None] | None:
    """Start the room sensor poller; returns its close function, or None without sensors.

    In simulation the bus is a fake one whose chips measure the simulated room
    (:func:`device.hardware.sensors.fakes.simulated_room`), through the same drivers.
    """
    from device.hardware.sensors.poller import SensorPoller

    sensors = config.sensors
    sleep: Callable[[float], None] = time.sleep  # chip conversion times are physical
    if sensors.temperature == "none" and sensors.light == "none":
        log.info('room sensors switched off ([sensors] temperature and light are "none")')
        return None
    if simulate:
        from device.hardware.sensors.fakes import simulated_bus

        # The fake chips keep device time, so their conversion waits shrink with --speed too.
        bus: Any = simulated_bus(sensors.temperature, sensors.light, now=clock.now)
        sleep = lambda seconds: time.sleep(clock.real_seconds(seconds))  # noqa: E731
    else:
        try:
            from smbus2 import SMBus

            bus = SMBus(sensors.bus)
        except OSError as exc:
            log.error(
                "cannot open /dev/i2c-%d (%s): running without room sensors; enable I2C (raspi-config) "
                "and add the user to the i2c group",
                sensors.bus,
                exc.strerror or exc,
            )
            return None
    poller = SensorPoller(
        bus,
        post,
        clock,
        sensors.poll_interval_s,
        sensors.temperature,
        sensors.light,
        sleep=sleep,
        max_backoff=sensors.max_backoff_s,
    )
    return poller.start().close
