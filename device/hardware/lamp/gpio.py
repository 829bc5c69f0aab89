"""Lamp backend "gpio": gpiozero's PWMLED on any pin.

On a Pi the pin factory is gpiozero's choice (lgpio first); lgpio's PWM on an
ordinary pin is *software* PWM, timed by a thread in whole microseconds, so
it jitters and flickers visibly at low duty (gpiozero issue #641). Fine for
trying things out; for a bedroom use "hwpwm" or "pca9685". In tests and
simulation the factory is ``MockFactory(pin_class=MockPWMPin)``, whose pins
keep every value written.
"""

from __future__ import annotations

from typing import Any

from device.errors import HardwareError

DEFAULT_FREQUENCY = 1000  # Hz: 1000 one-microsecond ticks, the fewest that keep the lowest step <= 1 ΔL*
TICK_S = 1e-6  # lgpio times software PWM in whole microseconds


class GpioPwmOutput:
    """A PWM output on one GPIO through gpiozero."""

    def __init__(self, pin: int, frequency_hz: float = DEFAULT_FREQUENCY, pin_factory: Any = None) -> None:
        from gpiozero import PWMLED
        from gpiozero.exc import GPIOZeroError

        self.frequency_hz = float(frequency_hz or DEFAULT_FREQUENCY)
        self.quantum = 1.0 / max(1, round(1.0 / (self.frequency_hz * TICK_S)))
        self.pin = pin
        try:
            self._led: Any = PWMLED(pin, frequency=self.frequency_hz, pin_factory=pin_factory)
        except (GPIOZeroError, RuntimeError, OSError) as exc:  # RPi.GPIO raises RuntimeError off a Pi
            raise HardwareError(f"lamp: cannot drive GPIO{pin} with PWM: {type(exc).__name__}: {exc}") from exc

    def write(self, duty: float) -> None:
        self._led.value = min(1.0, max(0.0, duty))

    def close(self) -> None:
        led, self._led = self._led, None
        if led is not None:
            led.value = 0
            led.close()

    @property
    def gpiozero_pin(self) -> Any:
        """The gpiozero pin object (a MockPWMPin in tests: its ``states`` are every duty written)."""
        return self._led.pin if self._led is not None else None
