"""The building blocks of the config schema: the section base and shared value types."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import Meta

Percent = Annotated[float, Meta(ge=0, le=100, extra={"unit": "%"})]
Pin = Annotated[int, Meta(ge=0, le=27, description="BCM GPIO number", extra={"unit": "GPIO"})]
Minutes = Annotated[int, Meta(ge=0, le=24 * 60, extra={"unit": "min"})]
Seconds = Annotated[float, Meta(ge=0, le=7200, extra={"unit": "s"})]

Action = Literal[
    "toggle_session",
    "start_session",
    "stop_session",
    "next_trigger",
    "good_night",
    "lamp_toggle",
    "volume_up",
    "volume_down",
    "none",
]


class Section(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """Base of every config section: immutable, and unknown keys are errors."""
