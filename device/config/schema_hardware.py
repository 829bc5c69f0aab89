"""Config sections of the hardware: lamp, buttons, sensors and what the room means."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from device.config.base import Action, Percent, Pin, Section


class LampConfig(Section, frozen=True):
    backend: Annotated[
        Literal["gpio", "hwpwm", "pca9685"],
        Meta(description='"gpio" (gpiozero PWMLED), "hwpwm" (kernel hardware PWM) or "pca9685"', extra={"unit": ""}),
    ] = "hwpwm"
    pin: Annotated[
        int,
        Meta(
            ge=0, le=27, description="GPIO of the lamp's MOSFET gate (gpio and hwpwm backends)", extra={"unit": "GPIO"}
        ),
    ] = 12
    frequency_hz: Annotated[
        int,
        Meta(
            ge=0,
            le=40000,
            description="PWM frequency; 0 = the backend's default (gpio 1000, hwpwm 5000, pca9685 1526)",
            extra={"unit": "Hz"},
        ),
    ] = 0
    min_duty: Annotated[
        float,
        Meta(
            ge=0,
            le=0.5,
            description="Duty at which the LED just glows (find it with `hushlight lamp calibrate`)",
            extra={"unit": "fraction"},
        ),
    ] = 0.002
    max_duty: Annotated[
        float, Meta(gt=0, le=1, description="Duty at 100 % perceived brightness", extra={"unit": "fraction"})
    ] = 1.0
    max_level: Annotated[Percent, Meta(description="Highest perceived level anything may set")] = 100.0
    evening_level: Annotated[Percent, Meta(description="Level the lamp fades to when a session starts")] = 35.0
    night_level: Annotated[Percent, Meta(description="Level at the end of the sunset; 0 = off")] = 0.0
    on_level: Annotated[Percent, Meta(description="Level when the lamp is switched on without a level")] = 60.0
    pwm_chip: Annotated[
        int,
        Meta(
            ge=-1,
            le=15,
            description="hwpwm: /sys/class/pwm/pwmchipN; -1 = the Pi's PWM found by its device (any model, Pi 5 too)",
            extra={"unit": ""},
        ),
    ] = -1
    pwm_channel: Annotated[
        int, Meta(ge=-1, le=3, description="hwpwm: channel; -1 = derived from the pin", extra={"unit": ""})
    ] = -1
    i2c_bus: Annotated[int, Meta(ge=0, le=31, description="pca9685: I2C bus number", extra={"unit": ""})] = 1
    i2c_address: Annotated[int, Meta(ge=0x40, le=0x7F, description="pca9685: I2C address", extra={"unit": ""})] = 0x40
    pca_channel: Annotated[int, Meta(ge=0, le=15, description="pca9685: output channel", extra={"unit": ""})] = 0
    breathe_minutes: Annotated[
        float, Meta(ge=1, le=60, description="Length of the breathing light effect", extra={"unit": "min"})
    ] = 8.0
    breathe_low: Annotated[Percent, Meta(description="Breathing light: level at the end of each out-breath")] = 4.0
    breathe_high: Annotated[Percent, Meta(description="Breathing light: level at the top of each in-breath")] = 22.0
    breathe_start_bpm: Annotated[
        float, Meta(ge=2, le=30, description="Breathing light: pace at the start", extra={"unit": "breaths/min"})
    ] = 11.0
    breathe_end_bpm: Annotated[
        float,
        Meta(ge=2, le=30, description="Breathing light: pace it slows to by the end", extra={"unit": "breaths/min"}),
    ] = 6.0


class ButtonConfig(Section, frozen=True):
    pin: Pin
    pull_up: Annotated[
        bool, Meta(description="Button connects the pin to ground (internal pull-up)", extra={"unit": ""})
    ] = True
    single: Annotated[Action, Meta(description="Action of a single press", extra={"unit": ""})] = "toggle_session"
    double: Annotated[Action, Meta(description="Action of a double press", extra={"unit": ""})] = "next_trigger"
    long: Annotated[Action, Meta(description="Action of a long press", extra={"unit": ""})] = "good_night"


class EncoderConfig(Section, frozen=True):
    pin_a: Pin
    pin_b: Pin
    step: Annotated[float, Meta(gt=0, le=20, description="Volume change per detent", extra={"unit": "%"})] = 2.0


def _main_button() -> ButtonConfig:
    return ButtonConfig(pin=17)


class ButtonsConfig(Section, frozen=True):
    main: Annotated[ButtonConfig, Meta(description="The bedside button")] = msgspec.field(default_factory=_main_button)
    second: Annotated[ButtonConfig | None, Meta(description="Optional second button; omit the table for none")] = None
    encoder: Annotated[EncoderConfig | None, Meta(description="Optional rotary encoder for volume; omit for none")] = (
        None
    )
    debounce_ms: Annotated[
        int, Meta(ge=0, le=200, description="Contact bounce shorter than this is ignored", extra={"unit": "ms"})
    ] = 30
    double_press_ms: Annotated[
        int,
        Meta(
            ge=0,
            le=1500,
            description="Longest gap between the two presses of a double press (0: no double presses, a press acts "
            "on its release)",
            extra={"unit": "ms"},
        ),
    ] = 400
    long_press_ms: Annotated[
        int,
        Meta(
            ge=0,
            le=10000,
            description="Hold at least this long for a long press (0: no long presses; with double_press_ms = 0 "
            "too, a press acts on its first edge)",
            extra={"unit": "ms"},
        ),
    ] = 1500


class SensorsConfig(Section, frozen=True):
    bus: Annotated[int, Meta(ge=0, le=31, description="I2C bus number (/dev/i2c-N)", extra={"unit": ""})] = 1
    temperature: Annotated[
        Literal["auto", "sht3x", "sht4x", "bme280", "none"],
        Meta(description="Temperature/humidity chip; auto probes the bus", extra={"unit": ""}),
    ] = "auto"
    light: Annotated[
        Literal["auto", "bh1750", "none"], Meta(description="Light chip; auto probes the bus", extra={"unit": ""})
    ] = "auto"
    poll_interval_s: Annotated[float, Meta(ge=2, le=3600, description="Time between readings", extra={"unit": "s"})] = (
        30.0
    )
    max_backoff_s: Annotated[
        float,
        Meta(
            ge=2,
            le=3600,
            description="Longest wait between retries of a failing sensor (2, 4, 8 ... s up to this)",
            extra={"unit": "s"},
        ),
    ] = 300.0


class RoomConfig(Section, frozen=True):
    min_temp_c: Annotated[
        float, Meta(ge=-10, le=40, description="Colder than this is too cold for sleep", extra={"unit": "°C"})
    ] = 16.0
    max_temp_c: Annotated[
        float, Meta(ge=-10, le=40, description="Warmer than this is too warm for sleep", extra={"unit": "°C"})
    ] = 20.0
    min_humidity: Annotated[Percent, Meta(description="Drier than this is too dry")] = 30.0
    max_humidity: Annotated[Percent, Meta(description="More humid than this is too humid")] = 60.0
    max_lux: Annotated[
        float,
        Meta(ge=0, le=100000, description="Brighter than this (without the lamp) is too bright", extra={"unit": "lx"}),
    ] = 10.0
    lamp_lux_at_full: Annotated[
        float,
        Meta(
            ge=0,
            le=100000,
            description="What the light sensor reads from the lamp alone at 100 % (measure in the dark); "
            "0 = unknown: light is judged only while the lamp is off",
            extra={"unit": "lx"},
        ),
    ] = 0.0
