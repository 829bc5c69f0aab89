"""`hushlight sensors` and the daemon's sensor wiring in simulation: the same drivers on fake chips."""

from __future__ import annotations

import threading

import pytest

from device.cli import main
from device.cli.sensors import describe
from device.config.schema import Config, SensorsConfig
from device.core import events as ev
from device.hardware.sensors import fakes
from device.hardware.sensors.fakes import FakeBME280, FakeBus, FakeSHT3x, SimRoom
from device.runtime import wiring
from device.runtime.clock import ScaledClock
from device.runtime.fake_clock import FakeClock


@pytest.fixture
def sim_room(monkeypatch):
    room = SimRoom(temperature_c=19.0, humidity=45.0, pressure_hpa=1000.0, lux=0.5)
    monkeypatch.setattr(fakes, "_SIM_ROOM", room)
    return room


def test_cli_lists_the_simulated_chips_and_reads_each(sim_room, tmp_path, monkeypatch, capsys):
    config = tmp_path / "hushlight.toml"
    config.write_text('[sensors]\ntemperature = "bme280"\n')
    monkeypatch.setenv("HUSHLIGHT_CONFIG", str(config))
    assert main(["sensors", "--simulate"]) == 0
    out = capsys.readouterr().out
    assert "0x76  bme280  chip id 0x60" in out
    assert "0x23  bh1750" in out
    assert "bme280@0x76  19.00 °C  45.0 %RH  1000.0 hPa" in out
    assert "bh1750@0x23  0.45 lx (MTreg 254, H-res mode 2)" in out


def test_cli_explains_a_missing_bus(monkeypatch, tmp_path, capsys):
    config = tmp_path / "hushlight.toml"
    config.write_text("")
    monkeypatch.setenv("HUSHLIGHT_CONFIG", str(config))
    assert main(["sensors", "--bus", "31"]) == 2
    out = capsys.readouterr().out
    assert "cannot open /dev/i2c-31" in out and "raspi-config" in out


def test_describe_reports_failures_and_a_configured_chip_that_is_absent():
    clock = FakeClock(0.0)
    room = SimRoom()
    sht = FakeSHT3x(0x45, room, clock.now)
    bus = FakeBus([sht, FakeBME280(0x77, room, clock.now)])
    lines, ok = describe(bus, SensorsConfig(temperature="sht4x", light="none"), clock.sleep)
    assert ok is False
    assert '[sensors] temperature = "sht4x": no such chip on this bus' in lines
    room.set(temperature_c=130.0)  # the SHT3x answers, but with a value no bedroom has
    lines, ok = describe(bus, SensorsConfig(light="none"), clock.sleep)
    assert any(line.startswith("  sht3x@0x45") and "FAILED" in line and "outside" in line for line in lines)
    assert any(line.startswith("  bme280@0x77") and "FAILED" in line for line in lines)  # 130 °C: beyond its range too
    lines, ok = describe(FakeBus(), SensorsConfig(), clock.sleep)
    assert not ok and lines[0].startswith("found: no known sensor answered")


def test_build_sensors_in_simulation_posts_readings_that_follow_the_simulated_room(sim_room):
    config = Config(sensors=SensorsConfig(poll_interval_s=2.0))
    readings: list[ev.RoomReading] = []
    changed = threading.Event()

    def post(event: ev.Event) -> None:
        if isinstance(event, ev.RoomReading):
            readings.append(event)
            if event.temperature_c is not None and event.temperature_c > 24.9:
                changed.set()

    close = wiring.build_sensors(config, True, post, ScaledClock(speed=100))
    assert close is not None
    try:
        sim_room.set(temperature_c=25.0, lux=3.0)
        assert changed.wait(5), readings[-3:]
    finally:
        close()
        close()
    last = readings[-1]
    assert last.sources["temperature_c"] == "sht4x@0x44"
    assert last.lux is not None and last.lux == pytest.approx(3.0, abs=0.06)


def test_build_sensors_returns_none_when_switched_off_or_without_a_bus(caplog):
    off = Config(sensors=SensorsConfig(temperature="none", light="none"))
    assert wiring.build_sensors(off, True, lambda e: None, ScaledClock()) is None
    no_bus = Config(sensors=SensorsConfig(bus=31))
    assert wiring.build_sensors(no_bus, False, lambda e: None, ScaledClock()) is None
    assert "cannot open /dev/i2c-31" in caplog.text
