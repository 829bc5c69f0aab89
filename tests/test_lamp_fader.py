"""Every duty written during full fades, a sunset, interruptions, blinks and the breathing light, on all backends."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from device.core import events as ev
from device.core.perceptual import DutyMap
from device.errors import HardwareError
from device.hardware.lamp.fader import FadingLamp
from device.hardware.lamp.fakes.pca9685 import FakePca9685Bus
from device.hardware.lamp.fakes.sysfs_pwm import FakePwmSysfs
from device.hardware.lamp.gpio import GpioPwmOutput
from device.hardware.lamp.hwpwm import SysfsPwmOutput
from device.hardware.lamp.pca9685 import Pca9685Output
from device.runtime.fake_clock import FakeClock

MIN_DUTY, MAX_DUTY = 0.002, 1.0


@dataclass
class Rig:
    lamp: FadingLamp
    clock: FakeClock
    duties: Callable[[], list[float]]  # every duty the hardware (or its fake) was given, in order

    @property
    def map(self) -> DutyMap:
        return DutyMap(MIN_DUTY, MAX_DUTY, self.lamp.output.quantum)

    def run(self) -> None:
        assert self.lamp.wait_idle(60), "the fade did not finish"  # real seconds: generous for a loaded machine


@pytest.fixture(params=["gpio", "hwpwm", "pca9685"])
def rig(request, pin_factory, tmp_path) -> Iterator[Rig]:
    clock = FakeClock()
    output: object
    if request.param == "gpio":
        output = GpioPwmOutput(18, 1000, pin_factory)
        pin = pin_factory.pin(18)
        duties = lambda: [s.state for s in pin.states]  # noqa: E731
    elif request.param == "hwpwm":
        fake = FakePwmSysfs(tmp_path / "pwm")
        output = SysfsPwmOutput(0, -1, 18, 5000, tmp_path / "pwm", fake)
        duties = lambda: fake.duties[(0, 0)]  # noqa: E731
    else:
        bus = FakePca9685Bus()
        output = Pca9685Output(bus, 0x40, 0, 1526)
        duties = lambda: bus.history[0]  # noqa: E731
    lamp = FadingLamp(output, clock, MIN_DUTY, MAX_DUTY)  # type: ignore[arg-type]
    yield Rig(lamp, clock, lambda: _changes(duties()))
    lamp.close()


def _changes(duties: list[float]) -> list[float]:
    out: list[float] = []
    for d in duties:
        if not out or d != out[-1]:
            out.append(d)
    return out


def assert_invisible(rig: Rig, duties: list[float], target: float) -> None:
    """Monotone, <= 1 ΔL* per step, min_duty honoured, every step visible, ends exactly at the target."""
    dmap = rig.map
    assert duties[-1] == pytest.approx(dmap.shown(target), abs=1e-12)
    assert rig.lamp.level() == target
    rising = duties[-1] > duties[0]
    for a, b in itertools.pairwise(duties):
        assert (b > a) == rising, f"not monotone at {a} -> {b}"
        assert abs(dmap.level(b) - dmap.level(a)) <= 1.0 + 1e-9, f"visible step {a} -> {b}"
        assert abs(b - a) >= dmap.quantum * (1 - 1e-6), "a write the backend cannot show"
    assert all(d == 0 or d >= MIN_DUTY for d in duties)


def test_full_fade_up_and_down(rig):
    rig.lamp.fade_to(100, 60, "linear")
    rig.run()
    up = rig.duties()
    assert up[0] == 0.0
    assert_invisible(rig, up, 100)
    assert 100 <= len(up) <= 115
    rig.lamp.fade_to(0, 60, "ease")
    rig.run()
    down = rig.duties()[len(up) - 1 :]
    assert_invisible(rig, down, 0)
    assert down[-1] == 0.0 and down[-2] >= MIN_DUTY


def test_45_minute_sunset_sleeps_between_steps(rig):
    rig.lamp.fade_to(35, 0)
    start, t0 = len(rig.duties()), rig.clock.now()
    waits = rig.clock.waits
    rig.lamp.fade_to(0, 45 * 60, "sunset")
    rig.run()
    sunset = rig.duties()[start - 1 :]
    assert_invisible(rig, sunset, 0)
    assert rig.clock.now() - t0 == pytest.approx(45 * 60)
    assert 30 <= len(sunset) <= 50  # about one write per ΔL*: a write a minute, not a busy loop
    assert rig.clock.waits - waits <= len(sunset)


def test_interrupted_fade_continues_from_where_it_is(rig):
    t0 = rig.clock.now()
    rig.clock.hold(t0 + 30)
    rig.lamp.fade_to(100, 60, "linear")
    assert rig.clock.held.wait(5)
    halfway = rig.lamp.level()
    assert 45 <= halfway <= 50  # half-way along a linear perceptual fade
    before = len(rig.duties())
    rig.lamp.fade_to(20, 10, "ease")  # a new command half-way
    rig.run()
    duties = rig.duties()
    dmap = rig.map
    assert dmap.level(duties[before - 1]) == pytest.approx(halfway, abs=1e-9)
    assert abs(dmap.level(duties[before]) - halfway) <= 1.0  # no jump at the hand-over
    assert_invisible(rig, duties[before - 1 :], 20)
    assert rig.clock.now() == pytest.approx(t0 + 40)


def test_levels_above_max_level_are_capped(rig):
    rig.lamp.max_level = 50
    rig.lamp.fade_to(100, 0)
    assert rig.lamp.level() == 50
    assert rig.duties()[-1] == pytest.approx(rig.map.shown(50), abs=1e-12)


def test_blink_returns_to_the_level_before_and_resumes_the_fade(rig):
    rig.lamp.fade_to(10, 0)
    rig.clock.hold(rig.clock.now() + 5)
    rig.lamp.fade_to(30, 20, "linear")
    assert rig.clock.held.wait(5)
    at_blink = rig.lamp.level()
    before = len(rig.duties())
    rig.lamp.blink(2)
    rig.run()
    blink = rig.duties()[before - 1 :]
    dmap = rig.map
    peaks = [i for i in range(1, len(blink) - 1) if blink[i - 1] < blink[i] > blink[i + 1]]
    assert len(peaks) == 2
    assert all(dmap.level(blink[i]) == pytest.approx(at_blink + 30, abs=1) for i in peaks)
    assert rig.lamp.level() == 30  # then the interrupted fade carried on to its target


def test_breathing_light(rig):
    rig.lamp.fade_to(40, 0)
    start, t0 = len(rig.duties()), rig.clock.now()
    rig.lamp.breathe(4, 22, 480, 11, 6)
    rig.run()
    duties = rig.duties()[start - 1 :]
    dmap = rig.map
    levels = [dmap.level(d) for d in duties]
    for a, b in itertools.pairwise(duties):
        assert abs(dmap.level(b) - dmap.level(a)) <= 1.0 + 1e-9
    breathing = levels[levels.index(min(levels)) :]
    assert min(breathing) == pytest.approx(4, abs=1) and max(breathing) == pytest.approx(22, abs=1)
    peaks = [i for i in range(1, len(levels) - 1) if levels[i - 1] < levels[i] >= levels[i + 1]]
    assert 60 <= len(peaks) <= 75  # 11 slowing to 6 breaths a minute for 8 minutes
    assert rig.lamp.level() == 4
    assert rig.clock.now() - t0 <= 480


def test_breathing_stops_at_a_new_command(rig):
    rig.clock.hold(rig.clock.now() + 60)
    rig.lamp.breathe(4, 22, 480, 11, 6)
    assert rig.clock.held.wait(5)
    assert rig.lamp.status()["effect"] == "breathe"
    rig.lamp.fade_to(0, 2)
    rig.run()
    assert rig.lamp.level() == 0 and rig.lamp.status()["effect"] == "none"


def test_zero_duration_is_written_at_once_and_bad_values_refused(rig):
    rig.lamp.fade_to(60, 0)
    assert not rig.lamp.busy()
    assert rig.duties()[-1] == pytest.approx(rig.map.shown(60), abs=1e-12)
    with pytest.raises(ValueError, match="finite"):
        rig.lamp.fade_to(float("nan"), 1)
    with pytest.raises(ValueError, match="finite"):
        rig.lamp.fade_to(10, float("inf"))


def test_close_stops_the_fade_and_is_idempotent(rig):
    rig.clock.hold(rig.clock.now() + 1)
    rig.lamp.fade_to(100, 60)
    assert rig.clock.held.wait(5)
    rig.lamp.close()
    rig.lamp.close()
    assert not rig.lamp.busy()
    rig.lamp.fade_to(50, 0)  # ignored after close
    assert rig.lamp.level() < 50


class BrokenOutput:
    quantum = 1 / 4096
    frequency_hz = 1000.0

    def __init__(self) -> None:
        self.calls = 0

    def write(self, duty: float) -> None:
        self.calls += 1
        if self.calls > 3:
            raise HardwareError("lamp: PCA9685 at 0x40 did not answer")

    def close(self) -> None:
        pass


class ThreadNotingOutput:
    quantum = 1 / 4096
    frequency_hz = 1000.0

    def __init__(self) -> None:
        self.writes: list[tuple[str, float]] = []

    def write(self, duty: float) -> None:
        self.writes.append((threading.current_thread().name, duty))

    def close(self) -> None:
        pass


@pytest.mark.parametrize("curve", ["linear", "ease"])
def test_a_fade_moves_the_lamp_at_once_on_the_callers_thread(curve: str) -> None:
    """The first rung is written before fade_to returns: a press is not answered by a thread's start and sleep."""
    clock, output = FakeClock(), ThreadNotingOutput()
    clock.hold_at = clock.t  # the fade's own thread cannot get past its first wait
    lamp = FadingLamp(output, clock, MIN_DUTY)
    lamp.fade_to(40, 1.0, curve)
    here = threading.current_thread().name
    assert output.writes[:1] == [(here, 0.0)] and len(output.writes) == 2  # off at start, then the first rung
    assert output.writes[1][0] == here and 0 < output.writes[1][1] < 0.01
    shown = lamp.level()
    assert 0 < shown < 2  # a first small step on the way, not the target
    clock.hold(None)
    assert lamp.wait_idle(5) and lamp.level() == 40
    assert all(name != here for name, _ in output.writes[2:])  # the rest on the fade's thread
    lamp.close()


