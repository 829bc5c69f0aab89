"""The config file, hostile: any section and key of the schema with any value (NaN, Infinity, huge,
negative, wrong types, path-like strings), unknown keys and raw garbage. ``parse_config`` returns a
config whose numbers are finite or raises :class:`ConfigError` naming the file; nothing else."""

from __future__ import annotations

import json
import math

import msgspec
from hypothesis import given
from hypothesis import strategies as st

from device.config import parse_config
from device.config.schema import Config
from device.errors import ConfigError

SECTIONS = {name: [f for f in getattr(Config(), name).__struct_fields__] for name in Config.__struct_fields__}
TOML_SCALARS = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1).map(str),
    st.sampled_from(["nan", "inf", "-inf", "1e308", "-1e308", "0.0", "-0", "true", "false", "1979-05-27", "07:32:00"]),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.text(max_size=30).map(json.dumps),  # a TOML basic string is close enough to a JSON one
    st.sampled_from(['"../../etc/passwd"', '"/dev/zero"', '"23:00"', '"25:61"', '"Europe/Nowhere"', '""']),
)
TOML_VALUES = st.one_of(TOML_SCALARS, st.lists(TOML_SCALARS, max_size=4).map(lambda xs: "[" + ", ".join(xs) + "]"))


@st.composite
def config_text(draw: st.DrawFn) -> str:
    lines = []
    for section in draw(st.lists(st.sampled_from(sorted(SECTIONS)), max_size=4, unique=True)):
        lines.append(f"[{section}]")
        keys = SECTIONS[section] + ["no_such_key"]
        for key in draw(st.lists(st.sampled_from(keys), max_size=4, unique=True)):
            lines.append(f"{key} = {draw(TOML_VALUES)}")
    return "\n".join(lines) + "\n"


def finite_everywhere(value: object) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(finite_everywhere(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(finite_everywhere(v) for v in value)
    return True


@given(st.one_of(config_text(), st.binary(max_size=200).map(lambda b: b.decode("latin-1"))))
def test_any_config_is_a_valid_config_or_an_error_naming_the_file(text: str) -> None:
    try:
        config = parse_config(text.encode("utf-8", "surrogateescape"), "hostile.toml")
    except ConfigError as exc:
        assert str(exc).startswith("hostile.toml"), str(exc)
        return
    assert finite_everywhere(msgspec.to_builtins(config, enc_hook=str)), "a NaN or Infinity got through the schema"


@given(st.binary(max_size=300))
def test_any_bytes_as_a_config_file(raw: bytes) -> None:
    try:
        parse_config(raw, "bytes.toml")
    except ConfigError as exc:
        assert "bytes.toml" in str(exc)
