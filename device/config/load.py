"""Read the TOML file and turn it into a validated, frozen :class:`Config`.

Every failure is one :class:`ConfigError` naming the file, the key path
(``routine.monday.sleep``) and what was expected.
"""

from __future__ import annotations

import difflib
import ipaddress
import re
import tomllib
import zoneinfo
from pathlib import Path
from typing import Any, Literal

import msgspec

from device.config.schema import Config, Section
from device.config.types import dec_hook
from device.errors import ConfigError

_PATH_RE = re.compile(r" - at `\$\.?(?P<path>[^`]*)`$")
_UNKNOWN_RE = re.compile(r"^Object contains unknown field `(?P<field>[^`]+)`")


def load_config(path: Path | str) -> Config:
    """Load and validate ``path``; raise :class:`ConfigError` on any problem."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(path, "", "file not found") from None
    except OSError as exc:
        raise ConfigError(path, "", f"cannot read the file: {exc.strerror or exc}") from None
    return parse_config(raw, path)


def parse_config(raw: bytes | str, path: Path | str = "<config>") -> Config:
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise ConfigError(path, "", f"not UTF-8 text (byte {exc.start}): save the file as UTF-8") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "", f"not valid TOML: {exc}") from None
    try:
        config = msgspec.convert(data, Config, dec_hook=dec_hook)
    except msgspec.ValidationError as exc:
        key, message = _explain(str(exc))
        raise ConfigError(path, key, message) from None
    _check_cross_keys(config, path)
    return config


def default_config() -> Config:
    return Config()


def _explain(error: str) -> tuple[str, str]:
    """Turn msgspec's message into (key path, human message)."""
    match = _PATH_RE.search(error)
    path = match.group("path") if match else ""
    message = error[: match.start()] if match else error
    unknown = _UNKNOWN_RE.match(message)
    if unknown:
        field = unknown.group("field")
        key = f"{path}.{field}" if path else field
        known = _known_keys(path)
        close = difflib.get_close_matches(field, known, n=1, cutoff=0.6)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        where = f"[{path}]" if path else "the top level"
        return key, f"unknown key{hint}; keys allowed in {where}: {', '.join(known)}"
    enum = re.match(r"^Invalid enum value (?P<value>.+)$", message)
    if enum:
        choices = _literal_choices(path)
        return path, f"{enum.group('value')} is not one of: {', '.join(repr(c) for c in choices)}"
    message = re.sub(r"^Expected `([^`]+)`, got `([^`]+)`", r"expected \1, got \2", message)
    message = re.sub(r"^Expected `([^`]+)` ", r"expected \1 ", message)
    message = message.replace("Expected ", "expected ")
    return path or "(top level)", message


def _known_keys(path: str) -> list[str]:
    node: Any = Config
    for part in filter(None, re.sub(r"\[\d+\]", "", path).split(".")):
        field_type = _field_type(node, part)
        if field_type is None:
            return []
        node = field_type
    if isinstance(node, type) and issubclass(node, Section):
        return list(node.__struct_fields__)
    return []


def _literal_choices(path: str) -> list[object]:
    parent, _, name = re.sub(r"\[\d+\]", "", path).rpartition(".")
    node: Any = Config
    for part in filter(None, parent.split(".")):
        node = _field_type(node, part)
    if not (isinstance(node, type) and issubclass(node, Section)):
        return []
    for field in msgspec.structs.fields(node):
        if field.name == name:
            return _literals(field.type)
    return []


def _literals(tp: Any) -> list[object]:
    if hasattr(tp, "__metadata__"):
        return _literals(tp.__origin__)
    if getattr(tp, "__origin__", None) is Literal:
        return list(tp.__args__)
    found: list[object] = []
    for arg in getattr(tp, "__args__", ()):
        found.extend(_literals(arg))
    return found


