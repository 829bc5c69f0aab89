"""The declared configuration schema.

Every key has a type, a default, a unit (``extra={"unit": ...}``) and a one-line
description; msgspec checks types and ranges while decoding, so there is no
hand-written check per key. Cross-key rules (a pin used twice, a band upside
down) live in :mod:`device.config.load`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from device.config.types import ClockTime, SleepTime

Percent = Annotated[float, Meta(ge=0, le=100, extra={"unit": "%"})]
Pin = Annotated[int, Meta(ge=0, le=27, description="BCM GPIO number", extra={"unit": "GPIO"})]
Minutes = Annotated[int, Meta(ge=0, le=24 * 60, extra={"unit": "min"})]
Seconds = Annotated[float, Meta(ge=0, le=7200, extra={"unit": "s"})]

Action = Literal[
    "toggle_session",
    "start_session",
    "stop_session",
    "next_trigger",
    "good_night",
    "lamp_toggle",
    "volume_up",
    "volume_down",
    "none",
]


class Section(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Base of every config section: immutable, and unknown keys are errors."""


class DeviceConfig(Section, frozen=True):
    id: Annotated[
        str,
        Meta(
            pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$",
            description="Device id used in MQTT topics and unique ids: a-z, 0-9, _ and -, up to 32",
            extra={"unit": ""},
        ),
    ] = "bedroom"
    name: Annotated[
        str,
        Meta(min_length=1, max_length=64, description="Name shown in Home Assistant", extra={"unit": ""}),
    ] = "Hushlight"
    timezone: Annotated[
        str,
        Meta(max_length=64, description='IANA time zone, e.g. "Europe/Berlin"; "" = the system\'s', extra={"unit": ""}),
    ] = ""
    state_dir: Annotated[
        Path,
        Meta(description="Where run-time settings, the journal and caches are kept", extra={"unit": "path"}),
    ] = Path("/var/lib/hushlight")
    log_level: Annotated[
        Literal["debug", "info", "warning", "error"],
        Meta(description="Least severe log level written", extra={"unit": ""}),
    ] = "info"


