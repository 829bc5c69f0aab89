"""SHT3x driver against a fake chip that decodes its 16-bit commands and answers with CRC'd words."""

from __future__ import annotations

import pytest

from device.hardware.sensors.base import SensorError, crc8
from device.hardware.sensors.drivers import sht3x
from device.hardware.sensors.fakes import FakeBus, FakeSHT3x, SimRoom
from device.runtime.fake_clock import FakeClock


def make(room: SimRoom | None = None, address: int = 0x44):
    clock = FakeClock(0.0)
    room = room or SimRoom(temperature_c=23.5, humidity=41.0)
    chip = FakeSHT3x(address, room, clock.now)
    bus = FakeBus([chip])
    return sht3x.SHT3x(bus, address, clock.sleep), chip, bus, clock


def test_crc_matches_the_datasheet_example():
    assert crc8(bytes([0xBE, 0xEF])) == 0x92
    assert crc8([0x00, 0x00]) == 0x81  # a second known value (all zeros)


def test_conversion_uses_the_datasheet_formula():
    assert sht3x.convert(0, 0) == (-45.0, 0.0)
    assert sht3x.convert(65535, 65535) == (130.0, 100.0)
    t, rh = sht3x.convert(0x6666, 0x8000)
    assert t == pytest.approx(-45 + 175 * 0x6666 / 65535)
    assert rh == pytest.approx(100 * 0x8000 / 65535)


def test_read_sends_the_no_stretch_command_waits_and_converts():
    driver, chip, _, clock = make()
    start = clock.now()
    measurement = driver.read()
    assert measurement.temperature_c == pytest.approx(23.5, abs=175 / 65535)
    assert measurement.humidity == pytest.approx(41.0, abs=100 / 65535)
    assert list(chip.writes) == [bytes([0x24, 0x00])]
    assert clock.now() - start >= 0.0155  # the datasheet's maximum measurement time
    assert chip.early_reads == 0


def test_reading_too_early_is_a_nack_like_the_chip():
    clock = FakeClock(0.0)
    chip = FakeSHT3x(0x44, SimRoom(), clock.now)
    driver = sht3x.SHT3x(FakeBus([chip]), 0x44, lambda s: None)  # a driver that does not wait
    with pytest.raises(SensorError) as info:
        driver.read()
    assert info.value.reason == "nack"
    assert chip.early_reads == 1


def test_crc_failure_is_reported_not_converted():
    driver, chip, _, _ = make()
    chip.corrupt_crc = True
    with pytest.raises(SensorError) as info:
        driver.read()
    assert info.value.reason == "crc"
    assert "sht3x@0x44" in str(info.value)


def test_a_corrupted_byte_on_the_bus_fails_the_crc():
    driver, _, bus, _ = make()
    bus.scripted.extend([None, "corrupt"])  # the command goes through, the answer is damaged
    with pytest.raises(SensorError) as info:
        driver.read()
    assert info.value.reason == "crc"


def test_nack_when_the_chip_is_absent_and_recovery_when_it_appears():
    driver, chip, _, _ = make()
    chip.present = False
    assert sht3x.SHT3x.identify(driver.bus, 0x44, driver.sleep) is None
    with pytest.raises(SensorError) as info:
        driver.read()
    assert info.value.reason == "nack"
    chip.present = True  # plugged in late
    assert sht3x.SHT3x.identify(driver.bus, 0x44, driver.sleep) == "status 0x8010"
    assert driver.read().temperature_c == pytest.approx(23.5, abs=0.01)


def test_out_of_range_temperature_is_rejected():
    driver, _, _, _ = make(SimRoom(temperature_c=130.0))
    with pytest.raises(SensorError) as info:
        driver.read()
    assert info.value.reason == "range"


def test_soft_reset_sends_the_reset_command():
    driver, chip, _, _ = make()
    driver.reset()
    assert chip.resets == 1
    assert list(chip.writes)[-1] == bytes([0x30, 0xA2])


def test_second_address():
    driver, _, _, _ = make(address=0x45)
    assert driver.label == "sht3x@0x45"
    assert driver.read().humidity == pytest.approx(41.0, abs=0.01)
