"""Command topics: every payload validated before anything reaches the core."""

from __future__ import annotations

import pytest

from device.config.schema import WEEKDAYS, Config
from device.core.events import Command
from device.hub import commands
from device.hub.commands import PARSERS, Limits, Rejected, parse

LIMITS = Limits(max_bytes=16384, max_volume=80.0, min_session=5, max_session=120, brightness_scale=255)
TRIGGERS = ("rain", "brushing", "tapping")

VALID = [
    ("lamp/set", b'{"state": "ON", "brightness": 255, "transition": 2}', Command("lamp", {"on": True, "level": 100.0, "transition": 2.0})),
    ("lamp/set", b'{"state": "OFF"}', Command("lamp", {"on": False, "level": None, "transition": None})),
    ("lamp/set", b'{"level": 12.5}', Command("lamp", {"on": True, "level": 12.5, "transition": None})),
    ("lamp/set", b'{"state": "ON", "effect": "breathe"}', Command("lamp_effect", "breathe")),
    ("lamp/set", b'{"effect": "none"}', Command("lamp_effect", "none")),
    ("lamp/set", b'{"state": "OFF", "effect": "breathe"}', Command("lamp", {"on": False, "level": None, "transition": None})),
    ("lamp/set", b"ON", Command("lamp", {"on": True, "level": None, "transition": None})),
    ("lamp/set", b"TOGGLE", Command("lamp_toggle")),
    ("session/set", b"ON", Command("session", True)),
    ("session/set", b"off", Command("session", False)),
    ("session/set", b"TOGGLE", Command("toggle_session")),
    ("trigger/set", b"brushing", Command("trigger", "brushing")),
    ("next_trigger/set", b"PRESS", Command("next_trigger")),
    ("good_night/set", b"PRESS", Command("good_night")),
    ("volume/set", b"42.5", Command("volume", 42.5)),
    ("volume/set", b"0", Command("volume", 0.0)),
    ("session_minutes/set", b"45", Command("session_minutes", 45)),
    ("session_minutes/set", b"45.0", Command("session_minutes", 45)),
    ("routine/set", b"OFF", Command("routine", False)),
    ("skip_tonight/set", b"PRESS", Command("skip_tonight", True)),
    ("skip_tonight/set", b"OFF", Command("skip_tonight", False)),
    ("tonight_sleep/set", b"23:30", Command("tonight_sleep", "23:30")),
    ("tonight_sleep/set", b"OFF", Command("tonight_sleep", "off")),
    ("sleep/monday/set", b"22:45", Command("day_sleep", {"day": "monday", "sleep": "22:45"})),
    ("sleep/sunday/set", b"off", Command("day_sleep", {"day": "sunday", "sleep": "off"})),
    ("wake/monday/set", b"06:45", Command("day_wake", {"day": "monday", "wake": "06:45"})),
    ("wake/saturday/set", b"OFF", Command("day_wake", {"day": "saturday", "wake": "off"})),
    ("dates_off/set", b'["2026-12-31", "2026-12-24", "2026-12-31"]', Command("dates_off", ["2026-12-24", "2026-12-31"])),
    ("dates_off/set", b"2026-12-24, 2026-12-31", Command("dates_off", ["2026-12-24", "2026-12-31"])),
    ("dates_off/set", b"2028-02-29", Command("dates_off", ["2028-02-29"])),
    ("dates_off/set", b"[]", Command("dates_off", [])),
    ("dates_off/set", b"[]", Command("dates_off", [])),
    ("rate/set", b"good", Command("rate", "good")),
    ("action/set", b"volume_up", Command("volume_up")),
    ("action/set", b"rescan_triggers", Command("rescan_triggers")),
]  # fmt: skip


@pytest.mark.parametrize(("topic", "payload", "expected"), VALID)
def test_valid_payloads_become_commands(topic: str, payload: bytes, expected: Command) -> None:
    assert parse(topic, payload, LIMITS, TRIGGERS) == expected


def test_every_weekday_has_a_topic() -> None:
    assert {f"sleep/{day}/set" for day in WEEKDAYS} <= set(PARSERS)
    assert {f"wake/{day}/set" for day in WEEKDAYS} <= set(PARSERS)


MEGABYTE = 1024 * 1024
HOSTILE = {
    "invalid utf-8": b"\xff\xfe\xfd",
    "1 MB string": b"A" * MEGABYTE,
    "1 MB JSON string": b'"' + b"A" * MEGABYTE + b'"',
    "deep JSON": b"[" * 5000 + b"]" * 5000,
    "deep JSON object": b'{"state": ' * 50 + b'"ON"' + b"}" * 50,
    "NaN": b"NaN",
    "nan text": b"nan",
    "infinity": b"Infinity",
    "minus infinity": b"-Infinity",
    "float overflow": b"1e999",
    "huge int": b"9" * 5000,
    "huge negative": b"-1e308",
    "path traversal": b"../../etc/passwd",
    "malformed JSON": b'{"state": ',
    "JSON null": b"null",
    "JSON list": b'["ON"]',
    "control chars": b"\x00\x01\x02",
    "negative": b"-5",
    "NaN in object": b'{"state": "ON", "brightness": NaN}',
    "overflow in object": b'{"state": "ON", "transition": 1e999}',
    "huge in object": b'{"state": "ON", "brightness": 99999999999999999999}',
    "wrong type in object": b'{"state": 1, "brightness": "bright"}',
}


