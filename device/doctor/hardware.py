"""The doctor's checks of the parts: I2C and its chips, GPIO, the lamp's PWM, the audio output, the broker."""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import msgspec

from device.config.schema import Config
from device.doctor.result import Host, Result
from device.errors import HushlightError
from device.hardware.pinout import pin_name

I2C_FIX = "enable I2C (`sudo raspi-config nonint do_i2c 0` or dtparam=i2c_arm=on), reboot; the user in the i2c group"


def check_i2c(config: Config, host: Host) -> Result:
    sensors, lamp = config.sensors, config.lamp
    has_sensors = (sensors.temperature, sensors.light) != ("none", "none")
    if not has_sensors and lamp.backend != "pca9685":
        return Result("i2c", "ok", "no I2C parts configured")
    bus_number = sensors.bus if has_sensors else lamp.i2c_bus
    if host.simulate:
        from device.hardware.sensors.fakes import simulated_bus

        bus: Any = simulated_bus(sensors.temperature, sensors.light)
        where = f"simulated I2C bus {bus_number}"
    else:
        device = host.root / "dev" / f"i2c-{bus_number}"
        if not device.exists():
            return Result("i2c", "fail", f"{device} is missing", I2C_FIX)
        try:
            from smbus2 import SMBus

            bus = SMBus(str(device))
        except OSError as exc:
            return Result("i2c", "fail", f"cannot open {device}: {exc.strerror or exc}", I2C_FIX)
        where = str(device)
    try:
        return _chips_on(bus, where, config, probe_pca=not host.simulate and lamp.i2c_bus == bus_number)
    finally:
        bus.close()


SENSOR_KINDS = (("temperature", ("sht3x", "sht4x", "bme280")), ("light", ("bh1750",)))


def _chips_on(bus: Any, where: str, config: Config, probe_pca: bool) -> Result:
    """Which known chips answer on ``bus``; a warning for a configured sensor that does not."""
    from device.hardware.sensors.detect import scan

    sensors, lamp = config.sensors, config.lamp
    labels = [f.label for f in scan(bus, sensors.temperature, sensors.light)]
    if lamp.backend == "pca9685" and probe_pca:
        try:
            bus.read_byte_data(lamp.i2c_address, 0x00)  # MODE1
            labels.append(f"pca9685@0x{lamp.i2c_address:02x}")
        except OSError:
            fix = f"check the PCA9685's wiring and address jumpers ([lamp] i2c_address = 0x{lamp.i2c_address:02x})"
            return Result("i2c", "fail", f"{where}: no PCA9685 answers at 0x{lamp.i2c_address:02x}", fix)
    chips = ", ".join(labels) or "no known chip answers"
    missing = [
        kind
        for kind, names in SENSOR_KINDS
        if getattr(sensors, kind) != "none" and not any(label.split("@")[0] in names for label in labels)
    ]
    if missing:
        fix = "check the wiring (SDA GPIO2 pin 3, SCL GPIO3 pin 5, 3.3 V, GND); `i2cdetect -y 1` lists what answers"
        return Result("i2c", "warn", f"{where}: {chips}; no {' or '.join(missing)} sensor", fix)
    return Result("i2c", "ok", f"{where}: {chips}")


def check_gpio(config: Config, host: Host, state_dir: Path) -> Result:
    if host.simulate:
        return Result("gpio", "ok", "simulation: gpiozero MockFactory with PWM pins")
    chips = sorted(p.name for p in (host.root / "dev").glob("gpiochip*"))
    if not chips:
        return Result("gpio", "fail", "no /dev/gpiochip*: not a Raspberry Pi?", "run on the Pi, or pass --simulate")
    from device.hardware.pin_factory import select_pin_factory

    try:
        factory = select_pin_factory(state_dir)
    except HushlightError as exc:
        return Result("gpio", "fail", str(exc), "`sudo make install` (lgpio in /opt/hushlight), the gpio group")
    with contextlib.suppress(Exception):  # closing a probe must not make the check fail
        factory.close()
    return Result("gpio", "ok", f"{', '.join(chips)}; pin factory {type(factory).__name__}")


def check_pwm(config: Config, host: Host) -> Result:
    lamp = config.lamp
    if lamp.backend != "hwpwm":
        return Result("pwm", "ok", f"the lamp uses the {lamp.backend} backend, not the kernel's PWM")
    if host.simulate:
        from device.hardware.lamp.outputs import simulated_pwm_tree

        with tempfile.TemporaryDirectory(prefix="hushlight-doctor-") as folder:
            return _pwm_result(lamp, simulated_pwm_tree(lamp, Path(folder))[0])
    return _pwm_result(lamp, host.root / "sys/class/pwm")


