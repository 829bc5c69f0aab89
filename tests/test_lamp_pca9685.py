import pytest

from device.errors import HardwareError
from device.hardware.lamp.fakes.pca9685 import FakePca9685Bus
from device.hardware.lamp.pca9685 import Pca9685Output, led_registers, prescale_for


@pytest.mark.parametrize(("hz", "expected"), [(1526, 3), (1000, 5), (200, 30), (50, 121), (24, 253), (1, 255)])
def test_prescale_is_round_25mhz_over_4096f_minus_one(hz, expected):
    assert prescale_for(hz) == expected
    if 24 <= hz <= 1526:
        assert expected == round(25e6 / (4096 * hz)) - 1


def test_init_sets_prescale_while_asleep_then_wakes_with_auto_increment():
    bus = FakePca9685Bus()
    out = Pca9685Output(bus, 0x40, 5, 200)
    assert bus.ignored == []  # PRE_SCALE was written while SLEEP was set
    assert bus.prescale == 30 and out.frequency_hz == pytest.approx(bus.frequency_hz)
    assert out.frequency_hz == pytest.approx(25e6 / (4096 * 31))
    assert not bus.sleeping and bus.registers[0x00] & 0x20
    assert bus.registers[0x01] == 0x04  # totem pole
    assert bus.duty(5) == 0.0 and bus.registers[0x06 + 4 * 5 + 3] & 0x10  # starts full off


def test_the_chip_ignores_prescale_while_awake():
    bus = FakePca9685Bus()
    bus.write_byte_data(0x40, 0x00, 0x20)  # awake
    bus.write_byte_data(0x40, 0xFE, 3)
    assert bus.prescale == 0x1E and bus.ignored == [(0xFE, 3)]


def test_duty_registers_use_full_on_and_full_off_bits():
    assert led_registers(0.0) == [0, 0, 0, 0x10]
    assert led_registers(1.0) == [0, 0x10, 0, 0]
    assert led_registers(0.5) == [0, 0, 0x00, 0x08]
    assert led_registers(1 / 4096) == [0, 0, 1, 0]
    bus = FakePca9685Bus()
    out = Pca9685Output(bus, 0x40, 0, 1526)
    for duty in (1.0, 0.25, 0.0):
        out.write(duty)
        assert bus.duty(0) == duty
    assert bus.history[0] == [0.0, 1.0, 0.25, 0.0]
    bus.write_i2c_block_data(0x40, 0x06, [0, 0x10, 0, 0x10])  # both bits: full-off wins
    assert bus.duty(0) == 0.0


def test_no_chip_at_the_address_is_a_clear_error():
    with pytest.raises(HardwareError, match="0x41 did not answer"):
        Pca9685Output(FakePca9685Bus(0x40), 0x41, 0, 1526)


def test_close_turns_the_channel_off_and_closes_the_bus():
    bus = FakePca9685Bus()
    out = Pca9685Output(bus, 0x40, 0, 1526)
    out.write(0.7)
    out.close()
    out.close()
    assert bus.history[0][-1] == 0.0 and bus.closed
