"""Build each adapter from the config: the real part on a Pi, its fake in simulation.

One function per part, so each part's issue changes only its own function.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from device.audio.player import Player, SilentPlayer
from device.config.schema import Config
from device.core import events as ev
from device.hardware.lamp import Lamp, RecordingLamp
from device.hub.base import Hub, NullHub
from device.journal.base import Journal
from device.runtime.clock import Clock

log = logging.getLogger(__name__)

Post = Callable[[ev.Event], None]


def make_pin_factory(simulate: bool) -> Any:
    """gpiozero's mock PWM pins in simulation; on a Pi, gpiozero's own choice (lgpio first)."""
    if simulate:
        from gpiozero.pins.mock import MockFactory, MockPWMPin

        return MockFactory(pin_class=MockPWMPin)
    return None


def build_lamp(config: Config, simulate: bool, clock: Clock, pin_factory: Any, state_dir: Path) -> Lamp:
    return RecordingLamp(clock)


def build_player(config: Config, simulate: bool, clock: Clock, state_dir: Path) -> Player:
    return SilentPlayer()


def build_hub(config: Config, simulate: bool, post: Post, clock: Clock, state_dir: Path) -> Hub:
    return NullHub()


def build_journal(config: Config, state_dir: Path) -> Journal:
    from device.journal.store import JOURNAL_FILE
    from device.journal.writer import SqliteJournal

    return SqliteJournal(state_dir / JOURNAL_FILE, batch_seconds=config.journal.batch_seconds)


def build_sensors(config: Config, simulate: bool, post: Post, clock: Clock) -> Callable[[], None] | None:
    """Start the room sensor poller; returns its close function, or None without sensors."""
    return None
