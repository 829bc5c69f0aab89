"""The entities the device offers Home Assistant, as plain data: each with its platform and options
(templates over the state document, command topics). :mod:`device.hub.discovery` turns them into
discovery messages for the mode and HA version configured."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from device.config.schema import WEEKDAYS, Config
from device.hub.commands import LAMP_EFFECTS
from device.hub.topics import Topics

GESTURES = ("single", "double", "long")
NOT_READY = {  # reason in state.room.not_ready -> (name, binary sensor device class, needs)
    "too_warm": ("Room too warm", "heat", "temperature"),
    "too_cold": ("Room too cold", "cold", "temperature"),
    "too_humid": ("Room too humid", "moisture", "temperature"),
    "too_dry": ("Room too dry", "problem", "temperature"),
    "too_bright": ("Room too bright", "light", "light"),
}


@dataclass(frozen=True)
class Entity:
    key: str
    platform: str
    options: dict[str, Any]


def _value(expr: str) -> str:
    """A template that renders ``expr`` from the state JSON, or ``None`` (unknown) when it is null."""
    return f"{{% set v = {expr} %}}{{{{ 'None' if v is not defined or v is none else v }}}}"


def _switch_template(expr: str) -> str:
    return f"{{{{ 'ON' if {expr} else 'OFF' }}}}"


def entities(config: Config, triggers: tuple[str, ...]) -> list[Entity]:
    """Every entity this device has with this config and this trigger library."""
    t = Topics.from_config(config)
    out = [_lamp(config, t)]
    if triggers:
        out.append(_select("trigger", "Trigger", "mdi:waveform", list(triggers), t, _TRIGGER))
    out += _controls(config, t)
    out += _sleep_texts(config, t)
    out.append(_dates_off(t))
    out += _sensors(config, t)
    out += _problems(config, t)
    out += _gestures(config, t)
    return out


_TRIGGER = "(value_json.session.trigger if value_json.session.active else value_json.settings.last_trigger) or none"


def _lamp(config: Config, t: Topics) -> Entity:
    options: dict[str, Any] = {
        "name": None,
        "schema": "json",
        "command_topic": t.command("lamp"),
        "state_topic": t.state,
        "brightness_scale": config.mqtt.brightness_scale,
        "supported_color_modes": ["brightness"],
        "effect": True,
        "effect_list": list(LAMP_EFFECTS),
        "icon": "mdi:lamp",
        # brightness and state are the target; what the lamp shows right now is beside them
        "json_attributes_topic": t.state,
        "json_attributes_template": LAMP_ATTRIBUTES,
    }
    return Entity("lamp", "light", options)


LAMP_ATTRIBUTES = (
    "{{ {'level': value_json.lamp.level, 'target': value_json.lamp.target,"
    " 'fade_remaining': value_json.lamp.fade_remaining} | tojson }}"
)


def _select(key: str, name: str, icon: str, options: list[str], t: Topics, expr: str) -> Entity:
    return Entity(
        key,
        "select",
        {
            "name": name,
            "icon": icon,
            "options": options,
            "command_topic": t.command(key if key != "rating" else "rate"),
            "state_topic": t.state,
            "value_template": _value(expr),
        },
    )


def _number(key: str, name: str, low: float, high: float, unit: str, expr: str, t: Topics, **extra: Any) -> Entity:
    options = {"name": name, "min": low, "max": high, "step": 1, "unit_of_measurement": unit}
    options |= {"command_topic": t.command(key), "state_topic": t.state, "value_template": _value(expr)}
    return Entity(key, "number", options | extra)


def _controls(config: Config, t: Topics) -> list[Entity]:
    routine = config.routine
    return [
        _number("volume", "Volume", 0, config.sounds.max_volume, "%", "value_json.settings.volume", t, mode="slider"),
        _number(
            "session_minutes",
            "Session length",
            routine.min_session_minutes,
            routine.max_session_minutes,
            "min",
            "value_json.settings.session_minutes",
            t,
            mode="box",
            device_class="duration",
        ),
        Entity(
            "session",
            "switch",
            {
                "name": "Session",
                "icon": "mdi:waveform",
                "command_topic": t.command("session"),
                "state_topic": t.state,
                "value_template": _switch_template("value_json.session.active"),
            },
        ),
        Entity(
            "routine",
            "switch",
            {
                "name": "Wind-down routine",
                "icon": "mdi:calendar-clock",
                "command_topic": t.command("routine"),
                "state_topic": t.state,
                "value_template": _switch_template("value_json.settings.routine_enabled"),
            },
        ),
        _button("next_trigger", "Next trigger", "mdi:skip-next", t),
        _button("good_night", "Good night", "mdi:weather-night", t),
        _button("skip_tonight", "Skip tonight", "mdi:calendar-remove", t),
        _select("rating", "Last night", "mdi:star", ["good", "bad"], t, "value_json.last_rating or none"),
    ]


def _button(key: str, name: str, icon: str, t: Topics) -> Entity:
    return Entity(
        key, "button", {"name": name, "icon": icon, "command_topic": t.command(key), "payload_press": "PRESS"}
    )


TIME_PATTERN = r"^(off|([01]\d|2[0-3]):[0-5]\d)$"
DATES_PATTERN = r"^(\d{4}-\d{2}-\d{2}(, ?\d{4}-\d{2}-\d{2})*)?$"
TEXT_MAX = 255  # Home Assistant's longest text state (longer states are refused)


def _text(key: str, name: str, command: str, expr: str, t: Topics, icon: str = "mdi:bed-clock") -> Entity:
    """A "HH:MM" or "off" text entity."""
    options: dict[str, Any] = {"name": name, "icon": icon, "command_topic": command, "state_topic": t.state}
    options |= {"value_template": _value(expr), "min": 2, "max": 5, "pattern": TIME_PATTERN}
    return Entity(key, "text", options)


def _sleep_texts(config: Config, t: Topics) -> list[Entity]:
    """Tonight's sleep time as planned, and each weekday's sleep and wake time: a run-time change, else the file's."""
    tonight = "value_json.routine.tonight_sleep or 'off'"  # "" only until the first plan; a text cannot be unknown
    out = [_text("tonight_sleep", "Tonight's sleep time", t.command("tonight_sleep"), tonight, t)]
    for day in WEEKDAYS:
        configured = getattr(config.routine, day).sleep or config.routine.sleep
        expr = f"value_json.settings.day_sleep.{day} | default('{configured}')"
        out.append(_text(f"sleep_{day}", f"Sleep time {day.capitalize()}", t.command(f"sleep/{day}"), expr, t))
    for day in WEEKDAYS:
        configured = getattr(config.routine, day).wake or config.routine.wake
        expr = f"value_json.settings.day_wake.{day} | default('{configured}')"
        name, icon = f"Wake time {day.capitalize()}", "mdi:weather-sunset-up"
        out.append(_text(f"wake_{day}", name, t.command(f"wake/{day}"), expr, t, icon))
    return out