def test_a_failing_output_is_reported_not_fatal():
    lamp = FadingLamp(BrokenOutput(), FakeClock(), MIN_DUTY)
    posted: list[ev.Event] = []
    lamp.report_to(posted.append)
    lamp.fade_to(100, 10)
    assert lamp.wait_idle(5)
    lamp.fade_to(50, 10)  # still broken: one report per outage
    assert lamp.wait_idle(5)
    assert posted == [ev.AdapterFailed("lamp", "HardwareError: lamp: PCA9685 at 0x40 did not answer")]
    lamp.close()


def test_a_real_time_fade_takes_its_time_and_reports_progress(pin_factory):
    import time

    from device.runtime.clock import ScaledClock

    lamp = FadingLamp(GpioPwmOutput(18, 1000, pin_factory), ScaledClock(speed=100), MIN_DUTY)
    started = time.monotonic()
    lamp.fade_to(50, 30, "ease")  # 30 device seconds = 0.3 s real
    status = lamp.status()
    assert status["target"] == 50 and status["effect"] == "none"
    assert 0 < float(status["remaining"]) <= 30
    assert lamp.wait_idle(5)
    assert time.monotonic() - started >= 0.25
    assert lamp.level() == 50 and lamp.status()["remaining"] == 0.0
    lamp.close()


