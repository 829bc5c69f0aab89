"""`hushlight doctor`: each check on a fake Pi (a root with config.txt, /dev, /sys/class/pwm, /proc/asound),
the simulated hardware, a real broker, and the exit code and JSON."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from device.cli import main
from device.config import parse_config
from device.doctor import hardware, system
from device.doctor.bootconfig import active_lines, overlay_pins
from device.doctor.command import run_checks
from device.doctor.result import Host
from device.hardware.lamp.fakes.sysfs_pwm import FakePwmSysfs
from tests.support.broker import free_port, make_password_file, start_broker
from tests.support.pi_os import CONFIG_TXT
from tests.support.pi_os import REFERENCE_LINES as LINES

PI_OS_CONFIG_TXT = CONFIG_TXT
REFERENCE_LINES = "\n".join(LINES) + "\n"
MQTT_OFF = "[mqtt]\nenabled = false\n"


def fake_pi(root: Path, config_txt: str = PI_OS_CONFIG_TXT + REFERENCE_LINES) -> Path:
    (root / "boot/firmware").mkdir(parents=True)
    (root / "boot/firmware/config.txt").write_text(config_txt)
    (root / "dev").mkdir()
    (root / "dev/gpiochip0").touch()
    (root / "proc/asound").mkdir(parents=True)
    (root / "proc/asound/cards").write_text(
        " 0 [MAX98357A     ]: simple-card - MAX98357A\n                      MAX98357A\n"
    )
    FakePwmSysfs(root / "sys/class/pwm", {0: 4}, {0: "1f00098000.pwm"})  # a Pi 5 on kernel 6.12
    return root


def test_pins_ok_when_config_txt_has_the_wirings_lines(tmp_path: Path) -> None:
    [result] = system.check_pins(parse_config(""), Host(root=fake_pi(tmp_path)))
    assert result.status == "ok", result
    assert "lamp GPIO12 (pin 32)" in result.detail


def test_pins_fail_names_the_missing_lines_on_a_fresh_pi_os(tmp_path: Path) -> None:
    [result] = system.check_pins(parse_config(""), Host(root=fake_pi(tmp_path, PI_OS_CONFIG_TXT)))
    assert result.status == "fail"
    assert (
        "dtparam=i2c_arm=on, dtoverlay=pwm,pin=12,func=4, dtparam=audio=off, dtoverlay=max98357a,no-sdmode"
        in result.detail
    )
    assert "sudo make install" in result.fix


def test_the_amplifiers_overlay_with_sdmode_counts_too_and_then_owns_gpio4(tmp_path: Path) -> None:
    text = PI_OS_CONFIG_TXT + REFERENCE_LINES.replace(",no-sdmode", "")
    [ok] = system.check_pins(parse_config(""), Host(root=fake_pi(tmp_path, text)))
    assert ok.status == "ok", ok
    [taken] = system.check_pins(parse_config("[buttons.second]\npin = 4\n"), Host(root=tmp_path))
    assert taken.status == "fail" and "dtoverlay=max98357a (MAX98357A SD_MODE)" in taken.detail
    other_pin = PI_OS_CONFIG_TXT + REFERENCE_LINES.replace("pin=12", "pin=18")
    (tmp_path / "boot/firmware/config.txt").write_text(other_pin)
    [wrong] = system.check_pins(parse_config(""), Host(root=tmp_path))
    assert wrong.status == "fail" and "lacks dtoverlay=pwm,pin=12,func=4" in wrong.detail


def test_pins_fail_names_both_uses_when_another_overlay_takes_a_pin(tmp_path: Path) -> None:
    text = PI_OS_CONFIG_TXT + REFERENCE_LINES + "dtoverlay=w1-gpio,gpiopin=17\n"
    [result] = system.check_pins(parse_config(""), Host(root=fake_pi(tmp_path, text)))
    assert result.status == "fail"
    assert "buttons.main.pin = GPIO17 (pin 11), which dtoverlay=w1-gpio (1-Wire)" in result.detail
    assert "remove that line" in result.fix


def test_config_txt_reading() -> None:
    lines = active_lines("dtparam=spi=on # a comment\n[cm4]\ndtoverlay=gpio-fan\n[all]\ndtoverlay = pwm-2chan\n")
    assert lines == ["dtparam=spi=on", "dtoverlay=pwm-2chan"]
    pins = {pin for _, pin in overlay_pins(lines)}
    assert pins == {7, 8, 9, 10, 11, 18, 19}
    assert {p for _, p in overlay_pins(["dtoverlay=max98357a,no-sdmode"])} == {18, 19, 20, 21}
    assert 4 in {p for _, p in overlay_pins(["dtoverlay=max98357a"])}


def test_pwm_finds_the_pi5_chip_by_its_device(tmp_path: Path) -> None:
    result = hardware.check_pwm(parse_config(""), Host(root=fake_pi(tmp_path)))
    assert result.status == "ok", result
    assert "pwmchip0 (1f00098000.pwm, Pi 5 RP1 PWM0) channel 0 for GPIO12 (pin 32)" in result.detail


def test_pwm_fails_without_the_overlay(tmp_path: Path) -> None:
    (tmp_path / "sys/class/pwm").mkdir(parents=True)
    result = hardware.check_pwm(parse_config(""), Host(root=tmp_path))
    assert result.status == "fail" and "dtoverlay=pwm,pin=12" in result.fix
    other = hardware.check_pwm(parse_config('[lamp]\nbackend = "pca9685"\n'), Host(root=tmp_path))
    assert other.status == "ok" and "pca9685" in other.detail


def test_i2c_and_gpio_fail_with_the_fix_when_the_devices_are_missing(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "dev").mkdir()
    host = Host(root=tmp_path)
    i2c = hardware.check_i2c(parse_config(""), host)
    assert i2c.status == "fail" and "i2c-1 is missing" in i2c.detail and "raspi-config nonint do_i2c 0" in i2c.fix
    gpio = hardware.check_gpio(parse_config(""), host, tmp_path)
    assert gpio.status == "fail" and "gpiochip" in gpio.detail
    no_i2c = parse_config('[sensors]\ntemperature = "none"\nlight = "none"\n')
    assert hardware.check_i2c(no_i2c, host).status == "ok"


def test_gpio_reports_why_no_pin_factory_works(tmp_path: Path, monkeypatch) -> None:
    """A /dev/gpiochip0 but not a Pi (this machine): gpiozero's real selection, each backend's reason."""
    pytest.importorskip("lgpio")
    monkeypatch.delenv("GPIOZERO_PIN_FACTORY", raising=False)
    monkeypatch.chdir(tmp_path)
    result = hardware.check_gpio(parse_config(""), Host(root=fake_pi(tmp_path)), tmp_path)
    if result.status == "ok":  # on a real Pi
        assert "LGPIOFactory" in result.detail
    else:
        assert "lgpio: unable to locate Pi revision" in result.detail


def test_audio_says_whether_it_is_the_i2s_amplifier(tmp_path: Path) -> None:
    config = parse_config('[sounds]\naudio_driver = "dummy"\n')
    good = hardware.check_audio(config, Host(root=fake_pi(tmp_path)))
    assert good.status == "ok" and "the I2S amplifier (max98357a)" in good.detail
    (tmp_path / "proc/asound/cards").write_text(" 0 [Headphones     ]: bcm2835_headpho - bcm2835 Headphones\n")
    wrong = hardware.check_audio(config, Host(root=tmp_path))
    assert wrong.status == "fail" and "cards: bcm2835 Headphones" in wrong.detail
    assert "dtoverlay=max98357a" in wrong.fix
    usb = parse_config('[sounds]\naudio_driver = "dummy"\naudio_overlay = "none"\n')
    assert "not an I2S amplifier" in hardware.check_audio(usb, Host(root=tmp_path)).detail


def test_broker_with_the_configured_credentials(tmp_path: Path) -> None:
    passwords = make_password_file(tmp_path, {"hush": "s3cret"})
    with start_broker(tmp_path, password_file=passwords) as broker:
        secret = tmp_path / "secret"
        secret.write_text("s3cret\n")
        base = f'[mqtt]\nhost = "127.0.0.1"\nport = {broker.port}\nusername = "hush"\n'
        good = hardware.check_broker(parse_config(base + f'password_file = "{secret}"\n'), Host())
        assert good.status == "ok" and "accepts as hush" in good.detail
        secret.write_text("wrong\n")
        bad = hardware.check_broker(parse_config(base + f'password_file = "{secret}"\n'), Host())
        assert bad.status == "fail" and "refused" in bad.detail and "password_file" in bad.fix
    nobody = hardware.check_broker(parse_config(f'[mqtt]\nhost = "127.0.0.1"\nport = {free_port()}\n'), Host())
    assert nobody.status == "fail" and "no broker at 127.0.0.1" in nobody.detail
    assert hardware.check_broker(parse_config(MQTT_OFF), Host()).status == "ok"


def test_state_dir_and_time(tmp_path: Path) -> None:
    assert system.check_state_dir(tmp_path).status == "ok"
    missing = system.check_state_dir(tmp_path / "nope")
    assert missing.status == "fail" and "install -d -o hushlight" in missing.fix
    assert system.check_time(Host(clock_synchronised=lambda: True)).status == "ok"
    unsynced = system.check_time(Host(clock_synchronised=lambda: False))
    assert unsynced.status == "fail" and "timedatectl" in unsynced.fix
    assert system.check_time(Host(clock_synchronised=lambda: None)).status == "warn"
    assert system.kernel_clock_synchronised() in (True, False, None)


def systemctl(output: str, code: int = 0):
    return lambda command: (code, output)


@pytest.mark.parametrize(
    ("show", "status", "words"),
    [
        ("LoadState=loaded\nUnitFileState=enabled\nActiveState=active\nSubState=running\nNRestarts=0\nResult=success\n", "ok", "enabled, active (running), 0 restarts"),
        ("LoadState=loaded\nUnitFileState=enabled\nActiveState=activating\nSubState=auto-restart\nNRestarts=3\nResult=watchdog\nExecMainStatus=0\n", "warn", "last result: watchdog"),
        ("LoadState=loaded\nUnitFileState=enabled\nActiveState=failed\nSubState=failed\nNRestarts=5\nResult=exit-code\nExecMainStatus=2\n", "fail", "exit status 2"),
        ("LoadState=loaded\nUnitFileState=disabled\nActiveState=inactive\nSubState=dead\nNRestarts=0\nResult=success\n", "warn", "disabled, inactive"),
        ("LoadState=not-found\nUnitFileState=\nActiveState=inactive\n", "warn", "not installed"),
    ],
)  # fmt: skip
def test_service_state(show: str, status: str, words: str) -> None:
    result = system.check_service(Host(run=systemctl(show)))
    assert result.status == status and words in result.detail, result
    assert result.status == "ok" or result.fix


def test_simulated_doctor_checks_the_simulated_hardware(tmp_path: Path, broker) -> None:
    config = tmp_path / "hushlight.toml"
    config.write_text(f'[mqtt]\nhost = "127.0.0.1"\nport = {broker.port}\n')
    host = Host(simulate=True, config_path=config, clock_synchronised=lambda: True, run=systemctl("", 1))
    results = {r.check: r for r in run_checks(host, tmp_path)}
    assert list(results) == ["config", "pins", "i2c", "gpio", "pwm", "audio", "broker", "state", "time", "service"]
    assert all(r.status == "ok" for r in results.values()), [r.line() for r in results.values()]
    assert "sht4x@0x44, bh1750@0x23" in results["i2c"].detail
    assert "MockFactory" in results["gpio"].detail
    assert "fe20c000.pwm" in results["pwm"].detail


def test_command_exit_codes_and_json(tmp_path: Path, capsys) -> None:
    good = tmp_path / "good.toml"
    good.write_text(MQTT_OFF)
    code = main(["doctor", "--simulate", "--json", "--config", str(good), "--state-dir", str(tmp_path)])
    report = json.loads(capsys.readouterr().out)
    assert [c["check"] for c in report["checks"]][:2] == ["config", "pins"]
    assert report["ok"] is (code == 0)  # the host's clock decides the time check here
    assert {c["status"] for c in report["checks"] if c["check"] != "time"} == {"ok"}
    bad = tmp_path / "bad.toml"
    bad.write_text("[buttons.main]\npin = 19\n")
    assert main(["doctor", "--simulate", "--config", str(bad), "--state-dir", str(tmp_path)]) == 1
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith("FAIL  config") and "I2S LRCLK" in first and "-> fix: edit" in first


def test_boot_config_command_prints_the_lines(tmp_path: Path, capsys) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[lamp]\npin = 13\n")
    assert main(["boot-config", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "dtoverlay=pwm,pin=13,func=4" in out and "dtoverlay=max98357a" in out
    assert os.path.exists(config)


class OneChipBus:
    """A bus on which only a PCA9685 answers (MODE1 at register 0), or nothing at all."""

    def __init__(self, pca: bool) -> None:
        self.pca = pca

    def read_byte_data(self, address: int, register: int) -> int:
        if self.pca and address == 0x40:
            return 0x11
        raise OSError(121, "Remote I/O error")

    def __getattr__(self, name):  # every other transfer: nobody answers
        def nack(*args, **kwargs):
            raise OSError(121, "Remote I/O error")

        return nack


def test_i2c_lists_a_pca9685_lamp_and_warns_for_a_missing_sensor() -> None:
    config = parse_config('[lamp]\nbackend = "pca9685"\n')
    result = hardware._chips_on(OneChipBus(pca=True), "/dev/i2c-1", config, probe_pca=True)
    assert result.status == "warn" and "pca9685@0x40" in result.detail
    assert "no temperature or light sensor" in result.detail and "i2cdetect" in result.fix
    missing = hardware._chips_on(OneChipBus(pca=False), "/dev/i2c-1", config, probe_pca=True)
    assert missing.status == "fail" and "no PCA9685 answers at 0x40" in missing.detail
    no_sensors = parse_config('[lamp]\nbackend = "pca9685"\n[sensors]\ntemperature = "none"\nlight = "none"\n')
    assert hardware._chips_on(OneChipBus(pca=True), "/dev/i2c-1", no_sensors, probe_pca=True).status == "ok"