def _dates_off(t: Topics) -> Entity:
    """The run-time dates off, comma-separated; a list too long for a text ends in ",…" (which the pattern refuses)."""
    fits = (TEXT_MAX + 1) // 11  # "YYYY-MM-DD" and a comma each
    template = (
        "{% set d = value_json.settings.dates_off %}"
        f"{{{{ d | join(',') if d | length <= {fits} else (d[:{fits - 1}] | join(',')) ~ ',…' }}}}"
    )
    options: dict[str, Any] = {"name": "Dates off", "icon": "mdi:calendar-remove-outline", "value_template": template}
    options |= {"command_topic": t.command("dates_off"), "state_topic": t.state}
    # An empty payload is never a command (it clears retained messages): an emptied text sends "[]".
    options["command_template"] = "{{ value if value else '[]' }}"
    return Entity("dates_off", "text", options | {"min": 0, "max": TEXT_MAX, "pattern": DATES_PATTERN})


def _sensor(key: str, name: str, expr: str, t: Topics, **extra: Any) -> Entity:
    return Entity(key, "sensor", {"name": name, "state_topic": t.state, "value_template": _value(expr)} | extra)


def _sensors(config: Config, t: Topics) -> list[Entity]:
    measure = {"state_class": "measurement"}
    out = [
        _sensor(
            "session_remaining",
            "Session remaining",
            "(value_json.session.remaining / 60) | round(1)",
            t,
            device_class="duration",
            unit_of_measurement="min",
        ),
        _sensor(
            "next_winddown",
            "Next wind-down",
            "value_json.routine.next_winddown or none",
            t,
            device_class="timestamp",
        ),
        # what the journal has learnt: the experiment's favourite, and the nights in a row the routine ran
        _sensor(
            "favourite_trigger",
            "Favourite trigger",
            "value_json.journal.favourite_trigger or none",
            t,
            icon="mdi:heart-pulse",
        ),
        _sensor(
            "routine_streak",
            "Routine streak",
            "value_json.journal.routine_streak",
            t,
            icon="mdi:calendar-check",
            unit_of_measurement="nights",
            state_class="measurement",
        ),
    ]
    chip = config.sensors.temperature
    if chip != "none":
        out.append(_sensor("temperature", "Temperature", "value_json.room.temperature_c", t, **measure,
                           device_class="temperature", unit_of_measurement="°C", suggested_display_precision=1))  # fmt: skip
        out.append(_sensor("humidity", "Humidity", "value_json.room.humidity", t, **measure,
                           device_class="humidity", unit_of_measurement="%", suggested_display_precision=0))  # fmt: skip
    if chip in ("auto", "bme280"):
        out.append(_sensor("pressure", "Pressure", "value_json.room.pressure_hpa", t, **measure,
                           device_class="atmospheric_pressure", unit_of_measurement="hPa"))  # fmt: skip
    if config.sensors.light != "none":
        out.append(_sensor("illuminance", "Illuminance", "value_json.room.lux", t, **measure,
                           device_class="illuminance", unit_of_measurement="lx"))  # fmt: skip
    return out


def _problems(config: Config, t: Topics) -> list[Entity]:
    have = {"temperature": config.sensors.temperature != "none", "light": config.sensors.light != "none"}
    out = []
    for reason, (name, device_class, needs) in NOT_READY.items():
        if have[needs]:
            options = {"name": name, "device_class": device_class, "state_topic": t.state}
            options["value_template"] = _switch_template(f"'{reason}' in value_json.room.not_ready")
            out.append(Entity(reason, "binary_sensor", options))
    return out


def _gestures(config: Config, t: Topics) -> list[Entity]:
    buttons = ["main"] + (["second"] if config.buttons.second is not None else [])
    out = []
    for button in buttons:
        template = (
            f"{{% if value_json.event == 'button' and value_json.button == '{button}' %}}"
            "{{ {'event_type': value_json.gesture} | tojson }}{% endif %}"
        )
        name = "Button" if button == "main" else "Second button"
        options = {"name": name, "device_class": "button", "state_topic": t.event, "value_template": template}
        out.append(Entity(f"button_{button}", "event", options | {"event_types": list(GESTURES)}))
    return out


# -- messages -----------------------------------------------------------------------
