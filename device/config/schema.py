"""The declared configuration schema.

Every key has a type, a default, a unit (``extra={"unit": ...}``) and a one-line
description; msgspec checks types and ranges while decoding, so there is no
hand-written check per key. Cross-key rules (a pin used twice, a band upside
down) live in :mod:`device.config.load`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from device.config.base import Action, Minutes, Percent, Pin, Seconds, Section
from device.config.schema_hardware import (
    ButtonConfig,
    ButtonsConfig,
    EncoderConfig,
    LampConfig,
    RoomConfig,
    SensorsConfig,
)
from device.config.schema_routine import DayConfig, JournalConfig, RoutineConfig, SoundsConfig


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


PRIVATE_NETWORKS = [
    "127.0.0.0/8",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "169.254.0.0/16",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
]


class WebConfig(Section, frozen=True):
    enabled: Annotated[bool, Meta(description="Serve the device's own web page", extra={"unit": ""})] = True
    bind: Annotated[
        str,
        Meta(
            min_length=1,
            max_length=64,
            description='Address to listen on: "0.0.0.0" = every IPv4 interface, "::" = IPv6 too',
            extra={"unit": ""},
        ),
    ] = "0.0.0.0"
    port: Annotated[int, Meta(ge=1, le=65535, description="TCP port of the page", extra={"unit": ""})] = 8080
    allowed_networks: Annotated[
        list[str],
        Meta(
            max_length=32,
            description="Networks whose clients may reach the page (CIDR); others are refused",
            extra={"unit": ""},
        ),
    ] = msgspec.field(default_factory=lambda: list(PRIVATE_NETWORKS))
    max_upload_mb: Annotated[
        int, Meta(ge=1, le=500, description="Largest recording the page accepts", extra={"unit": "MB"})
    ] = 50


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
    web: WebConfig = msgspec.field(default_factory=WebConfig)


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

__all__ = [
    "WEEKDAYS",
    "Action",
    "ButtonConfig",
    "ButtonsConfig",
    "Config",
    "DayConfig",
    "DeviceConfig",
    "EncoderConfig",
    "JournalConfig",
    "LampConfig",
    "Minutes",
    "MqttConfig",
    "Percent",
    "Pin",
    "RoomConfig",
    "RoutineConfig",
    "Seconds",
    "Section",
    "SensorsConfig",
    "SoundsConfig",
    "WebConfig",
]
