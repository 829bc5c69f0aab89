"""The [journal] config section: defaults, the shipped file, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from device.config import default_config, load_config, parse_config
from device.errors import ConfigError

SHIPPED = Path(__file__).resolve().parent.parent / "config" / "hushlight.toml"


def test_the_shipped_file_lists_the_defaults() -> None:
    assert load_config(SHIPPED).journal == default_config().journal
    text = SHIPPED.read_text()
    for key in ("policy", "also_vary", "session_minutes_choices", "sunset_minutes_choices", "batch_seconds"):
        assert f"\n{key} = " in text.split("[journal]")[1]


@pytest.mark.parametrize(
    ("toml", "key", "message"),
    [
        ('policy = "greedy"', "journal.policy", "'greedy' is not one of: 'thompson', 'rotation', 'fixed'"),
        ('also_vary = ["volume"]', "journal.also_vary[0]", "'volume' is not one of"),
        ("session_minutes_choices = [20, 20]", "journal.session_minutes_choices", "lists a length twice"),
        ("session_minutes_choices = [200]", "journal.session_minutes_choices", "200 min lies outside"),
        ("sunset_minutes_choices = []", "journal.sunset_minutes_choices", "length"),
        ("batch_seconds = -1", "journal.batch_seconds", ">= 0"),
    ],
)
def test_bad_journal_settings_are_named(toml: str, key: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(f"[journal]\n{toml}\n", "hushlight.toml")
    assert caught.value.key == key and message in caught.value.message
