"""Auto-detection by address and ID, and the driver registry."""

from __future__ import annotations

import logging

import pytest

from device.hardware.sensors import base, detect
from device.hardware.sensors.fakes import FakeBH1750, FakeBME280, FakeBus, FakeSHT3x, FakeSHT4x, SimRoom
from device.runtime.fake_clock import FakeClock


@pytest.fixture
def clock():
    return FakeClock(0.0)


def bus_with(clock, *chips):
    room = SimRoom()
    return FakeBus([cls(address, room, clock.now) for cls, address in chips])


def test_registry_knows_every_chip_in_probe_order():
    assert [d.name for d in base.drivers("climate")] == ["bme280", "sht4x", "sht3x"]
    assert [d.name for d in base.drivers("light")] == ["bh1750"]
    with pytest.raises(KeyError, match="known: bh1750, bme280, sht3x, sht4x"):
        base.driver("dht22")


def test_a_driver_needs_a_name_and_addresses():
    class Nameless(base.Driver):
        pass

    with pytest.raises(TypeError):
        base.register(Nameless)


@pytest.mark.parametrize(
    ("chip", "address", "expected"),
    [
        (FakeSHT4x, 0x44, "sht4x"),
        (FakeSHT4x, 0x45, "sht4x"),
        (FakeSHT3x, 0x44, "sht3x"),
        (FakeSHT3x, 0x45, "sht3x"),
        (FakeBME280, 0x76, "bme280"),
        (FakeBME280, 0x77, "bme280"),
    ],
)
def test_auto_finds_each_climate_chip_at_each_address(clock, chip, address, expected):
    found = detect.probe(bus_with(clock, (chip, address)), "climate", "auto", clock.sleep)
    assert found is not None
    driver, info = found
    assert (driver.name, driver.address, info.name) == (expected, address, expected)
    assert driver.read().temperature_c == pytest.approx(19.0, abs=0.02)


def test_a_named_chip_is_only_looked_for_as_that_chip(clock):
    bus = bus_with(clock, (FakeSHT4x, 0x44))
    assert detect.probe(bus, "climate", "sht3x", clock.sleep) is None
    assert detect.probe(bus, "climate", "sht4x", clock.sleep) is not None
    assert detect.probe(bus, "climate", "none", clock.sleep) is None
    with pytest.raises(ValueError, match="light sensor"):
        detect.candidates("climate", "bh1750")


def test_a_bmp280_is_not_taken_for_a_bme280(clock):
    room = SimRoom()
    bus = FakeBus([FakeBME280(0x76, room, clock.now, chip_id=0x58)])
    assert detect.probe(bus, "climate", "auto", clock.sleep) is None


def test_scan_lists_everything_that_answers(clock, caplog):
    bus = bus_with(clock, (FakeSHT3x, 0x45), (FakeBME280, 0x77), (FakeBH1750, 0x5C))
    with caplog.at_level(logging.INFO):
        found = detect.scan(bus, sleep=clock.sleep)
    assert sorted(f.label for f in found) == ["bh1750@0x5c", "bme280@0x77", "sht3x@0x45"]
    assert "found sht3x@0x45" in caplog.text
    assert detect.scan(FakeBus(), sleep=clock.sleep) == []


def test_a_chip_that_appears_late_is_found_then(clock):
    bus = FakeBus()
    assert detect.probe(bus, "light", "auto", clock.sleep) is None
    bus.add(FakeBH1750(0x23, SimRoom(lux=3.0), clock.now))
    found = detect.probe(bus, "light", "auto", clock.sleep)
    assert found is not None and found[1].label == "bh1750@0x23"


def test_config_refuses_a_pca9685_lamp_where_the_sensors_are_probed():
    from device.config.load import parse_config
    from device.errors import ConfigError

    clash = '[lamp]\nbackend = "pca9685"\ni2c_address = 0x44\n'
    with pytest.raises(ConfigError, match=r"lamp.i2c_address: 0x44 is also where \[sensors\] temperature = 'auto'"):
        parse_config(clash)
    parse_config(clash + '[sensors]\ntemperature = "bme280"\n')  # the BME280 lives at 0x76/0x77: no clash
    parse_config('[lamp]\nbackend = "pca9685"\n')  # the default 0x40 is free
