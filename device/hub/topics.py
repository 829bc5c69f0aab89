"""The device's MQTT topics, from the config: its base, Home Assistant's discovery prefix and node id."""

from __future__ import annotations

from dataclasses import dataclass

from device.config.schema import Config


@dataclass(frozen=True)
class Topics:
    base: str
    prefix: str
    node: str

    @classmethod
    def from_config(cls, config: Config) -> Topics:
        device_id = config.device.id
        base = (config.mqtt.base_topic or f"hushlight/{device_id}").rstrip("/")
        return cls(base=base, prefix=config.mqtt.discovery_prefix.rstrip("/"), node=f"hushlight_{device_id}")

    @property
    def availability(self) -> str:
        return f"{self.base}/availability"

    @property
    def state(self) -> str:
        return f"{self.base}/state"

    @property
    def event(self) -> str:
        return f"{self.base}/event"

    @property
    def error(self) -> str:
        return f"{self.base}/error"

    @property
    def ha_status(self) -> str:
        return f"{self.prefix}/status"

    def command(self, thing: str) -> str:
        return f"{self.base}/{thing}/set"

    def device_config(self) -> str:
        return f"{self.prefix}/device/{self.node}/config"

    def component_config(self, platform: str, key: str) -> str:
        return f"{self.prefix}/{platform}/{self.node}/{key}/config"
