"""The bedside buttons and the optional rotary encoder (gpiozero).

Only raw edges leave this file, stamped with the device clock; gestures
(single, double, long) and debounce are decided in one place, the core's
:mod:`device.core.gestures`. gpiozero's ``bounce_time`` is left off on
purpose: it does nothing on mock pins, so it could not be tested. And the
pins are plain ``DigitalInputDevice``s, not ``Button``s: a ``Button`` starts a
hold thread that wakes ten times a second for ever, for a ``when_held`` we
do not use (long presses are the core's deadline).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from device.config.schema import ButtonsConfig
from device.core import events as ev
from device.runtime.clock import Clock

log = logging.getLogger(__name__)


class BedsideButtons:
    def __init__(
        self, config: ButtonsConfig, post: Callable[[ev.Event], None], clock: Clock, pin_factory: Any = None
    ) -> None:
        from gpiozero import DigitalInputDevice, RotaryEncoder

        self._post = post
        self._clock = clock
        self._closed = threading.Event()
        self.buttons: dict[str, Any] = {}
        self.encoder: Any = None
        specs = {"main": config.main, "second": config.second}
        try:
            for name, spec in specs.items():
                if spec is None:
                    continue
                button = DigitalInputDevice(spec.pin, pull_up=spec.pull_up, bounce_time=None, pin_factory=pin_factory)
                button.when_activated = self._edge_handler(name, True)
                button.when_deactivated = self._edge_handler(name, False)
                self.buttons[name] = button
            if config.encoder is not None:
                step = config.encoder.step
                self.encoder = RotaryEncoder(
                    config.encoder.pin_a, config.encoder.pin_b, max_steps=0, pin_factory=pin_factory
                )
                self.encoder.when_rotated_clockwise = lambda: self._send(ev.Command("volume_step", step, "encoder"))
                self.encoder.when_rotated_counter_clockwise = lambda: self._send(
                    ev.Command("volume_step", -step, "encoder")
                )
        except Exception:
            self.close()
            raise

    def _edge_handler(self, name: str, pressed: bool) -> Callable[[], None]:
        def handler() -> None:
            self._send(ev.ButtonEdge(name, pressed, self._clock.now()))

        return handler

    def _send(self, event: ev.Event) -> None:
        if not self._closed.is_set():
            self._post(event)

    def close(self) -> None:
        """Stop reporting and release the pins; safe to call twice."""
        self._closed.set()
        for button in self.buttons.values():
            button.close()
        self.buttons.clear()
        if self.encoder is not None:
            self.encoder.close()
            self.encoder = None
