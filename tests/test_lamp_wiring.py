"""The lamp as the daemon builds it, and the core's breathing-light hook."""

import datetime as dt

import pytest

from device.config.load import parse_config
from device.core import effects as fx
from device.core import events as ev
from device.core.controller import Controller, settings_from_config
from device.errors import ConfigError
from device.hardware.lamp.fader import FadingLamp
from device.hardware.lamp.fakes.recording import RecordingLamp
from device.runtime import wiring
from device.runtime.fake_clock import FakeClock
from device.runtime.worker import Adapters


@pytest.mark.parametrize("backend", ["gpio", "hwpwm", "pca9685"])
def test_simulation_builds_the_configured_backend_over_its_fake(backend, pin_factory, tmp_path):
    config = parse_config(f'[lamp]\nbackend = "{backend}"\npin = 12\n')
    lamp = wiring.build_lamp(config, True, FakeClock(), pin_factory, tmp_path)
    assert isinstance(lamp, FadingLamp)
    lamp.fade_to(60, 2, "ease")
    assert lamp.wait_idle(5)
    assert lamp.level() == 60
    if backend == "hwpwm":
        written = (tmp_path / "sim-sysfs-pwm/pwmchip0/pwm0/duty_cycle").read_text()
        assert int(written) == round(lamp.duty() * 200_000)
    if backend == "gpio":
        assert pin_factory.pin(12).state == lamp.duty()
    lamp.close()


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ('backend = "pca9685"\nfrequency_hz = 5000', "lamp.frequency_hz"),
        ("breathe_low = 30\nbreathe_high = 20", "lamp.breathe_low"),
        ("max_level = 50\nbreathe_high = 60\nevening_level = 30\non_level = 40", "lamp.breathe_high"),
    ],
)
def test_lamp_config_cross_checks(toml, key):
    with pytest.raises(ConfigError) as exc:
        parse_config(f"[lamp]\n{toml}\n")
    assert exc.value.key == key


def controller(toml: str = "") -> Controller:
    config = parse_config(toml)
    return Controller(config, settings_from_config(config), dt.UTC)


def test_lamp_effect_breathe_and_its_end():
    core = controller("[lamp]\nbreathe_minutes = 8\nbreathe_low = 5\nbreathe_high = 25\n")
    now = 1_800_000_000.0
    out = core.handle(ev.Command("lamp_effect", "breathe"), now)
    assert out == [fx.LampBreathe(5.0, 25.0, 480.0, 11.0, 6.0)]
    assert core.state.snapshot(now)["lamp"]["effect"] == "breathe"
    assert core.next_deadline() == now + 480
    core.advance(now + 480)
    assert core.state.lamp.effect == "none"


def test_lamp_effect_none_holds_the_lamp_and_unknown_is_rejected():
    core = controller()
    now = 1_800_000_000.0
    core.handle(ev.Command("lamp_effect", "breathe"), now)
    out = core.handle(ev.Command("lamp_effect", "none"), now + 10)
    assert [type(e) for e in out] == [fx.LampFade] and core.state.lamp.effect == "none"
    out = core.handle(ev.Command("lamp_effect", "disco"), now + 20)
    assert isinstance(out[0], fx.RejectCommand) and "disco" in out[0].reason


def test_worker_hands_breathing_to_the_lamp():
    from device.audio.player import SilentPlayer
    from device.hub.base import NullHub
    from device.journal.base import MemoryJournal
    from device.runtime.worker import Worker

    clock = FakeClock()
    lamp = RecordingLamp(clock)
    worker = Worker(controller(), Adapters(lamp, SilentPlayer(), NullHub(), MemoryJournal()), clock)
    worker.post(ev.Command("lamp_effect", "breathe"))
    worker.post(ev.Shutdown())
    worker.run()
    assert lamp.breaths == [(4.0, 22.0, 480.0, 11.0, 6.0)]


def test_a_calibration_not_yet_pinned_is_pointed_out(pin_factory, tmp_path, caplog):
    (tmp_path / "lamp-calibration.json").write_text('{"min_duty": 0.0037}')
    config = parse_config('[lamp]\nbackend = "pca9685"\n')
    with caplog.at_level("INFO", logger="device.runtime.wiring"):
        lamp = wiring.build_lamp(config, True, FakeClock(), pin_factory, tmp_path)
    lamp.close()
    assert "calibrated min_duty 0.0037 differs from [lamp] min_duty 0.002" in caplog.text
