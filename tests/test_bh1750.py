"""BH1750 driver against a fake chip that decodes opcodes, honours MTreg and its conversion time."""

from __future__ import annotations

import pytest

from device.hardware.sensors.base import SensorError
from device.hardware.sensors.drivers import bh1750
from device.hardware.sensors.fakes import FakeBH1750, FakeBus, SimRoom
from device.runtime.fake_clock import FakeClock


def make(lux: float):
    clock = FakeClock(0.0)
    room = SimRoom(lux=lux)
    chip = FakeBH1750(0x23, room, clock.now)
    bus = FakeBus([chip])
    return bh1750.BH1750(bus, 0x23, clock.sleep), chip, room, clock


def test_datasheet_example_and_lux_formula():
    # Datasheet: high byte 1000_0011, low byte 1001_0000 → (2^15+2^9+2^8+2^7+2^4) / 1.2 = 28067 lx.
    assert bh1750.lux(0b1000_0011_1001_0000) == pytest.approx(28067, abs=0.5)
    assert bh1750.lux(1000, 138) == pytest.approx(1000 / 1.2 * 69 / 138)
    assert bh1750.lux(1000, 254, bh1750.OP_ONE_TIME_H_RES2) == pytest.approx(1000 / 1.2 * 69 / 254 / 2)


def test_mtreg_opcodes():
    assert bh1750.mtreg_opcodes(69) == (0x42, 0x65)
    assert bh1750.mtreg_opcodes(254) == (0x47, 0x7E)
    assert bh1750.mtreg_opcodes(31) == (0x40, 0x7F)
    with pytest.raises(ValueError):
        bh1750.mtreg_opcodes(30)


def test_dark_room_uses_mtreg_254_and_h_res_mode_2_and_waits_long_enough():
    driver, chip, _, clock = make(0.4)
    start = clock.now()
    measurement = driver.read()
    assert measurement.lux == pytest.approx(0.4, abs=0.06)  # 0.11 lx per count
    assert list(chip.writes) == [b"\x01", b"\x47", b"\x7e", b"\x21"]
    assert chip.measurements == [(254, 0x21)]
    assert clock.now() - start == pytest.approx(0.180 * 254 / 69)  # datasheet max scaled by MTreg
    assert chip.early_reads == 0
    assert "MTreg 254" in measurement.note


def test_reading_before_the_conversion_gets_old_data():
    clock = FakeClock(0.0)
    chip = FakeBH1750(0x23, SimRoom(lux=50.0), clock.now)
    impatient = bh1750.BH1750(FakeBus([chip]), 0x23, lambda s: None)
    assert impatient.read().lux == 0.0
    assert chip.early_reads == 1


def test_auto_range_steps_down_on_saturation_and_back_when_it_gets_dark():
    driver, chip, room, _ = make(20000.0)
    assert driver.read().lux == pytest.approx(20000, rel=0.001)
    assert chip.measurements == [(254, 0x21), (69, 0x20)]  # saturated, then re-measured coarser
    room.set(lux=100000.0)
    assert driver.read().lux == pytest.approx(100000, rel=0.001)
    assert chip.measurements[-1] == (31, 0x20)
    room.set(lux=3.0)
    driver.read()  # still coarse; it moves one range finer per reading
    driver.read()
    assert driver.read().lux == pytest.approx(3.0, abs=0.06)
    assert chip.measurements[-1] == (254, 0x21)


def test_nack_and_late_chip():
    driver, chip, _, _ = make(5.0)
    chip.present = False
    assert bh1750.BH1750.identify(driver.bus, 0x23) is None
    with pytest.raises(SensorError) as info:
        driver.read()
    assert info.value.reason == "nack"
    chip.present = True
    assert bh1750.BH1750.identify(driver.bus, 0x23) is not None
    assert driver.read().lux == pytest.approx(5.0, abs=0.06)


def test_reset_returns_to_the_finest_range():
    driver, chip, _, _ = make(20000.0)
    driver.read()
    driver.reset()
    assert driver.range == bh1750.RANGES[0]
    assert list(chip.writes)[-3:] == [b"\x01", b"\x07", b"\x00"]
