"""Home Assistant MQTT discovery: what to publish, as plain data (no I/O).

Two modes, as the config says: one device-based config (``<prefix>/device/<node>/config``
with ``cmps``, Home Assistant 2024.11 and later), or one config per entity
(``<prefix>/<platform>/<node>/<key>/config``, older Home Assistant and other consumers).
Unique ids are ``hushlight_<device id>_<key>`` and never change; what was
published last is remembered (:class:`Published`) so that an entity that no
longer exists is removed the way Home Assistant documents, not left as a ghost,
and a switch between the modes goes through HA's ``migrate_discovery`` handshake.
Both modes give each entity the same discovery id (``<node> <key>``), which is
what lets HA hand an entity from one topic to the other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from device import __version__
from device.config.schema import Config
from device.hub.entities import Entity, entities
from device.hub.topics import Topics

REMOVAL_GRACE_S = 7 * 86400.0  # removed components stay as {"p": ...} stubs this long
ORIGIN = {"name": "hushlight", "sw_version": __version__}


@dataclass
class Published:
    """What is out there as retained discovery: mode, components, and removal stubs kept for a while."""

    mode: str = "off"
    components: dict[str, str] = field(default_factory=dict)  # key -> platform
    removed: dict[str, tuple[str, float]] = field(default_factory=dict)  # key -> (platform, since)

    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "components": self.components, "removed": self.removed}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Published:
        if not data:
            return cls()
        try:
            removed = {str(k): (str(v[0]), float(v[1])) for k, v in dict(data.get("removed", {})).items()}
            components = {str(k): str(v) for k, v in dict(data.get("components", {})).items()}
            return cls(str(data.get("mode", "off")), components, removed)
        except (TypeError, ValueError, IndexError):
            return cls()


def device_block(config: Config, topics: Topics) -> dict[str, Any]:
    return {
        "identifiers": [topics.node],
        "name": config.device.name,
        "model": "Hushlight bedside sleep device",
        "manufacturer": "Hushlight project",
        "sw_version": __version__,
    }


def _component(config: Config, t: Topics, entity: Entity, mode: str) -> dict[str, Any]:
    """An entity's options as the mode's Home Assistant reads them, with unique id, entity id, availability, QoS.

    ``device`` mode is for HA 2024.11 and later and sends only what current HA documents: the entity id
    as ``default_entity_id`` (``object_id`` was deprecated in 2025.10 and removed in 2026.4).
    ``component`` mode is for older HA, which knows only ``object_id``, and whose JSON light (up to
    2024.3) refuses ``supported_color_modes`` without ``color_mode: true``.
    """
    object_id = t.node if entity.key == "lamp" else f"{t.node}_{entity.key}"
    out = dict(entity.options)
    out["unique_id"] = f"{t.node}_{entity.key}"
    out["default_entity_id"] = f"{entity.platform}.{object_id}"
    if mode == "component":
        out["object_id"] = object_id
        _before_2024_11(out, entity.platform)
    out["availability_topic"] = t.availability
    if "command_topic" in out:
        out["qos"] = 1
    return out


def _before_2024_11(options: dict[str, Any], platform: str) -> None:
    """What Home Assistant before 2024.11 needs on top (each checked against HA 2024.3 in tests/test_hass.py)."""
    if platform == "light":  # up to 2024.3: no light without color_mode, no brightness in commands without the flag
        options |= {"color_mode": True, "brightness": True}
    elif options.get("device_class") == "timestamp":
        # up to 2024.3 a timestamp sensor cannot be cleared ("None" draws a warning on every state message):
        # a plain sensor, whose "unknown" HA shows as Unknown
        del options["device_class"]
        options["value_template"] = str(options["value_template"]).replace("'None'", "'unknown'")


Message = tuple[str, bytes]  # (topic, retained payload; b"" removes)
# HA's handshake (2024.11+) when an entity moves between per-component and device discovery: sent to the
# old topic first, it makes HA unload the entity but keep its registry entry (entity id, history,
# dashboards), which the new config then takes over. The old topic is emptied before the new config
# goes out: emptied after it, HA (2025.4) warns of a conflicting discovery message for every entity.
MIGRATE = b'{"migrate_discovery":true}'


def plan(config: Config, triggers: tuple[str, ...], before: Published, now: float) -> tuple[list[Message], Published]:
    """The retained messages that make Home Assistant's view match this device, and the new record."""
    t = Topics.from_config(config)
    mode = config.mqtt.discovery
    current = entities(config, triggers) if mode != "off" else []
    after = Published(mode, {e.key: e.platform for e in current})
    out: list[Message] = []  # HA's handshake first, then the old mode's topics emptied, then the new configs
    if before.mode == "component" and mode != "component":
        kept = after.components if mode == "device" else {}
        out += [(t.component_config(p, k), MIGRATE) for k, p in before.components.items() if k in kept]
        out += [(t.component_config(p, k), b"") for k, p in before.components.items()]
    if before.mode == "device" and mode != "device":
        out += [(t.device_config(), MIGRATE)] if mode == "component" else []
        out.append((t.device_config(), b""))
    if mode == "component":
        if before.mode == "component":
            out += [(t.component_config(p, k), b"") for k, p in before.components.items() if k not in after.components]
        for entity in current:
            payload = _component(config, t, entity, mode) | {"device": device_block(config, t), "origin": ORIGIN}
            out.append((t.component_config(entity.platform, entity.key), _dump(payload)))
    elif mode == "device":
        out.append((t.device_config(), _dump(_device_payload(config, t, current, before, after, now))))
    return out, after


def _device_payload(
    config: Config, t: Topics, current: list[Entity], before: Published, after: Published, now: float
) -> dict[str, Any]:
    """The one device-based config; components removed lately stay as ``{"p": ...}`` stubs (and in ``after``)."""
    removed = dict(before.removed) if before.mode == "device" else {}
    if before.mode == "device":
        removed |= {k: (p, now) for k, p in before.components.items() if k not in after.components}
    after.removed = {k: v for k, v in removed.items() if k not in after.components and now - v[1] < REMOVAL_GRACE_S}
    cmps: dict[str, Any] = {k: {"p": p} for k, (p, _) in after.removed.items()}
    for entity in current:
        cmps[entity.key] = {"p": entity.platform} | _component(config, t, entity, "device")
    return {"dev": device_block(config, t), "o": ORIGIN, "cmps": cmps, "qos": 1}


def _dump(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
