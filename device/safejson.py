"""JSON from outside (a state file, a hub payload): bounded depth, finite numbers, bounded size.

``json.loads`` recurses once per nesting level, so a valid document nested 10,000 deep raises
``RecursionError``, which nobody catches; it also reads ``NaN`` and ``Infinity``, and a long
run of digits as one huge int. Here the depth is checked before parsing and every number as
it is read; each failure is a :class:`BadJson` (a ``ValueError``) whose text is the reason.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from device.errors import HushlightError

# Only these characters change the nesting or the string state: skip everything else at C speed.
_STRUCTURE = re.compile(r'[\[\]{}"\\]')
MAX_INT_DIGITS = 18
MAX_FLOAT_CHARS = 32


class BadJson(HushlightError, ValueError):
    """Text that is not JSON we accept; ``str()`` is the reason."""


def depth_ok(text: str, limit: int) -> bool:
    """True if the JSON text nests no deeper than ``limit`` (checked before parsing)."""
    if text.count("[") + text.count("{") <= limit:
        return True  # cannot nest deeper than it has brackets: a command's usual payload stops here
    depth, in_string, escaped_at = 0, False, -1
    for match in _STRUCTURE.finditer(text):
        ch, at = match.group(), match.start()
        if in_string:
            if at == escaped_at:
                continue
            if ch == "\\":
                escaped_at = at + 1
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def _reject_constant(name: str) -> Any:
    raise BadJson(f"{name} is not a finite number")


def _bounded_int(text: str, max_digits: int) -> int:
    if len(text.lstrip("-")) > max_digits:
        raise BadJson(f"number {text[:20]!r}… is too large")
    return int(text)


def _finite_float(text: str) -> float:
    if len(text) > MAX_FLOAT_CHARS:
        raise BadJson(f"number {text[:20]!r}… is too long")
    value = float(text)
    if not math.isfinite(value):
        raise BadJson(f"number {text!r} is not finite")
    return value


def loads(text: str, max_depth: int, max_int_digits: int = MAX_INT_DIGITS) -> Any:
    """Parse ``text``; :class:`BadJson` if it nests deeper than ``max_depth``, is malformed or holds
    NaN, Infinity, a number that overflows to infinity or an int longer than ``max_int_digits``."""
    if not depth_ok(text, max_depth):
        raise BadJson(f"JSON nested deeper than {max_depth} levels")
    try:
        return json.loads(
            text,
            parse_constant=_reject_constant,
            parse_int=lambda digits: _bounded_int(digits, max_int_digits),
            parse_float=_finite_float,
        )
    except json.JSONDecodeError as exc:
        raise BadJson(f"malformed JSON: {exc.msg} at position {exc.pos}") from None


def load_bytes(raw: bytes, max_depth: int, max_bytes: int) -> Any:
    """:func:`loads` for bytes that must be UTF-8 and at most ``max_bytes`` long."""
    if len(raw) > max_bytes:
        raise BadJson(f"{len(raw)} bytes, over the limit of {max_bytes}")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadJson(f"not valid UTF-8 (byte {exc.start})") from None
    return loads(text, max_depth)
