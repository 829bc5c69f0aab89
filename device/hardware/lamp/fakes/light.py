"""A light sensor beside the lamp, simulated: what `hushlight lamp calibrate --simulate --sensor sim` reads."""

from __future__ import annotations

import random
from collections.abc import Callable


class LightAtLamp:
    """Lux rise in proportion to duty above the LED's glow point, over a dark room and a little sensor noise."""

    def __init__(
        self,
        duty: Callable[[], float],
        glow_duty: float = 0.0035,
        full_lux: float = 400.0,
        dark_lux: float = 0.2,
        noise_lux: float = 0.01,
        seed: int = 1,
    ) -> None:
        self._duty = duty
        self.glow_duty = glow_duty
        self.full_lux = full_lux
        self.dark_lux = dark_lux
        self.noise_lux = noise_lux
        self._random = random.Random(seed)
        self.reads = 0

    def __call__(self) -> float:
        self.reads += 1
        lit = self.full_lux * max(0.0, self._duty() - self.glow_duty) / (1 - self.glow_duty)
        return max(0.0, self.dark_lux + lit + self._random.gauss(0.0, self.noise_lux))
