"""Configuration: a declared schema, validated at start into frozen objects."""

from device.config.load import default_config, load_config, parse_config
from device.config.schema import WEEKDAYS, Config
from device.config.types import ClockTime, SleepTime

__all__ = ["WEEKDAYS", "ClockTime", "Config", "SleepTime", "default_config", "load_config", "parse_config"]
