"""Hypothesis strategies for hostile input: the JSON and bytes a careless user, a bad SD card or a
hostile client could hand the device."""

from __future__ import annotations

import json

from hypothesis import strategies as st

# Numbers at the edges: NaN and the infinities (Python's json writes and reads them), huge and negative.
EDGE_NUMBERS = st.sampled_from([float("nan"), float("inf"), float("-inf"), 1e308, -1e308, 10**30, -(10**30), -1, 0])
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    EDGE_NUMBERS,
    st.text(max_size=40),
    st.sampled_from(["../../etc/passwd", "/dev/zero", "rain", " rain ", "", "23:00", "off", "2026-12-24", "PRESS"]),
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=20), inner, max_size=6),
    max_leaves=30,
)


def deep(depth: int) -> str:
    """A valid JSON document nested ``depth`` levels (10,000 took the daemon down)."""
    return '{"a":' * depth + "1" + "}" * depth


@st.composite
def json_file_bytes(draw: st.DrawFn, keys: list[str]) -> bytes:
    """The bytes of a state file: an object with the file's own keys holding any value, or garbage."""
    kind = draw(st.sampled_from(["object", "object", "object", "any", "deep", "bytes", "truncated"]))
    if kind == "deep":
        return deep(draw(st.integers(min_value=9, max_value=20_000))).encode()
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "any":
        return json.dumps(draw(JSON_VALUES)).encode()
    value = draw(st.dictionaries(st.sampled_from(keys) | st.text(max_size=10), JSON_VALUES, max_size=len(keys) + 2))
    text = json.dumps(value).encode()
    if kind == "truncated":
        return text[: draw(st.integers(min_value=0, max_value=max(0, len(text) - 1)))]
    return text