class LateClock(FakeClock):
    """Every wait oversleeps by ``late`` device seconds (a busy machine, or --speed 600); ``jump_at`` jumps ahead."""

    def __init__(self, late: float = 0.0, jump: float = 0.0) -> None:
        super().__init__()
        self.late, self.jump = late, jump

    def real_seconds(self, device_seconds: float) -> float:
        return device_seconds

    def wait(self, stop, device_seconds):
        stopped = super().wait(stop, device_seconds)
        self.t += self.late
        if self.jump and self.waits == 5:
            self.t += self.jump
        return stopped


def test_a_fade_running_late_catches_up_instead_of_stretching(pin_factory):
    clock = LateClock(late=0.2)
    lamp = FadingLamp(GpioPwmOutput(18, 1000, pin_factory), clock, MIN_DUTY)
    steps = lamp._plan(35, 3.0, "ease")
    start = clock.now()
    lamp.fade_to(35, 3.0, "ease")
    assert lamp.wait_idle(5)
    assert lamp.level() == 35
    assert clock.now() - start <= 3.0 + 0.2 + 1e-6, "ends on time (plus one oversleep), not 0.2 s later per step"
    assert 0 < lamp.writes < len(steps), "steps already past were left out"
    lamp.close()


def test_a_wall_clock_jump_during_a_fade_is_not_caught_up(pin_factory):
    clock = LateClock(jump=3600.0)
    lamp = FadingLamp(GpioPwmOutput(18, 1000, pin_factory), clock, MIN_DUTY)
    steps = lamp._plan(35, 60.0, "linear")
    start = clock.now()
    lamp.fade_to(35, 60.0, "linear")
    assert lamp.wait_idle(5)
    assert lamp.writes == len(steps), "every step still shown: no flash"
    assert clock.now() - start == pytest.approx(3600.0 + 60.0)
    lamp.close()
