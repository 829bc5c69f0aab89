"""Discovery of the routine's run-time changes: each weekday's wake time and the dates off, as Home Assistant texts."""

from __future__ import annotations

import datetime as dt
import re

from device.config.load import parse_config
from device.config.schema import WEEKDAYS
from device.core import events as ev
from device.hub.commands import parse
from device.hub.entities import DATES_PATTERN, TEXT_MAX, TIME_PATTERN
from tests.test_hub_commands import LIMITS, TRIGGERS
from tests.test_hub_discovery import device_messages, full_config, live_state, render, templates

TOPIC = "homeassistant/device/hushlight_bedroom/config"
FILE_WAKE = '[device]\nid = "bedroom"\n[routine]\nwake = "06:30"\n[routine.sunday]\nwake = "off"\n'


def test_a_wake_text_per_weekday_and_a_dates_off_text_like_the_sleep_times() -> None:
    cmps = device_messages(full_config())[TOPIC]["cmps"]
    for day in WEEKDAYS:
        wake, sleep = cmps[f"wake_{day}"], cmps[f"sleep_{day}"]
        assert wake["name"] == f"Wake time {day.capitalize()}" and wake["unique_id"] == f"hushlight_bedroom_wake_{day}"
        assert wake["default_entity_id"] == f"text.hushlight_bedroom_wake_{day}"
        assert wake["command_topic"] == f"hushlight/bedroom/wake/{day}/set"
        assert (wake["pattern"], wake["min"], wake["max"]) == (sleep["pattern"], sleep["min"], sleep["max"])
    dates = cmps["dates_off"]
    assert (dates["name"], dates["command_topic"]) == ("Dates off", "hushlight/bedroom/dates_off/set")
    assert (dates["min"], dates["max"], dates["pattern"]) == (0, 255, DATES_PATTERN)


def test_wake_texts_show_the_files_times_until_the_hub_changes_one() -> None:
    config = parse_config(FILE_WAKE)
    idle = {key: render(t, live_state(config)) for key, t in templates(config).items() if key != "button_main"}
    assert [idle[f"wake_{day}"] for day in WEEKDAYS] == ["06:30"] * 6 + ["off"]
    assert idle["dates_off"] == ""
    state = live_state(
        config,
        ev.Command("day_wake", {"day": "monday", "wake": "07:15"}),
        ev.Command("day_wake", {"day": "tuesday", "wake": "off"}),
        ev.Command("dates_off", ["2026-12-31", "2026-12-24"]),
    )
    out = {key: render(t, state) for key, t in templates(config).items() if key != "button_main"}
    assert (out["wake_monday"], out["wake_tuesday"], out["wake_wednesday"]) == ("07:15", "off", "06:30")
    assert out["dates_off"] == "2026-12-24,2026-12-31"
    assert all(re.fullmatch(TIME_PATTERN, out[f"wake_{day}"]) for day in WEEKDAYS)


def test_no_wake_time_in_the_file_shows_off() -> None:
    out = {key: render(t, live_state(full_config())) for key, t in templates(full_config()).items()}
    assert {out[f"wake_{day}"] for day in WEEKDAYS} == {"off"}


def dates(n: int) -> list[str]:
    return [(dt.date(2027, 1, 1) + dt.timedelta(days=i)).isoformat() for i in range(n)]


def test_the_dates_off_state_fits_home_assistants_text_and_a_cut_list_says_so() -> None:
    template = templates(full_config())["dates_off"]
    fits = render(template, {"settings": {"dates_off": dates(23)}})
    assert fits == ",".join(dates(23)) and len(fits) <= TEXT_MAX and re.fullmatch(DATES_PATTERN, fits)
    cut = render(template, {"settings": {"dates_off": dates(366)}})
    assert len(cut) <= TEXT_MAX and cut.startswith(",".join(dates(22))) and cut.endswith(",…")
    assert not re.fullmatch(DATES_PATTERN, cut)  # sent back unedited, Home Assistant refuses it: no dates lost


def test_what_home_assistants_texts_send_is_what_the_command_topics_take() -> None:
    import jinja2

    command_template = device_messages(full_config())[TOPIC]["cmps"]["dates_off"]["command_template"]
    for text in ("2026-12-24", "2026-12-24,2026-12-31", "2026-12-24, 2026-12-31", ""):
        assert re.fullmatch(DATES_PATTERN, text)
        sent = sorted(filter(None, re.split(", ?", text)))
        payload = jinja2.Environment().from_string(command_template).render(value=text)
        assert payload  # an emptied text must not send the empty payload that clears a retained message
        assert parse("dates_off/set", payload.encode(), LIMITS, TRIGGERS).value == sent
    for text in ("off", "06:05", "23:59"):
        assert re.fullmatch(TIME_PATTERN, text)
        assert parse("wake/monday/set", text.encode(), LIMITS, TRIGGERS).value == {"day": "monday", "wake": text}
