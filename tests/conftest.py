"""Shared fixtures: real parts wherever we can (a real broker, gpiozero mock pins, SDL's disk driver)."""

from __future__ import annotations

import os

# Before anything imports pygame or gpiozero: no sound card, no Pi, no banner.
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
os.environ.setdefault("GPIOZERO_PIN_FACTORY", "mock")
os.environ.setdefault("GPIOZERO_MOCK_PIN_CLASS", "mockpwmpin")

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.broker import Broker, start_broker


@pytest.fixture
def pin_factory() -> Iterator[object]:
    """A fresh gpiozero mock pin factory (PWM-capable) per test, reset afterwards."""
    from gpiozero import Device
    from gpiozero.pins.mock import MockFactory, MockPWMPin

    factory = MockFactory(pin_class=MockPWMPin)
    previous = Device.pin_factory
    Device.pin_factory = factory
    try:
        yield factory
    finally:
        factory.reset()
        Device.pin_factory = previous


@pytest.fixture
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    """A real mosquitto on a free loopback port, with a config file of its own."""
    with start_broker(tmp_path_factory.mktemp("mosquitto")) as running:
        yield running


@pytest.fixture(scope="session")
def sound_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built-in triggers, rendered once per run as short 2 s loops, for simulated daemons to start from.

    A simulated daemon renders the 40 s loops it misses on a background thread: seconds of CPU
    that would take the machine from the test (see tests/support/sim.py).
    """
    from device.audio import synth

    cache = tmp_path_factory.mktemp("sound-cache")
    for name in synth.BUILTINS:
        synth.write_wav(synth.cache_path(cache, name), synth.render(name, seconds=2.0))
    return cache


# The reliability suite's property tests: the same examples on every run (derandomize) and a bounded
# count, so `make test` stays deterministic and within its time budget. HYPOTHESIS_PROFILE=long explores more.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "hushlight",
    derandomize=True,
    database=None,  # no example database: every run tries the same examples, and writes nothing
    max_examples=150,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile("long", settings.get_profile("hushlight"), max_examples=3000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "hushlight"))
