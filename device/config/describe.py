"""Walk the declared schema: every key with its default, unit and description."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import msgspec

from device.config.load import _unwrap
from device.config.schema import Config, Section


@dataclass(frozen=True)
class KeyInfo:
    path: str
    default: Any
    unit: str
    description: str


def iter_keys(struct: type[Section] = Config, prefix: str = "") -> Iterator[KeyInfo]:
    info = msgspec.inspect.type_info(struct)
    assert isinstance(info, msgspec.inspect.StructType)
    for field in info.fields:
        path = f"{prefix}{field.name}"
        raw_type = next(f.type for f in msgspec.structs.fields(struct) if f.name == field.name)
        section = _unwrap(raw_type)
        if isinstance(section, type) and issubclass(section, Section):
            yield from iter_keys(section, f"{path}.")
            continue
        meta = _metadata(field.type)
        default = field.default if field.default is not msgspec.NODEFAULT else None
        if default is None and field.default_factory is not msgspec.NODEFAULT:
            default = field.default_factory()
        yield KeyInfo(path, default, meta.get("unit", ""), meta.get("description", ""))


def _metadata(info: msgspec.inspect.Type) -> dict[str, str]:
    out: dict[str, str] = {}
    for attr in ("extra", "description"):
        value = getattr(info, attr, None)
        if attr == "extra" and isinstance(value, dict):
            out.update({k: str(v) for k, v in value.items()})
        elif isinstance(value, str):
            out[attr] = value
    if isinstance(info, msgspec.inspect.Metadata):
        if info.extra:
            out.update({k: str(v) for k, v in info.extra.items()})
        if info.extra_json_schema and "description" in info.extra_json_schema:
            out["description"] = str(info.extra_json_schema["description"])
    return out


def describe_schema() -> Iterator[str]:
    for key in iter_keys():
        default = key.default
        shown = f'"{default}"' if isinstance(default, str) else str(default)
        if default is not None and type(default).__name__ in ("SleepTime", "ClockTime", "PosixPath"):
            shown = f'"{default}"'
        unit = f" [{key.unit}]" if key.unit else ""
        yield f"{key.path} = {shown}{unit}  # {key.description}"


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
