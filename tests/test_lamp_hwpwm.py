import errno

import pytest

from device.errors import HardwareError
from device.hardware.lamp.fakes.sysfs_pwm import FakePwmSysfs
from device.hardware.lamp.hwpwm import SysfsPwmOutput, channel_for_pin


def test_setup_writes_export_period_duty_enable_in_order(tmp_path):
    fake = FakePwmSysfs(tmp_path)
    out = SysfsPwmOutput(0, -1, 18, 5000, tmp_path, fake)
    assert fake.log == [
        ("pwmchip0/export", "0"),
        ("pwmchip0/pwm0/period", "200000"),
        ("pwmchip0/pwm0/duty_cycle", "0"),
        ("pwmchip0/pwm0/enable", "1"),
    ]
    assert out.quantum == pytest.approx(20 / 200_000)
    out.write(0.5)
    assert (tmp_path / "pwmchip0/pwm0/duty_cycle").read_text() == "100000\n"
    out.close()
    out.close()
    assert fake.log[-3:] == [
        ("pwmchip0/pwm0/duty_cycle", "0"),
        ("pwmchip0/pwm0/enable", "0"),
        ("pwmchip0/unexport", "0"),
    ]
    assert not (tmp_path / "pwmchip0/pwm0").exists()


def test_pi5_has_four_channels_and_gpio18_is_channel_2(tmp_path):
    fake = FakePwmSysfs(tmp_path, {2: 4})
    out = SysfsPwmOutput(2, -1, 18, 5000, tmp_path, fake)
    assert out.channel == 2
    assert fake.log[0] == ("pwmchip2/export", "2")
    assert channel_for_pin(12, 4) == 0 and channel_for_pin(19, 4) == 3
    assert channel_for_pin(12, 2) == 0 and channel_for_pin(19, 2) == 1
    with pytest.raises(HardwareError, match="GPIO17 has no hardware PWM"):
        channel_for_pin(17, 2)


def test_a_channel_left_with_a_long_duty_is_taken_over_without_einval(tmp_path):
    fake = FakePwmSysfs(tmp_path)
    chip = tmp_path / "pwmchip0"
    fake.write(chip / "export", "1")
    fake.write(chip / "pwm1/period", "10000000")
    fake.write(chip / "pwm1/duty_cycle", "5000000")
    fake.write(chip / "pwm1/enable", "1")
    fake.log.clear()
    out = SysfsPwmOutput(0, 1, 19, 5000, tmp_path, fake)
    assert fake.log[0] == ("pwmchip0/pwm1/duty_cycle", "0")  # before the shorter period, or the kernel says EINVAL
    out.close()
    assert (chip / "pwm1").exists()  # we did not export it, so we leave it exported


def test_the_fake_kernel_refuses_what_the_real_one_refuses(tmp_path):
    fake = FakePwmSysfs(tmp_path)
    chip = tmp_path / "pwmchip0"
    with pytest.raises(OSError) as exc:
        fake.write(chip / "export", "2")  # only 2 channels
    assert exc.value.errno == errno.EINVAL
    fake.write(chip / "export", "0")
    with pytest.raises(OSError) as exc:
        fake.write(chip / "export", "0")
    assert exc.value.errno == errno.EBUSY
    with pytest.raises(OSError):
        fake.write(chip / "pwm0/enable", "1")  # period 0
    with pytest.raises(OSError):
        fake.write(chip / "pwm0/duty_cycle", "5")  # above period 0
    fake.write(chip / "pwm0/period", "1000")
    fake.write(chip / "pwm0/enable", "1")
    with pytest.raises(OSError) as exc:
        fake.write(chip / "pwm0/polarity", "inversed")
    assert exc.value.errno == errno.EBUSY


def test_missing_chip_says_how_to_enable_it(tmp_path):
    with pytest.raises(HardwareError, match="dtoverlay=pwm"):
        SysfsPwmOutput(2, -1, 18, 5000, tmp_path, FakePwmSysfs(tmp_path))


def test_write_errors_name_the_file(tmp_path):
    fake = FakePwmSysfs(tmp_path)
    out = SysfsPwmOutput(0, -1, 12, 5000, tmp_path, fake)
    fake.write(tmp_path / "pwmchip0/unexport", "0")  # someone else took it away
    with pytest.raises(HardwareError, match="duty_cycle"):
        out.write(0.3)
