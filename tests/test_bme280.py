"""BME280 driver: Bosch's integer compensation, calibration decoding, forced mode on a register-level fake."""

from __future__ import annotations

import pytest

from device.hardware.sensors.base import SensorError
from device.hardware.sensors.drivers import bme280
from device.hardware.sensors.fakes import EXAMPLE_CALIBRATION, FakeBME280, FakeBus, SimRoom
from device.runtime.fake_clock import FakeClock


def make(room: SimRoom | None = None, **chip_args):
    clock = FakeClock(0.0)
    chip = FakeBME280(
        0x76, room or SimRoom(temperature_c=21.5, humidity=40.0, pressure_hpa=1002.5), clock.now, **chip_args
    )
    bus = FakeBus([chip])
    return bme280.BME280(bus, 0x76, clock.sleep), chip, bus, clock


def humidity_double(c: bme280.Calibration, adc_h: int, t_fine: int) -> float:
    """Bosch's floating-point humidity formula (datasheet 8.1), an independent check of the integer one."""
    h = t_fine - 76800.0
    h = (adc_h - (c.H4 * 64.0 + c.H5 / 16384.0 * h)) * (
        c.H2 / 65536.0 * (1.0 + c.H6 / 67108864.0 * h * (1.0 + c.H3 / 67108864.0 * h))
    )
    h = h * (1.0 - c.H1 * h / 524288.0)
    return min(100.0, max(0.0, h))


def test_bosch_worked_example_for_temperature_and_pressure():
    # The datasheet's example (BMP280 DS001 3.12; the BME280 uses the same T and P formulas):
    # adc_T 519888 → t_fine 128422, T 25.08 °C; adc_P 415148 → 100653.27 Pa. The 64-bit integer
    # formula gives 25767233 / 256 Pa (the page prints ...236: 0.01 Pa, the rounding it warns of).
    c = EXAMPLE_CALIBRATION
    assert bme280.compensate_t(c, 519888) == (2508, 128422)
    pressure_q24_8 = bme280.compensate_p(c, 415148, 128422)
    assert pressure_q24_8 == 25767233
    assert pressure_q24_8 / 256 == pytest.approx(100653.27, abs=0.05)


@pytest.mark.parametrize("adc_h", [20000, 27000, 32000, 40000])
def test_integer_humidity_matches_bosch_floating_point_formula(adc_h):
    c = EXAMPLE_CALIBRATION
    t_fine = bme280.compensate_t(c, 519888)[1]
    assert bme280.compensate_h(c, adc_h, t_fine) / 1024 == pytest.approx(humidity_double(c, adc_h, t_fine), abs=0.02)


def test_pressure_is_zero_rather_than_dividing_by_zero():
    c = bme280.Calibration(**{**EXAMPLE_CALIBRATION.__dict__, "P1": 0})
    assert bme280.compensate_p(c, 415148, 128422) == 0


def test_calibration_registers_are_decoded_including_the_split_h4_h5():
    odd = bme280.Calibration(**{**EXAMPLE_CALIBRATION.__dict__, "H4": -300, "H5": -50, "H2": -20, "H6": -7})
    driver, _, _, _ = make(calibration=odd)
    driver.setup()
    assert driver.calibration == odd


def test_forced_measurement_end_to_end():
    driver, chip, _, clock = make()
    start = clock.now()
    measurement = driver.read()
    assert measurement.temperature_c == pytest.approx(21.5, abs=0.011)
    assert measurement.humidity == pytest.approx(40.0, abs=0.01)
    assert measurement.pressure_hpa == pytest.approx(1002.5, abs=0.02)
    writes = list(chip.writes)
    assert bytes([0xF2, 0x01]) in writes  # humidity oversampling ×1, written before ctrl_meas
    assert writes.index(bytes([0xF2, 0x01])) < writes.index(bytes([0xF4, 0x25]))  # T×1, P×1, forced
    assert chip.measurements == 1 and chip.early_reads == 0
    assert clock.now() - start >= bme280.MEASURE_TIME_S


def test_calibration_is_read_once():
    driver, chip, _, _ = make()
    driver.read()
    driver.read()
    calibration_reads = [w for w in chip.writes if w == bytes([bme280.REG_CALIB_TP])]
    assert len(calibration_reads) == 1
    assert chip.measurements == 2


def test_identify_checks_the_chip_id():
    _driver, _, bus, _ = make()
    assert bme280.BME280.identify(bus, 0x76) == "chip id 0x60"
    assert bme280.BME280.identify(bus, 0x77) is None


def test_a_bmp280_is_refused_with_a_clear_reason():
    driver, _, bus, _ = make(chip_id=0x58)
    assert bme280.BME280.identify(bus, 0x76) is None
    with pytest.raises(SensorError) as info:
        driver.setup()
    assert info.value.reason == "id" and "BMP280" in str(info.value)


def test_not_measured_values_are_rejected():
    driver, _, _, _ = make()
    driver.setup()
    with pytest.raises(SensorError) as info:
        driver.convert(bytes([0x80, 0, 0, 0x80, 0, 0, 0x80, 0]))
    assert info.value.reason == "range"


def test_nack_late_chip_and_reset():
    driver, chip, _, _ = make()
    chip.present = False
    with pytest.raises(SensorError) as info:
        driver.read()
    assert info.value.reason == "nack"
    chip.present = True
    assert driver.read().temperature_c == pytest.approx(21.5, abs=0.011)
    driver.reset()
    assert driver.calibration is None
    assert bytes([0xE0, 0xB6]) in chip.writes
    assert driver.read().humidity == pytest.approx(40.0, abs=0.01)
