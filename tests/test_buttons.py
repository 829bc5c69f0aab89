"""The bedside buttons on gpiozero's mock pins, with contact bounce, into the real core."""

from __future__ import annotations

import datetime as dt

import pytest

from device.config import parse_config
from device.core import effects as fx
from device.core import events as ev
from device.core.controller import Controller, settings_from_config
from device.hardware.buttons import BedsideButtons
from device.runtime.fake_clock import FakeClock

NOON = dt.datetime(2026, 11, 24, 21, 0, tzinfo=dt.UTC).timestamp()  # evening: no morning window


class Bench:
    """Buttons wired to a controller the way the worker does it, on a fake clock."""

    def __init__(self, pin_factory, config_text: str = "") -> None:
        self.config = parse_config(config_text)
        self.clock = FakeClock(NOON)
        self.controller = Controller(self.config, settings_from_config(self.config), dt.UTC)
        self.controller.handle(ev.TriggersAvailable(("rain", "brushing")), self.clock.now())
        self.events: list[ev.Event] = []
        self.effects: list[fx.Effect] = []
        self.buttons = BedsideButtons(self.config.buttons, self.events.append, self.clock, pin_factory)
        self.pin_factory = pin_factory

    def pin(self, number: int):
        return self.pin_factory.pin(number)

    def contact(self, number: int, closed: bool, bounces: int = 3) -> None:
        """Close or open the contact with realistic chatter (2 ms cycles)."""
        pin = self.pin(number)
        for _ in range(bounces):
            pin.drive_low() if closed else pin.drive_high()
            self.step(0.002)
            pin.drive_high() if closed else pin.drive_low()
            self.step(0.002)
        pin.drive_low() if closed else pin.drive_high()

    def step(self, seconds: float) -> None:
        """Let device time pass, running the worker's part: events, then deadlines."""
        end = self.clock.now() + seconds
        while True:
            while self.events:
                self.effects += self.controller.handle(self.events.pop(0), self.clock.now())
            deadline = self.controller.next_deadline()
            if deadline is None or deadline > end:
                break
            self.clock.set(max(deadline, self.clock.now()))
            self.effects += self.controller.advance(self.clock.now())
        self.clock.set(end)

    def gestures(self) -> list[str]:
        return [e.data["gesture"] for e in self.effects if isinstance(e, fx.PublishEvent) and e.kind == "button"]


@pytest.fixture
def make_bench(pin_factory):
    """Benches whose buttons are closed after the test (releases their pins for the next test)."""
    made: list[Bench] = []

    def make(config_text: str = "") -> Bench:
        made.append(Bench(pin_factory, config_text))
        return made[-1]

    yield make
    for bench in made:
        bench.buttons.close()


def test_single_press_starts_a_session(make_bench) -> None:
    bench = make_bench()
    bench.contact(17, True)
    bench.step(0.15)
    bench.contact(17, False)
    bench.step(1.0)
    assert bench.gestures() == ["single"]
    assert bench.controller.state.session.active
    assert any(isinstance(e, fx.PlaySound) for e in bench.effects)


def test_double_press_with_bounce(make_bench) -> None:
    bench = make_bench()
    for _ in range(2):
        bench.contact(17, True)
        bench.step(0.1)
        bench.contact(17, False)
        bench.step(0.15)
    bench.step(1.0)
    assert bench.gestures() == ["double"]


def test_long_press(make_bench) -> None:
    bench = make_bench()
    bench.contact(17, True)
    bench.step(1.6)
    assert bench.gestures() == ["long"]  # reported while still held
    bench.contact(17, False)
    bench.step(1.0)
    assert bench.gestures() == ["long"]


def test_press_timings_are_configurable(make_bench) -> None:
    bench = make_bench("[buttons]\nlong_press_ms = 800\ndouble_press_ms = 200\n")
    bench.contact(17, True)
    bench.step(0.9)
    bench.contact(17, False)
    bench.step(0.5)
    assert bench.gestures() == ["long"]


def test_second_button_with_its_own_actions(make_bench) -> None:
    bench = make_bench('[buttons.second]\npin = 27\nsingle = "volume_up"\n')
    volume = bench.controller.state.settings.volume
    bench.contact(27, True)
    bench.step(0.1)
    bench.contact(27, False)
    bench.step(1.0)
    assert bench.controller.state.settings.volume == volume + 5
    assert not bench.controller.state.session.active


def test_encoder_turns_the_volume(make_bench) -> None:
    bench = make_bench("[buttons.encoder]\npin_a = 5\npin_b = 6\nstep = 3\n")
    volume = bench.controller.state.settings.volume
    a, b = bench.pin(5), bench.pin(6)
    for level_a, level_b in ((0, 1), (0, 0), (1, 0), (1, 1)):  # one detent clockwise (quadrature)
        a.drive_low() if level_a == 0 else a.drive_high()
        b.drive_low() if level_b == 0 else b.drive_high()
    bench.step(0.01)
    assert abs(bench.controller.state.settings.volume - volume) == 3


def test_press_during_shutdown_does_nothing(make_bench) -> None:
    bench = make_bench()
    bench.effects += bench.controller.handle(ev.Shutdown(), bench.clock.now())
    bench.contact(17, True)
    bench.step(0.1)
    bench.contact(17, False)
    bench.step(1.0)
    assert not bench.controller.state.session.active
    assert bench.gestures() == []


def test_close_is_idempotent_and_silences_the_pins(make_bench) -> None:
    bench = make_bench()
    bench.buttons.close()
    bench.buttons.close()
    bench.pin(17).drive_low()
    assert bench.events == []


def test_buttons_start_no_polling_thread(make_bench) -> None:
    """gpiozero's Button would start a hold thread waking ten times a second; ours are plain inputs."""
    import threading

    before = {t.ident for t in threading.enumerate()}
    make_bench("[buttons.second]\npin = 27\n")
    started = [t.name for t in threading.enumerate() if t.ident not in before]
    assert started == []
