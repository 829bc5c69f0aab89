"""SHT4x driver against a fake chip that decodes its one-byte commands."""

from __future__ import annotations

import pytest

from device.hardware.sensors.base import SensorError
from device.hardware.sensors.drivers import sht3x, sht4x
from device.hardware.sensors.fakes import FakeBus, FakeSHT3x, FakeSHT4x, SimRoom
from device.runtime.fake_clock import FakeClock


def make(room: SimRoom | None = None):
    clock = FakeClock(0.0)
    chip = FakeSHT4x(0x44, room or SimRoom(temperature_c=18.25, humidity=55.0), clock.now)
    bus = FakeBus([chip])
    return sht4x.SHT4x(bus, 0x44, clock.sleep), chip, bus, clock


def test_conversion_and_humidity_clamp():
    t, rh = sht4x.convert(0x6666, 0x8000)
    assert t == pytest.approx(-45 + 175 * 0x6666 / 65535)
    assert rh == pytest.approx(-6 + 125 * 0x8000 / 65535)
    assert sht4x.convert(0, 0)[1] == 0.0  # −6 % clamped
    assert sht4x.convert(0, 65535)[1] == 100.0  # 119 % clamped


def test_read_sends_0xfd_waits_and_converts():
    driver, chip, _, clock = make()
    start = clock.now()
    measurement = driver.read()
    assert measurement.temperature_c == pytest.approx(18.25, abs=175 / 65535)
    assert measurement.humidity == pytest.approx(55.0, abs=125 / 65535)
    assert list(chip.writes) == [bytes([0xFD])]
    assert clock.now() - start >= 0.0083
    assert chip.early_reads == 0


def test_humidity_outside_the_physical_range_is_clamped():
    driver, _, _, _ = make(SimRoom(humidity=104.0))
    assert driver.read().humidity == 100.0


def test_serial_number_tells_it_from_an_sht3x():
    clock = FakeClock(0.0)
    bus = FakeBus([FakeSHT4x(0x44, SimRoom(), clock.now, serial=0x12345678), FakeSHT3x(0x45, SimRoom(), clock.now)])
    assert sht4x.SHT4x.identify(bus, 0x44, clock.sleep) == "serial 0x12345678"
    assert sht4x.SHT4x.identify(bus, 0x45, clock.sleep) is None  # an SHT3x has nothing to say after 0x89
    assert sht3x.SHT3x.identify(bus, 0x44, clock.sleep) is None  # an SHT4x refuses 16-bit commands
    assert sht3x.SHT3x.identify(bus, 0x45, clock.sleep) is not None


def test_crc_failure_nack_and_late_chip():
    driver, chip, bus, _ = make()
    bus.scripted.extend([None, "corrupt"])
    with pytest.raises(SensorError) as info:
        driver.read()
    assert info.value.reason == "crc"
    chip.present = False
    with pytest.raises(SensorError) as info:
        driver.read()
    assert info.value.reason == "nack"
    chip.present = True
    assert driver.read().temperature_c == pytest.approx(18.25, abs=0.01)


def test_timeout_is_told_apart_from_nack():
    driver, _, bus, _ = make()
    bus.scripted.append("timeout")
    with pytest.raises(SensorError) as info:
        driver.read()
    assert info.value.reason == "timeout"


def test_reading_too_early_is_a_nack():
    clock = FakeClock(0.0)
    chip = FakeSHT4x(0x44, SimRoom(), clock.now)
    with pytest.raises(SensorError):
        sht4x.SHT4x(FakeBus([chip]), 0x44, lambda s: None).read()
    assert chip.early_reads == 1


def test_soft_reset():
    driver, chip, _, _ = make()
    driver.reset()
    assert chip.resets == 1 and list(chip.writes) == [bytes([0x94])]