class MqttConfig(Section, frozen=True):
    enabled: Annotated[bool, Meta(description="Connect to an MQTT broker at all", extra={"unit": ""})] = True
    host: Annotated[
        str, Meta(min_length=1, max_length=253, description="Broker host name or address", extra={"unit": ""})
    ] = "localhost"
    port: Annotated[
        int, Meta(ge=1, le=65535, description="Broker TCP port (8883 is usual for TLS)", extra={"unit": ""})
    ] = 1883
    username: Annotated[str, Meta(max_length=256, description='User name; "" = anonymous', extra={"unit": ""})] = ""
    password_file: Annotated[
        str,
        Meta(
            max_length=4096,
            description='File holding the password (never put it here); "" = none',
            extra={"unit": "path"},
        ),
    ] = ""
    tls_ca_file: Annotated[
        str,
        Meta(
            max_length=4096,
            description="CA certificate that signed the broker's; setting it turns TLS on",
            extra={"unit": "path"},
        ),
    ] = ""
    tls_certfile: Annotated[
        str, Meta(max_length=4096, description='Client certificate for mutual TLS; "" = none', extra={"unit": "path"})
    ] = ""
    tls_keyfile: Annotated[
        str, Meta(max_length=4096, description='Client key for mutual TLS; "" = none', extra={"unit": "path"})
    ] = ""
    client_id: Annotated[
        str, Meta(max_length=64, description='MQTT client id; "" = hushlight-<device id>', extra={"unit": ""})
    ] = ""
    base_topic: Annotated[
        str,
        Meta(
            max_length=128,
            pattern=r"^([^/+#\s][^+#\s]*[^/+#\s]|[^/+#\s])?$",
            description='Topic prefix (no wildcards, no leading or trailing /); "" = hushlight/<device id>',
            extra={"unit": ""},
        ),
    ] = ""
    discovery_prefix: Annotated[
        str,
        Meta(
            min_length=1,
            max_length=64,
            pattern=r"^[^/+#\s]([^+#\s]*[^/+#\s])?$",
            description="Home Assistant discovery prefix",
            extra={"unit": ""},
        ),
    ] = "homeassistant"
    discovery: Annotated[
        Literal["device", "component", "off"],
        Meta(
            description='"device": one device-based config (HA >= 2024.11); "component": one per entity (older HA)',
            extra={"unit": ""},
        ),
    ] = "device"
    keepalive: Annotated[int, Meta(ge=5, le=3600, description="MQTT keepalive", extra={"unit": "s"})] = 30
    session_expiry: Annotated[
        int,
        Meta(
            ge=0,
            le=86400,
            description="MQTT 5 session expiry: QoS 1 commands sent during an outage this short are kept",
            extra={"unit": "s"},
        ),
    ] = 300
    max_payload_bytes: Annotated[
        int, Meta(ge=64, le=1_048_576, description="Longest command payload accepted", extra={"unit": "bytes"})
    ] = 16384
    brightness_scale: Annotated[
        int,
        Meta(ge=1, le=65535, description="Lamp brightness in commands and state runs 0..this", extra={"unit": ""}),
    ] = 255
    max_commands_per_s: Annotated[
        float,
        Meta(
            ge=1,
            le=1000,
            description="Hub commands accepted per second (bursts of 5x allowed); more are refused",
            extra={"unit": "1/s"},
        ),
    ] = 20.0


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
    ] = 18
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
        int, Meta(ge=0, le=15, description="hwpwm: /sys/class/pwm/pwmchipN (Pi 5: usually 2)", extra={"unit": ""})
    ] = 0
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
            ge=100, le=1500, description="Longest gap between the two presses of a double press", extra={"unit": "ms"}
        ),
    ] = 400
    long_press_ms: Annotated[
        int, Meta(ge=500, le=10000, description="Hold at least this long for a long press", extra={"unit": "ms"})
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


class SoundsConfig(Section, frozen=True):
    library: Annotated[
        Path, Meta(description='Folder of your own recordings; "" = <state_dir>/sounds', extra={"unit": "path"})
    ] = Path("")
    volume: Annotated[Percent, Meta(description="Volume at start, until changed at run time")] = 40.0
    max_volume: Annotated[Percent, Meta(description="No volume above this, whatever asks")] = 80.0
    floor_db: Annotated[
        float, Meta(ge=-80, le=-10, description="Gain at volume 1 (the quietest audible step)", extra={"unit": "dB"})
    ] = -50.0
    ceiling_db: Annotated[float, Meta(ge=-30, le=0, description="Gain at volume 100", extra={"unit": "dB"})] = 0.0
    fade_in_s: Annotated[Seconds, Meta(description="Fade-in at session start")] = 8.0
    fade_out_s: Annotated[Seconds, Meta(description="Fade-out at session end or stop")] = 10.0
    crossfade_s: Annotated[Seconds, Meta(description="Crossfade when the trigger changes")] = 4.0
    good_night_s: Annotated[Seconds, Meta(description="Fade of sound and lamp on good night")] = 10.0
    trigger: Annotated[
        str, Meta(max_length=64, description='Pinned trigger; "" = chosen night by night', extra={"unit": ""})
    ] = ""
    exclude: Annotated[list[str], Meta(description="Triggers never chosen", extra={"unit": ""})] = msgspec.field(
        default_factory=list
    )
    audio_driver: Annotated[
        str, Meta(max_length=32, description='SDL audio driver, e.g. "alsa"; "" = SDL decides', extra={"unit": ""})
    ] = ""
    audio_device: Annotated[
        str, Meta(max_length=128, description='Output device name; "" = the default', extra={"unit": ""})
    ] = ""
    buffer_samples: Annotated[
        int, Meta(ge=128, le=8192, description="Mixer buffer: smaller = lower latency", extra={"unit": "samples"})
    ] = 512


class DayConfig(Section, frozen=True):
    sleep: Annotated[
        SleepTime | None, Meta(description='Planned sleep time "HH:MM", or "off"; unset = [routine] sleep')
    ] = None
    wake: Annotated[
        SleepTime | None, Meta(description='Wake time "HH:MM" for the sunrise, or "off"; unset = [routine] wake')
    ] = None
    session_minutes: Annotated[
        int,
        Meta(ge=0, le=240, description="Session length this day; 0 = [routine] session_minutes", extra={"unit": "min"}),
    ] = 0


class RoutineConfig(Section, frozen=True):
    enabled: Annotated[bool, Meta(description="Run the wind-down by itself at bedtime", extra={"unit": ""})] = True
    sleep: Annotated[SleepTime, Meta(description='Planned sleep time on every day without its own, or "off"')] = (
        SleepTime(ClockTime(23, 0))
    )
    wake: Annotated[SleepTime, Meta(description='Wake time for the sunrise, or "off"')] = SleepTime(None)
    session_minutes: Annotated[
        int, Meta(ge=1, le=240, description="Length of a session (the exposure limit)", extra={"unit": "min"})
    ] = 30
    min_session_minutes: Annotated[
        int, Meta(ge=1, le=240, description="Shortest session the hub may ask for", extra={"unit": "min"})
    ] = 5
    max_session_minutes: Annotated[
        int, Meta(ge=1, le=480, description="Longest session the hub may ask for", extra={"unit": "min"})
    ] = 120
    ends_before_sleep_minutes: Annotated[
        Minutes, Meta(description="Finish the session this long before the sleep time")
    ] = 60
    morning_start: Annotated[
        ClockTime, Meta(description="Start of the morning window, when presses rate last night")
    ] = ClockTime(5, 0)
    morning_end: Annotated[ClockTime, Meta(description="End of the morning window")] = ClockTime(11, 0)
    dates_off: Annotated[
        list[dt.date],
        Meta(
            max_length=366,
            description="Dates off (holidays), e.g. [2026-12-24]: no wind-down that evening, no sunrise that morning",
            extra={"unit": ""},
        ),
    ] = msgspec.field(default_factory=list)
    late_start_minutes: Annotated[
        int,
        Meta(
            ge=0,
            le=120,
            description="A wind-down missed by up to this much (device off, clock jump) still starts; later: skipped",
            extra={"unit": "min"},
        ),
    ] = 15
    end_volume: Annotated[
        float,
        Meta(
            ge=0,
            le=1,
            description="Volume at the session end as a fraction of the start volume (eases down with the sunset)",
            extra={"unit": "fraction"},
        ),
    ] = 0.6
    breathe: Annotated[
        bool,
        Meta(
            description="Start a scheduled session with the lamp's breathing light, then the sunset (needs the lamp's breathe effect)",
            extra={"unit": ""},
        ),
    ] = False
    allnight: Annotated[
        bool,
        Meta(description="Play a quiet noise all night after the session ends by its time limit", extra={"unit": ""}),
    ] = False
    allnight_trigger: Annotated[
        str,
        Meta(
            max_length=64,
            description='Trigger played all night; "" = the first with "noise" in its name, else the night\'s',
            extra={"unit": ""},
        ),
    ] = ""
    allnight_volume: Annotated[Percent, Meta(description="Volume of the all-night sound")] = 15.0
    sunrise_minutes: Annotated[
        int, Meta(ge=1, le=120, description="The sunrise starts this long before the wake time", extra={"unit": "min"})
    ] = 20
    morning_level: Annotated[Percent, Meta(description="Lamp level the sunrise reaches at the wake time")] = 60.0
    wake_sound: Annotated[
        str,
        Meta(max_length=64, description='Trigger fading in at the end of the sunrise; "" = none', extra={"unit": ""}),
    ] = ""
    wake_volume: Annotated[Percent, Meta(description="Volume of the wake sound")] = 30.0
    morning_hold_minutes: Annotated[
        int,
        Meta(
            ge=0,
            le=240,
            description="Light and wake sound fade out this long after the wake time; 0 = they stay on",
            extra={"unit": "min"},
        ),
    ] = 30
    monday: DayConfig = msgspec.field(default_factory=DayConfig)
    tuesday: DayConfig = msgspec.field(default_factory=DayConfig)
    wednesday: DayConfig = msgspec.field(default_factory=DayConfig)
    thursday: DayConfig = msgspec.field(default_factory=DayConfig)
    friday: DayConfig = msgspec.field(default_factory=DayConfig)
    saturday: DayConfig = msgspec.field(default_factory=DayConfig)
    sunday: DayConfig = msgspec.field(default_factory=DayConfig)


ChoiceMinutes = Annotated[int, Meta(ge=1, le=480, extra={"unit": "min"})]


def _session_choices() -> list[int]:
    return [20, 30, 45]


def _sunset_choices() -> list[int]:
    return [15, 20, 30]


class JournalConfig(Section, frozen=True):
    policy: Annotated[
        Literal["thompson", "rotation", "fixed"],
        Meta(
            description='How the trigger of the night is chosen: "thompson" (learn from your ratings), '
            '"rotation" (each in turn) or "fixed" (keep last night\'s)',
            extra={"unit": ""},
        ),
    ] = "thompson"
    also_vary: Annotated[
        list[Literal["session_minutes", "sunset_minutes"]],
        Meta(description="Besides the trigger, also try these night by night with the same policy", extra={"unit": ""}),
    ] = msgspec.field(default_factory=list)
    session_minutes_choices: Annotated[
        list[ChoiceMinutes],
        Meta(min_length=1, max_length=8, description="Session lengths to try (with also_vary)", extra={"unit": "min"}),
    ] = msgspec.field(default_factory=_session_choices)
    sunset_minutes_choices: Annotated[
        list[ChoiceMinutes],
        Meta(
            min_length=1,
            max_length=8,
            description="Lamp sunset lengths to try (with also_vary); capped at the session's end",
            extra={"unit": "min"},
        ),
    ] = msgspec.field(default_factory=_sunset_choices)
    batch_seconds: Annotated[
        float,
        Meta(
            ge=0,
            le=60,
            description="Records arriving this close together are written at once (fewer SD-card writes)",
            extra={"unit": "s"},
        ),
    ] = 2.0


class Config(Section, frozen=True):
    device: DeviceConfig = msgspec.field(default_factory=DeviceConfig)
    mqtt: MqttConfig = msgspec.field(default_factory=MqttConfig)
    lamp: LampConfig = msgspec.field(default_factory=LampConfig)
    buttons: ButtonsConfig = msgspec.field(default_factory=ButtonsConfig)
    sensors: SensorsConfig = msgspec.field(default_factory=SensorsConfig)
    room: RoomConfig = msgspec.field(default_factory=RoomConfig)
    sounds: SoundsConfig = msgspec.field(default_factory=SoundsConfig)
    routine: RoutineConfig = msgspec.field(default_factory=RoutineConfig)
    journal: JournalConfig = msgspec.field(default_factory=JournalConfig)


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
