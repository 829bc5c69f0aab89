import itertools
import json
import threading

import pytest

from device.cli import main
from device.hardware.lamp.calibrate import (
    CalibrationError,
    WatchedOutput,
    calibrate_by_eye,
    calibrate_with_sensor,
    candidate_duties,
)
from device.hardware.lamp.fakes.light import LightAtLamp
from device.hardware.lamp.fakes.pca9685 import FakePca9685Bus
from device.hardware.lamp.pca9685 import Pca9685Output
from device.runtime.fake_clock import FakeClock

Q = 1 / 4096


def pca_output() -> tuple[WatchedOutput, FakePca9685Bus]:
    bus = FakePca9685Bus()
    return WatchedOutput(Pca9685Output(bus, 0x40, 0, 1526)), bus


def test_candidates_climb_geometrically_on_the_grid():
    duties = candidate_duties(Q)
    assert duties[0] == Q and duties[-1] <= 0.1
    assert all(round(d / Q) * Q == d for d in duties)
    assert all(b / a <= 2.0 and b > a for a, b in itertools.pairwise(duties))
    assert len(duties) < 80  # a minute or so by eye


@pytest.mark.parametrize("glow", [0.0009, 0.0035, 0.02])
def test_sensor_finds_the_glow_point_to_one_step(glow):
    output, bus = pca_output()
    sensor = LightAtLamp(lambda: output.duty, glow_duty=glow, noise_lux=0.01)
    found = calibrate_with_sensor(output, sensor, FakeClock())
    # the sensor sees the lamp once it gives ~0.05 lx above the dark (400 lx at full): a few steps past the glow
    assert glow < found <= glow + 0.0003 + Q
    assert bus.history[0][-1] == 0.0  # left off


def test_sensor_that_never_sees_the_lamp_is_a_clear_error():
    output, _ = pca_output()
    with pytest.raises(CalibrationError, match="never saw the lamp"):
        calibrate_with_sensor(output, lambda: 3.0, FakeClock())


class Viewer:
    """A person in a dark room: sees light from ``visible`` on and presses ``reaction`` seconds later."""

    def __init__(self, clock: FakeClock, visible: float, reaction: float) -> None:
        self.clock, self.visible, self.reaction = clock, visible, reaction
        self.pressed = threading.Event()
        self.seen_at: float | None = None
        clock_wait = clock.wait

        def wait(stop: threading.Event, seconds: float) -> bool:
            if self.seen_at is not None and clock.t + seconds >= self.seen_at + reaction:
                clock.t = self.seen_at + reaction
                self.pressed.set()
                return True
            return clock_wait(stop, seconds)

        clock.wait = wait  # type: ignore[method-assign]

    def step(self, duty: float) -> None:
        if duty >= self.visible and self.seen_at is None:
            self.seen_at = self.clock.now()


@pytest.mark.parametrize(("reaction", "steps_early"), [(0.2, 1), (0.35, 0), (0.5, 0), (0.9, 0)])
def test_by_eye_takes_the_duty_seen_a_reaction_time_before_the_press(reaction, steps_early):
    output, _ = pca_output()
    clock = FakeClock()
    viewer = Viewer(clock, visible=0.004, reaction=reaction)
    found = calibrate_by_eye(output, viewer.pressed, clock, dwell=0.6, on_step=viewer.step)
    duties = candidate_duties(Q)
    first_visible = next(i for i, d in enumerate(duties) if d >= 0.004)
    assert found == duties[first_visible - steps_early]  # a quick presser gets one step (8 %) less: still a glow
    assert output.duty == 0.0


def test_by_eye_without_a_press_fails_clearly():
    output, _ = pca_output()
    with pytest.raises(CalibrationError, match="no press"):
        calibrate_by_eye(output, threading.Event(), FakeClock())


def test_cli_with_the_simulated_sensor_saves_and_explains(tmp_path, capsys):
    config = tmp_path / "hushlight.toml"
    config.write_text('[lamp]\nbackend = "pca9685"\n')
    argv = ["lamp", "calibrate", "--simulate", "--sensor", "sim", "--settle", "0"]
    code = main([*argv, "--config", str(config), "--state-dir", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    saved = json.loads((tmp_path / "lamp-calibration.json").read_text())
    assert saved["method"] == "sensor:sim" and saved["backend"] == "pca9685"
    assert 0.0035 < saved["min_duty"] < 0.005
    assert f"min_duty = {saved['min_duty']:g}" in out and "[lamp]" in out


def test_cli_refuses_an_unknown_sensor(tmp_path, capsys):
    assert main(["lamp", "calibrate", "--sensor", "nope", "--state-dir", str(tmp_path)]) == 2
    assert "no light sensor 'nope'" in capsys.readouterr().err


def test_bh1750_sensor_reads_the_room_chip_and_says_when_it_is_missing(monkeypatch):
    import smbus2

    from device.cli import lamp  # noqa: F401 - registers the sensors
    from device.config import parse_config
    from device.hardware.lamp import calibrate as cal
    from device.hardware.sensors.fakes import FakeBH1750, FakeBus, SimRoom

    room = SimRoom(lux=12.0)
    chips: list = [FakeBH1750(0x23, room)]
    monkeypatch.setattr(smbus2, "SMBus", lambda number: FakeBus(chips))
    config = parse_config("")
    read = cal.LIGHT_SENSORS["bh1750"](config, None)
    assert read() == pytest.approx(12.0, rel=0.05)
    chips.clear()
    with pytest.raises(CalibrationError, match="no BH1750 answers on I2C bus 1"):
        cal.LIGHT_SENSORS["bh1750"](config, None)