def _pwm_result(lamp: Any, root: Path) -> Result:
    from device.hardware.lamp.hwpwm import channel_for_pin
    from device.hardware.lamp.pwm_chips import find_header_chip, list_chips

    fix = f"add dtoverlay=pwm,pin={lamp.pin},... (`hushlight boot-config`) to /boot/firmware/config.txt and reboot"
    try:
        if lamp.pwm_chip >= 0:
            chip = next(c for c in list_chips(root) if c.number == lamp.pwm_chip)
        else:
            chip = find_header_chip(root)
    except StopIteration:
        return Result("pwm", "fail", f"{root}/pwmchip{lamp.pwm_chip} not found ([lamp] pwm_chip)", fix)
    except HushlightError as exc:
        return Result("pwm", "fail", str(exc).removeprefix("lamp: ").split(": enable", 1)[0], fix)
    try:
        channel = channel_for_pin(lamp.pin, chip.channels) if lamp.pwm_channel < 0 else lamp.pwm_channel
    except HushlightError as exc:
        return Result("pwm", "fail", str(exc).removeprefix("lamp: "), "put the lamp on GPIO12 or 13")
    if not 0 <= channel < chip.channels:
        return Result("pwm", "fail", f"pwmchip{chip.number} has channels 0..{chip.channels - 1}, not {channel}", fix)
    kind = chip.kind or "unknown device"
    return Result(
        "pwm", "ok", f"pwmchip{chip.number} ({chip.device or '?'}, {kind}) channel {channel} for {pin_name(lamp.pin)}"
    )


def sound_cards(root: Path) -> list[str]:
    """The cards ALSA lists in /proc/asound/cards (`` 0 [ID    ]: DRIVER - NAME``), by name."""
    try:
        text = (root / "proc/asound/cards").read_text()
    except OSError:
        return []
    return [line.split(" - ", 1)[-1].strip() for line in text.splitlines() if "]:" in line]


def check_audio(config: Config, host: Host) -> Result:
    from device.audio.mixer import MixerUnavailable, close_mixer, open_mixer

    sounds = config.sounds
    if host.simulate:
        sounds = msgspec.structs.replace(sounds, audio_driver="dummy", audio_device="")
    cards = [] if host.simulate else sound_cards(host.root)
    amp = sounds.audio_overlay
    is_amp = (
        any(amp.replace("-", "").lower() in card.replace("-", "").lower() for card in cards) if amp != "none" else False
    )
    try:
        driver = open_mixer(sounds, fallback_to_dummy=False)
    except MixerUnavailable as exc:
        busy = "busy" in str(exc).lower()
        fix = (
            "stop hushlight to test the output alone"
            if busy
            else "check `aplay -l`, the audio group, [sounds] audio_driver / audio_device"
        )
        return Result("audio", "warn" if busy else "fail", str(exc), fix)
    close_mixer()
    device = sounds.audio_device or "the default device"
    detail = f"opens with SDL's {driver or 'default'} driver on {device}"
    if host.simulate:
        return Result("audio", "ok", f"simulation: {detail}")
    if amp != "none" and not is_amp:
        listed = ", ".join(cards) or "none"
        return Result(
            "audio",
            "fail",
            f"{detail}, but no {amp} card (cards: {listed})",
            f"dtoverlay={amp} in /boot/firmware/config.txt and reboot; `aplay -l` should list it",
        )
    what = f"the I2S amplifier ({amp})" if is_amp else "not an I2S amplifier"
    return Result("audio", "ok", f"{detail}: {what}")


def check_broker(config: Config, host: Host, timeout: float = 5.0) -> Result:
    mqtt_cfg = config.mqtt
    if not mqtt_cfg.enabled:
        return Result("broker", "ok", "MQTT is off ([mqtt] enabled = false)")
    import paho.mqtt.client as mqtt

    from device.hub.mqtt import HubSetupError, apply_credentials

    where = f"{mqtt_cfg.host}:{mqtt_cfg.port}"
    client = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id=f"hushlight-doctor-{os.getpid()}", protocol=mqtt.MQTTv5
    )
    try:
        apply_credentials(client, mqtt_cfg)
    except HubSetupError as exc:
        return Result("broker", "fail", str(exc), "make the files readable by the hushlight user")
    answered = threading.Event()
    outcome: dict[str, Any] = {}

    def on_connect(c: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
        outcome["reason"] = reason
        answered.set()

    client.on_connect = on_connect
    try:
        client.connect(mqtt_cfg.host, mqtt_cfg.port, keepalive=10)
    except (OSError, ValueError) as exc:
        return Result(
            "broker", "fail", f"no broker at {where}: {exc}", "check [mqtt] host and port, or set enabled = false"
        )
    client.loop_start()
    try:
        if not answered.wait(timeout):
            return Result(
                "broker", "fail", f"{where} did not answer within {timeout:g} s", "check [mqtt] host, port and TLS"
            )
    finally:
        client.disconnect()
        client.loop_stop()
    reason = outcome["reason"]
    if reason.is_failure:
        return Result("broker", "fail", f"{where} refused: {reason}", "check [mqtt] username and password_file")
    user = f" as {mqtt_cfg.username}" if mqtt_cfg.username else " anonymously"
    tls = " over TLS" if mqtt_cfg.tls_ca_file or mqtt_cfg.tls_certfile else ""
    return Result("broker", "ok", f"{where} accepts{user}{tls}")