def _field_type(struct: Any, name: str) -> Any:
    if not (isinstance(struct, type) and issubclass(struct, Section)):
        return None
    for field in msgspec.structs.fields(struct):
        if field.name == name:
            return _unwrap(field.type)
    return None


def _unwrap(tp: Any) -> Any:
    """Strip Annotated[...] and Optional[...] to find a Section subclass."""
    args = getattr(tp, "__args__", None)
    origin = getattr(tp, "__origin__", None)
    if origin is not None and hasattr(tp, "__metadata__"):
        return _unwrap(origin)
    if args:
        for arg in args:
            if isinstance(arg, type) and issubclass(arg, Section):
                return arg
    return tp


def _check_cross_keys(config: Config, path: Path | str) -> None:
    buttons = config.buttons
    if 0 < buttons.double_press_ms < 100:
        raise ConfigError(
            path,
            "buttons.double_press_ms",
            f"must be 0 (no double presses) or 100..1500, not {buttons.double_press_ms}",
        )
    if 0 < buttons.long_press_ms < 500:
        raise ConfigError(
            path, "buttons.long_press_ms", f"must be 0 (no long presses) or 500..10000, not {buttons.long_press_ms}"
        )
    if config.device.timezone:
        try:
            zoneinfo.ZoneInfo(config.device.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ConfigError(
                path,
                "device.timezone",
                f'unknown time zone {config.device.timezone!r}; expected an IANA name like "Europe/Berlin"',
            ) from None
    _check_pins(config, path)
    _check_i2c_addresses(config, path)
    room = config.room
    if room.min_temp_c >= room.max_temp_c:
        raise ConfigError(
            path, "room.min_temp_c", f"must be below room.max_temp_c ({room.min_temp_c} >= {room.max_temp_c})"
        )
    if room.min_humidity >= room.max_humidity:
        raise ConfigError(
            path, "room.min_humidity", f"must be below room.max_humidity ({room.min_humidity} >= {room.max_humidity})"
        )
    lamp = config.lamp
    if lamp.min_duty >= lamp.max_duty:
        raise ConfigError(path, "lamp.min_duty", f"must be below lamp.max_duty ({lamp.min_duty} >= {lamp.max_duty})")
    _check_lamp(config, path)
    for key in ("evening_level", "night_level", "on_level", "breathe_high"):
        if getattr(lamp, key) > lamp.max_level:
            raise ConfigError(
                path, f"lamp.{key}", f"must not exceed lamp.max_level ({getattr(lamp, key)} > {lamp.max_level})"
            )
    sounds = config.sounds
    if sounds.floor_db >= sounds.ceiling_db:
        raise ConfigError(
            path, "sounds.floor_db", f"must be below sounds.ceiling_db ({sounds.floor_db} >= {sounds.ceiling_db})"
        )
    if sounds.volume > sounds.max_volume:
        raise ConfigError(
            path, "sounds.volume", f"must not exceed sounds.max_volume ({sounds.volume} > {sounds.max_volume})"
        )
    routine = config.routine
    if routine.min_session_minutes > routine.max_session_minutes:
        raise ConfigError(path, "routine.min_session_minutes", "must not exceed routine.max_session_minutes")
    if not routine.min_session_minutes <= routine.session_minutes <= routine.max_session_minutes:
        raise ConfigError(
            path,
            "routine.session_minutes",
            f"must lie within routine.min_session_minutes..max_session_minutes "
            f"({routine.min_session_minutes}..{routine.max_session_minutes})",
        )
    if routine.morning_start.minutes >= routine.morning_end.minutes:
        raise ConfigError(path, "routine.morning_start", "the morning window must start before it ends")
    if routine.morning_level > lamp.max_level:
        raise ConfigError(
            path,
            "routine.morning_level",
            f"must not exceed lamp.max_level ({routine.morning_level} > {lamp.max_level})",
        )
    for key in ("allnight_volume", "wake_volume"):
        if getattr(routine, key) > sounds.max_volume:
            raise ConfigError(
                path,
                f"routine.{key}",
                f"must not exceed sounds.max_volume ({getattr(routine, key)} > {sounds.max_volume})",
            )
    _check_journal(config, path)
    _check_web(config, path)


def _check_web(config: Config, path: Path | str) -> None:
    try:
        ipaddress.ip_address(config.web.bind)
    except ValueError:
        raise ConfigError(path, "web.bind", f'{config.web.bind!r} is not an IP address, e.g. "0.0.0.0"') from None
    for network in config.web.allowed_networks:
        try:
            ipaddress.ip_network(network)
        except ValueError:
            raise ConfigError(
                path, "web.allowed_networks", f'{network!r} is not a network like "192.168.0.0/16"'
            ) from None


def _check_journal(config: Config, path: Path | str) -> None:
    journal, routine = config.journal, config.routine
    for key in ("session_minutes_choices", "sunset_minutes_choices"):
        choices = getattr(journal, key)
        if len(set(choices)) != len(choices):
            raise ConfigError(path, f"journal.{key}", f"lists a length twice: {choices}")
    for minutes in journal.session_minutes_choices:
        if not routine.min_session_minutes <= minutes <= routine.max_session_minutes:
            raise ConfigError(
                path,
                "journal.session_minutes_choices",
                f"{minutes} min lies outside routine.min_session_minutes..max_session_minutes "
                f"({routine.min_session_minutes}..{routine.max_session_minutes})",
            )


# PWM frequencies each lamp backend can make (Hz): lgpio's software PWM, the Pi's PWM clock, the PCA9685's prescale.
LAMP_FREQUENCY_RANGES = {"gpio": (10, 10000), "hwpwm": (10, 40000), "pca9685": (24, 1526)}


def _check_lamp(config: Config, path: Path | str) -> None:
    lamp = config.lamp
    low, high = LAMP_FREQUENCY_RANGES[lamp.backend]
    if lamp.frequency_hz and not low <= lamp.frequency_hz <= high:
        raise ConfigError(
            path,
            "lamp.frequency_hz",
            f"the {lamp.backend} backend runs at {low}..{high} Hz, not {lamp.frequency_hz} (0 = its default)",
        )
    if lamp.breathe_low >= lamp.breathe_high:
        raise ConfigError(
            path, "lamp.breathe_low", f"must be below lamp.breathe_high ({lamp.breathe_low} >= {lamp.breathe_high})"
        )


def _check_i2c_addresses(config: Config, path: Path | str) -> None:
    """A PCA9685 lamp must not sit where the sensor detection probes: it would be written to."""
    lamp, sensors = config.lamp, config.sensors
    if lamp.backend != "pca9685" or lamp.i2c_bus != sensors.bus:
        return
    from device.hardware.sensors.detect import candidates, slot_choices

    for key, kind, choice in slot_choices(sensors.temperature, sensors.light):
        for driver in candidates(kind, choice):
            if lamp.i2c_address in driver.addresses:
                raise ConfigError(
                    path,
                    "lamp.i2c_address",
                    f"0x{lamp.i2c_address:02x} is also where [sensors] {key} = {choice!r} looks for a "
                    f"{driver.name}; move the PCA9685 (address jumpers) or set [sensors] {key} to the chip you have",
                )


def _check_pins(config: Config, path: Path | str) -> None:
    """No pin twice, none that the configured audio overlay or the I2C bus owns (named with both uses)."""
    from device.hardware.pinout import pin_conflicts

    lamp = config.lamp
    if lamp.backend == "hwpwm" and lamp.pin not in (12, 13, 18, 19):
        raise ConfigError(path, "lamp.pin", f"hardware PWM is only on GPIO12, 13, 18 or 19, not GPIO{lamp.pin}")
    for key, problem in pin_conflicts(config):
        raise ConfigError(path, key, problem)
