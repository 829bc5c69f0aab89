"""Home Assistant discovery payloads, checked against the keys HA's MQTT platforms require and accept.

The table below is written from Home Assistant's MQTT documentation
(home-assistant.io/integrations/<platform>.mqtt and /integrations/mqtt, "Discovery"):
per platform the required keys, the keys it accepts, and the values it allows. Per-component
mode serves Home Assistant before 2024.11, so it carries what those releases need on top
(``object_id``; ``color_mode: true`` on the JSON light, required up to 2024.3); device mode
carries only what current HA documents. tests/test_hass.py checks both against real releases.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from device.config.load import parse_config
from device.config.schema import ButtonConfig, ButtonsConfig, Config, DeviceConfig, MqttConfig, SensorsConfig
from device.core.room import REASONS
from device.errors import ConfigError
from device.hub import discovery, entities
from device.hub.commands import PARSERS
from device.hub.discovery import Published, plan
from device.hub.topics import Topics

# Options every MQTT entity accepts (the "MQTT entity" common options).
COMMON = {
    "availability", "availability_mode", "availability_template", "availability_topic", "device", "origin",
    "enabled_by_default", "encoding", "entity_category", "entity_picture", "icon", "json_attributes_template",
    "json_attributes_topic", "name", "default_entity_id", "payload_available",
    "payload_not_available", "platform", "qos", "unique_id",
}  # fmt: skip
HA: dict[str, dict[str, set[str]]] = {
    "light": {  # JSON schema
        "required": {"command_topic", "schema"},
        "accepts": {"state_topic", "brightness", "brightness_scale", "supported_color_modes", "effect", "effect_list",
                    "flash", "flash_time_long", "flash_time_short", "max_kelvin", "min_kelvin", "max_mireds",
                    "min_mireds", "optimistic", "retain", "white_scale", "transition"},
    },
    "select": {"required": {"command_topic", "options"},
               "accepts": {"state_topic", "value_template", "command_template", "optimistic", "retain"}},
    "number": {"required": {"command_topic"},
               "accepts": {"state_topic", "value_template", "command_template", "min", "max", "step", "mode",
                           "unit_of_measurement", "device_class", "optimistic", "retain", "payload_reset"}},
    "switch": {"required": set(),
               "accepts": {"command_topic", "state_topic", "value_template", "command_template", "payload_on",
                           "payload_off", "state_on", "state_off", "device_class", "optimistic", "retain"}},
    "button": {"required": set(), "accepts": {"command_topic", "command_template", "payload_press", "device_class",
                                              "retain"}},
    "text": {"required": {"command_topic"},
             "accepts": {"state_topic", "value_template", "command_template", "min", "max", "mode", "pattern",
                         "retain"}},
    "sensor": {"required": {"state_topic"},
               "accepts": {"value_template", "device_class", "state_class", "unit_of_measurement",
                           "suggested_display_precision", "expire_after", "force_update",
                           "last_reset_value_template", "options"}},
    "binary_sensor": {"required": {"state_topic"},
                      "accepts": {"value_template", "device_class", "payload_on", "payload_off", "expire_after",
                                  "force_update", "off_delay"}},
    "event": {"required": {"state_topic", "event_types"}, "accepts": {"value_template", "device_class"}},
}  # fmt: skip
DEVICE_CLASSES = {
    "sensor": {"temperature": {"°C", "°F", "K"}, "humidity": {"%"}, "atmospheric_pressure": {"hPa", "kPa", "mbar",
               "Pa", "inHg", "mmHg", "psi", "bar", "cbar"}, "illuminance": {"lx"},
               "duration": {"d", "h", "min", "s", "ms"}, "timestamp": {None}},
    "number": {"duration": {"d", "h", "min", "s", "ms"}},
    "binary_sensor": {c: {None} for c in ("heat", "cold", "light", "moisture", "problem")},
    "event": {c: {None} for c in ("button", "doorbell", "motion")},
}  # fmt: skip
STATE_CLASSES = {"measurement", "total", "total_increasing", "measurement_angle"}
DEVICE_KEYS = {"identifiers", "connections", "name", "model", "model_id", "manufacturer", "sw_version",
               "hw_version", "serial_number", "suggested_area", "configuration_url", "via_device"}  # fmt: skip
ORIGIN_KEYS = {"name", "sw_version", "support_url"}
DEVICE_ROOT = {"dev", "device", "o", "origin", "cmps", "components", "qos", "state_topic", "command_topic",
               "availability", "availability_topic", "availability_mode", "encoding"}  # fmt: skip


def check_device_block(block: dict[str, Any]) -> None:
    assert set(block) <= DEVICE_KEYS, set(block) - DEVICE_KEYS
    assert block.get("identifiers") or block.get("connections"), "a device needs identifiers"


# What per-component mode adds for Home Assistant before 2024.11 (by platform; "*" for every entity).
COMPONENT_MODE_EXTRAS = {"*": {"object_id"}, "light": {"color_mode", "brightness"}}


def check_component(
    platform: str, options: dict[str, Any], device_name: str, state_topics: set[str], mode: str = "device"
) -> None:
    """One entity's options against HA's table for its platform."""
    spec = HA[platform]
    keys = set(options) - {"p"}
    extras = COMPONENT_MODE_EXTRAS["*"] | COMPONENT_MODE_EXTRAS.get(platform, set())
    if mode == "component":
        assert extras <= keys, f"{platform} lacks {extras - keys}"
        assert options["default_entity_id"] == f"{platform}.{options['object_id']}"
        keys -= extras
    else:
        assert not extras & keys, f"device discovery must not send {extras & keys}"
    assert spec["required"] <= keys, f"{platform} lacks {spec['required'] - keys}"
    unknown = keys - spec["required"] - spec["accepts"] - COMMON
    assert not unknown, f"{platform} {options.get('unique_id')}: HA does not accept {unknown}"
    assert re.fullmatch(r"[a-z0-9_]+", options["unique_id"])
    assert re.fullmatch(rf"{platform}\.[a-z0-9_]+", options["default_entity_id"])  # a full domain.object_id
    assert options["availability_topic"].endswith("/availability")
    name = options["name"]
    assert name is None or not name.lower().startswith(device_name.lower()), "names must not repeat the device name"
    if "device_class" in options:
        units = DEVICE_CLASSES[platform][options["device_class"]]
        assert options.get("unit_of_measurement") in units, (
            options["device_class"],
            options.get("unit_of_measurement"),
        )
    if "state_class" in options:
        assert options["state_class"] in STATE_CLASSES
    if "state_topic" in options:
        assert options["state_topic"] in state_topics
    if "command_topic" in options:
        assert options["command_topic"].endswith("/set") and options.get("qos") == 1
    check_platform_values(platform, options)


def check_platform_values(platform: str, options: dict[str, Any]) -> None:
    if platform == "light":
        assert options["schema"] == "json"
        assert options["supported_color_modes"] == ["brightness"]  # brightness must be alone in the list
        assert isinstance(options["brightness_scale"], int) and options["brightness_scale"] >= 1
        assert options["name"] is None  # the device's main feature
    elif platform == "select":
        assert options["options"] and all(isinstance(o, str) for o in options["options"])
    elif platform == "number":
        assert options["min"] < options["max"] and options["step"] > 0
        assert options.get("mode", "auto") in ("auto", "box", "slider")
    elif platform == "text":
        assert 0 <= options["min"] <= options["max"] <= 255
        re.compile(options["pattern"])
    elif platform == "event":
        assert options["event_types"] and all(isinstance(e, str) for e in options["event_types"])


def device_messages(config: Config, triggers: tuple[str, ...] = ("rain", "tapping")) -> dict[str, Any]:
    messages, _ = plan(config, triggers, Published(), 1000.0)
    return {topic: json.loads(payload) for topic, payload in messages}


def full_config(**mqtt: Any) -> Config:
    second = ButtonConfig(pin=27)
    return Config(
        device=DeviceConfig(id="bedroom", name="Hushlight"),
        mqtt=MqttConfig(**mqtt),
        buttons=ButtonsConfig(second=second),
    )


def test_device_based_payload_matches_home_assistants_table() -> None:
    config = full_config()
    t = Topics.from_config(config)
    messages = device_messages(config)
    assert list(messages) == ["homeassistant/device/hushlight_bedroom/config"]
    payload = messages["homeassistant/device/hushlight_bedroom/config"]
    assert set(payload) <= DEVICE_ROOT
    check_device_block(payload["dev"])
    assert payload["o"]["name"] == "hushlight" and set(payload["o"]) <= ORIGIN_KEYS
    platforms = {}
    for key, component in payload["cmps"].items():
        check_component(component["p"], component, "Hushlight", {t.state, t.event})
        assert component["unique_id"] == f"hushlight_bedroom_{key}"
        platforms[key] = component["p"]
    expected = {
        "lamp": "light", "trigger": "select", "volume": "number", "session_minutes": "number",
        "session": "switch", "routine": "switch", "next_trigger": "button", "good_night": "button",
        "skip_tonight": "button", "rating": "select", "tonight_sleep": "text", "sleep_monday": "text",
        "sleep_sunday": "text", "wake_monday": "text", "wake_sunday": "text", "dates_off": "text",
        "temperature": "sensor", "humidity": "sensor", "pressure": "sensor",
        "illuminance": "sensor", "session_remaining": "sensor", "next_winddown": "sensor",
        "favourite_trigger": "sensor", "routine_streak": "sensor",
        "too_warm": "binary_sensor", "too_cold": "binary_sensor", "too_bright": "binary_sensor",
        "button_main": "event", "button_second": "event",
    }  # fmt: skip
    assert expected.items() <= platforms.items()


def test_per_component_payloads_match_home_assistants_table() -> None:
    config = full_config(discovery="component")
    t = Topics.from_config(config)
    messages = device_messages(config)
    assert len(messages) == len(entities.entities(config, ("rain", "tapping")))
    for topic, payload in messages.items():
        prefix, platform, node, key, last = topic.split("/")
        assert (prefix, node, last) == ("homeassistant", "hushlight_bedroom", "config")
        assert set(payload["origin"]) <= ORIGIN_KEYS and payload["origin"]["name"]
        check_device_block(payload["device"])
        check_component(platform, payload, "Hushlight", {t.state, t.event}, "component")
        assert payload["unique_id"] == f"hushlight_bedroom_{key}"
        if platform == "light":  # HA up to 2024.3 refuses the light without color_mode, ignores brightness without
            assert payload["color_mode"] is True and payload["brightness"] is True
        assert payload.get("device_class") != "timestamp"  # HA up to 2024.3 cannot clear one


def test_light_and_select_details() -> None:
    cmps = device_messages(full_config(brightness_scale=100))["homeassistant/device/hushlight_bedroom/config"]["cmps"]
    lamp = cmps["lamp"]
    assert lamp["brightness_scale"] == 100 and lamp["command_topic"] == "hushlight/bedroom/lamp/set"
    assert lamp["default_entity_id"] == "light.hushlight_bedroom"
    assert cmps["trigger"]["options"] == ["rain", "tapping"]  # follows the library
    assert cmps["volume"]["max"] == 80.0 and cmps["session_minutes"]["min"] == 5
    assert cmps["sleep_friday"]["command_topic"] == "hushlight/bedroom/sleep/friday/set"


def test_no_trigger_select_without_triggers() -> None:
    messages, _ = plan(full_config(), (), Published(), 0.0)
    assert "trigger" not in json.loads(messages[0][1])["cmps"]


def test_unique_ids_are_stable_and_distinct_between_devices() -> None:
    a = device_messages(full_config())
    b = device_messages(Config(device=DeviceConfig(id="kids", name="Kids' lamp")))
    ids_a = {c["unique_id"] for c in next(iter(a.values()))["cmps"].values()}
    ids_b = {c["unique_id"] for c in next(iter(b.values()))["cmps"].values()}
    assert not ids_a & ids_b and not set(a) & set(b)
    assert ids_a == {c["unique_id"] for c in next(iter(device_messages(full_config()).values()))["cmps"].values()}
    topics_b = {c.get("command_topic") for c in next(iter(b.values()))["cmps"].values()} - {None}
    assert all(t.startswith("hushlight/kids/") for t in topics_b)


def test_removed_entity_is_stubbed_then_dropped_in_device_mode() -> None:
    with_sensors = full_config()
    _, first = plan(with_sensors, ("rain",), Published(), 0.0)
    no_temp = Config(device=with_sensors.device, sensors=SensorsConfig(temperature="none"))
    messages, second = plan(no_temp, ("rain",), first, 100.0)
    cmps = json.loads(messages[0][1])["cmps"]
    assert cmps["temperature"] == {"p": "sensor"} and cmps["too_warm"] == {"p": "binary_sensor"}
    assert cmps["button_second"] == {"p": "event"}
    again, third = plan(no_temp, ("rain",), second, 200.0)
    assert json.loads(again[0][1])["cmps"]["temperature"] == {"p": "sensor"}  # kept while HA may be offline
    later, _ = plan(no_temp, ("rain",), third, 100.0 + discovery.REMOVAL_GRACE_S + 1)
    assert "temperature" not in json.loads(later[0][1])["cmps"]


def test_removed_entity_gets_an_empty_retained_config_in_component_mode() -> None:
    config = full_config(discovery="component")
    _, first = plan(config, ("rain",), Published(), 0.0)
    fewer = Config(device=config.device, mqtt=config.mqtt, sensors=SensorsConfig(light="none"))
    messages, _ = plan(fewer, ("rain",), first, 1.0)
    removed = {topic for topic, payload in messages if payload == b""}
    assert removed == {
        "homeassistant/sensor/hushlight_bedroom/illuminance/config",
        "homeassistant/binary_sensor/hushlight_bedroom/too_bright/config",
        "homeassistant/event/hushlight_bedroom/button_second/config",
    }


def test_component_to_device_uses_home_assistants_migration_handshake() -> None:
    _, first = plan(full_config(discovery="component"), ("rain",), Published(), 0.0)
    fewer = Config(device=full_config().device, mqtt=MqttConfig(), sensors=SensorsConfig(light="none"))
    messages, record = plan(fewer, ("rain",), first, 1.0)
    kept = [k for k in first.components if k in record.components]
    migrate, emptied, rest = (
        messages[: len(kept)],
        messages[len(kept) : len(kept) + len(first.components)],
        messages[-1:],
    )
    assert all(payload == discovery.MIGRATE for _, payload in migrate)
    assert ("homeassistant/light/hushlight_bedroom/lamp/config", discovery.MIGRATE) in migrate
    assert "homeassistant/sensor/hushlight_bedroom/illuminance/config" not in dict(migrate)  # gone: removed only
    assert all(payload == b"" for _, payload in emptied) and len(set(dict(emptied))) == len(first.components)
    assert (
        rest[0][0] == "homeassistant/device/hushlight_bedroom/config" and len(messages) == len(kept) + len(emptied) + 1
    )
    assert record.mode == "device" and "illuminance" not in record.components


def test_device_to_component_rolls_back_through_the_handshake() -> None:
    _, first = plan(full_config(), ("rain",), Published(), 0.0)
    messages, record = plan(full_config(discovery="component"), ("rain",), first, 1.0)
    device_topic = "homeassistant/device/hushlight_bedroom/config"
    assert messages[:2] == [(device_topic, discovery.MIGRATE), (device_topic, b"")]
    configs = messages[2:]
    assert len(configs) == len(record.components) and all(b"object_id" in payload for _, payload in configs)


@pytest.mark.parametrize("before", ["device", "component"])
def test_switching_discovery_off_removes_every_config(before: str) -> None:
    _, first = plan(full_config(discovery=before), ("rain",), Published(), 0.0)
    messages, record = plan(full_config(discovery="off"), ("rain",), first, 1.0)
    assert all(payload == b"" for _, payload in messages)
    assert len(messages) == (1 if before == "device" else len(first.components))
    assert record.mode == "off" and not record.components


def test_custom_base_topic_and_prefix_are_used_everywhere() -> None:
    config = parse_config('[device]\nid = "kids"\n[mqtt]\nbase_topic = "home/kids-lamp"\ndiscovery_prefix = "ha"\n')
    messages = device_messages(config)
    assert list(messages) == ["ha/device/hushlight_kids/config"]
    cmps = messages["ha/device/hushlight_kids/config"]["cmps"]
    topics = {v for c in cmps.values() for k, v in c.items() if k.endswith("_topic")}
    assert all(t.startswith("home/kids-lamp/") for t in topics)


@pytest.mark.parametrize("bad", ["x/#", "home/+/lamp", "/leading", "trailing/", "with space"])
def test_wildcards_and_stray_slashes_are_refused_in_the_base_topic(bad: str) -> None:
    with pytest.raises(ConfigError, match=r"mqtt\.base_topic"):
        parse_config(f'[mqtt]\nbase_topic = "{bad}"\n')


def test_not_ready_reasons_are_the_cores() -> None:
    assert set(entities.NOT_READY) == set(REASONS)


def test_every_command_topic_in_discovery_has_a_parser() -> None:
    cmps = device_messages(full_config())["homeassistant/device/hushlight_bedroom/config"]["cmps"]
    topics = {c["command_topic"].removeprefix("hushlight/bedroom/") for c in cmps.values() if "command_topic" in c}
    assert topics <= set(PARSERS) and len(topics) >= 18


def test_published_record_round_trip_and_garbage() -> None:
    _, record = plan(full_config(), ("rain",), Published(), 0.0)
    assert Published.from_dict(record.to_dict()) == record
    assert Published.from_dict({"components": "nonsense", "removed": 5}) == Published()
    assert Published.from_dict(None) == Published()


# -- the value templates, rendered the way Home Assistant does, against the device's real state --------


def render(template: str, value_json: dict[str, Any]) -> str:
    import jinja2

    return jinja2.Environment().from_string(template).render(value_json=value_json).strip()


def live_state(config: Config, *events: Any) -> dict[str, Any]:
    """The state document the hub publishes, from a real controller after ``events``."""
    import datetime as dt

    from device.core import events as ev
    from device.core.controller import Controller, settings_from_config
    from device.hub.publisher import state_document

    now = 1764100000.0  # 2025-11-25 19:46 UTC: evening, outside the morning window
    controller = Controller(config, settings_from_config(config), dt.UTC)
    controller.handle(ev.TriggersAvailable(("rain", "tapping")), now)
    for event in events:
        controller.handle(event, now)
    return state_document(controller.state.snapshot(now + 1), config.mqtt.brightness_scale)


def templates(config: Config) -> dict[str, str]:
    cmps = device_messages(config)["homeassistant/device/hushlight_bedroom/config"]["cmps"]
    return {key: c["value_template"] for key, c in cmps.items() if "value_template" in c}


def test_value_templates_render_the_idle_state() -> None:
    config = full_config()
    out = {key: render(t, live_state(config)) for key, t in templates(config).items() if key != "button_main"}
    assert out["session"] == "OFF" and out["routine"] == "ON" and out["volume"] == "40.0"
    assert out["session_minutes"] == "30" and out["trigger"] == "None" and out["rating"] == "None"
    assert (
        out["tonight_sleep"] == "off" and out["sleep_monday"] == "23:00"
    )  # a text cannot be unknown: HA refuses "None"
    assert out["temperature"] == "None" and out["illuminance"] == "None" and out["too_warm"] == "OFF"
    assert out["session_remaining"] == "0.0" and out["next_winddown"] == "None"  # nothing planned yet
    assert out["favourite_trigger"] == "None" and out["routine_streak"] == "0"  # no nights in the journal yet


def test_value_templates_follow_commands_and_readings() -> None:
    import datetime as dt

    from device.core import events as ev

    config = full_config()
    state = live_state(
        config,
        ev.Command("session", True),
        ev.Command("volume", 25.0),
        ev.Command("day_sleep", {"day": "monday", "sleep": "off"}),
        ev.Command("tonight_sleep", "22:45"),
        ev.Command("rate", "bad"),
        ev.RoomReading(at=1764100000.0, temperature_c=23.5, humidity=40.0, lux=1.5),
    )
    out = {key: render(t, state) for key, t in templates(config).items() if key != "button_main"}
    assert out["session"] == "ON" and out["trigger"] in ("rain", "tapping") and out["volume"] == "25.0"
    assert out["sleep_monday"] == "off" and out["tonight_sleep"] == "22:45" and out["rating"] == "bad"
    assert out["temperature"] == "23.5" and out["too_warm"] == "ON" and out["too_cold"] == "OFF"
    assert 29.0 <= float(out["session_remaining"]) <= 30.0
    assert dt.datetime.fromisoformat(out["next_winddown"]).tzinfo is not None  # what a timestamp sensor needs
    assert state["state"] == "ON" and state["brightness"] >= 1  # the JSON light's own keys, at the top


def test_journal_sensors_show_the_favourite_and_the_streak() -> None:
    from device.core import events as ev

    config = full_config()
    stats = ev.JournalStats(counts={"trigger": {"rain": (5, 1)}}, favourite="rain", streak=4, streak_until="2026-11-24")
    out = {key: render(t, live_state(config, stats)) for key, t in templates(config).items() if key != "button_main"}
    assert out["favourite_trigger"] == "rain" and out["routine_streak"] == "4"


def test_event_template_passes_gestures_and_drops_other_events() -> None:
    template = templates(full_config())["button_main"]
    single = render(template, {"event": "button", "button": "main", "gesture": "double", "at": 1.0})
    assert json.loads(single) == {"event_type": "double"}
    assert render(template, {"event": "button", "button": "second", "gesture": "single"}) == ""
    assert render(template, {"event": "session_started", "trigger": "rain"}) == ""  # HA ignores empty