@pytest.mark.parametrize("topic", sorted(PARSERS))
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_payloads_are_rejected_on_every_topic(topic: str, name: str) -> None:
    with pytest.raises(Rejected) as caught:
        parse(topic, HOSTILE[name], LIMITS, TRIGGERS)
    reason = str(caught.value)
    assert reason and len(reason) < 400  # a short reason, never the payload itself


@pytest.mark.parametrize(
    ("topic", "payload", "words"),
    [
        ("volume/set", b"81", "outside 0..80"),
        ("volume/set", b"-1", "outside"),
        ("volume/set", b"true", "must be a number"),
        ("session_minutes/set", b"4", "outside 5..120"),
        ("session_minutes/set", b"121", "outside"),
        ("session_minutes/set", b"30.5", "whole minutes"),
        ("lamp/set", b'{"brightness": 256}', "outside 0..255"),
        ("lamp/set", b'{"transition": -1}', "outside"),
        ("lamp/set", b'{"transition": 3601}', "outside"),
        ("lamp/set", b'{"brightness": true}', "must be a number"),
        ("lamp/set", b'{"color": {"r": 1}}', "does not support 'color'"),
        ("lamp/set", b'{"effect": "disco"}', "effect must be one of"),
        ("lamp/set", b'{"brightness": 5, "level": 5}', "not both"),
        ("lamp/set", b'{"brightness": 5, "effect": "breathe"}', "not both"),
        ("trigger/set", b"../../etc/passwd", "unknown trigger"),
        ("trigger/set", b"/usr/share/sounds/rain.wav", "unknown trigger"),
        ("tonight_sleep/set", b"24:00", "HH:MM"),
        ("sleep/friday/set", b"7:00", "HH:MM"),
        ("wake/friday/set", b"6:30", "friday's wake time must be"),
        ("wake/friday/set", b"", "empty payload is not a command"),
        ("dates_off/set", b"2026-02-30", "not a real date"),
        ("dates_off/set", b"2026-12-24,xmas", "'xmas' is not a date"),
        ("dates_off/set", b"2026-12-24,", "'' is not a date"),
        ("dates_off/set", b"24.12.2026", "not a date"),
        ("dates_off/set", b'["2026-12-24\\n"]', "not a date"),
        ("dates_off/set", b"\xd9\xa2\xd9\xa0\xd9\xa2\xd9\xa6-12-24", "not a date"),  # Arabic-Indic digits
        ("dates_off/set", b'["2026-12-24", 5]', "JSON list"),
        ("dates_off/set", b'{"dates": ["2026-12-24"]}', "JSON list"),
        ("dates_off/set", b'"2026-12-24"', "JSON list"),
        ("dates_off/set", ",".join(["2026-12-24"] * 367).encode(), "at most 366 dates, not 367"),
        ("dates_off/set", b"[" + b",".join([b'"2026-12-24"'] * 367) + b"]", "at most 366"),
        ("rate/set", b"meh", "good or bad"),
        ("good_night/set", b"now", "PRESS"),
        ("action/set", b"reboot", "one of"),
        ("nonsense/set", b"ON", "unknown command topic"),
    ],
)
def test_rejection_reasons_say_what_is_wrong(topic: str, payload: bytes, words: str) -> None:
    with pytest.raises(Rejected, match=words):
        parse(topic, payload, LIMITS, TRIGGERS)


def test_size_limit_comes_from_the_config() -> None:
    small = Limits(64, 80.0, 5, 120, 255)
    assert parse("trigger/set", b"rain", small, TRIGGERS) == Command("trigger", "rain")
    with pytest.raises(Rejected, match="over the limit of 64"):
        parse("lamp/set", b'{"state": "ON", "transition": 1.0}' + b" " * 40, small, TRIGGERS)


def test_brightness_follows_the_configured_scale() -> None:
    scale100 = Limits(16384, 80.0, 5, 120, 100)
    assert parse("lamp/set", b'{"brightness": 40}', scale100, TRIGGERS).value["level"] == 40.0
    assert parse("lamp/set", b'{"brightness": 51}', LIMITS, TRIGGERS).value["level"] == pytest.approx(20.0)


def test_limits_from_config() -> None:
    limits = Limits.from_config(Config())
    assert (limits.max_volume, limits.min_session, limits.max_session) == (80.0, 5, 120)
    assert (limits.max_bytes, limits.brightness_scale) == (16384, 255)


def test_excerpt_is_short_and_printable() -> None:
    text = commands.excerpt(b"\x00\xff" + b"A" * 500)
    assert len(text) <= 65 and text.endswith("…") and text.isprintable()
