"""Rating a night the morning went by unrated (the page's journal): its own date, within 30 nights,
on the card before it is acknowledged, without the lamp blinking for a night long past."""

from __future__ import annotations

import pytest

from device.core import effects as fx
from tests.support.core_bench import CoreBench


def records(bench: CoreBench) -> list[dict[str, object]]:
    return [e.data for e in bench.of(fx.JournalRecord) if e.kind == "rating"]


def test_an_older_night_is_rated_for_its_own_date_without_a_blink() -> None:
    bench = CoreBench(start="2026-11-25 14:00")
    blinks = len(bench.of(fx.LampBlink))
    bench.command("rate", {"rating": "bad", "night": "2026-11-20"})
    stored = [e for e in bench.of(fx.JournalRecord) if e.kind == "rating"][-1]
    assert stored.data == {"night": "2026-11-20", "rating": "bad", "source": "hub", "at": stored.data["at"]}
    assert [type(t) for t in stored.then] == [fx.PublishEvent]  # acknowledged once stored, no blink
    assert stored.then[0].data["night"] == "2026-11-20"
    assert len(bench.of(fx.LampBlink)) == blinks


def test_the_night_the_morning_is_after_still_blinks() -> None:
    bench = CoreBench(start="2026-11-25 07:10")
    bench.command("rate", {"rating": "good", "night": "2026-11-24"})
    stored = [e for e in bench.of(fx.JournalRecord) if e.kind == "rating"][-1]
    assert stored.data["night"] == "2026-11-24"
    assert isinstance(stored.then[0], fx.LampBlink) and stored.then[0].times == 1


@pytest.mark.parametrize(
    ("night", "reason"),
    [
        ("2026-11-26", "can be rated"),  # tomorrow's night
        ("2026-10-24", "can be rated"),  # more than 30 nights back
        ("20261120", "a date like"),
        ("2026-02-30", "a date like"),
        ("../../etc", "a date like"),
        (12, "a date like"),
    ],
)
def test_a_night_outside_the_last_thirty_or_not_a_date_is_refused(night: object, reason: str) -> None:
    bench = CoreBench(start="2026-11-25 14:00")
    bench.command("rate", {"rating": "good", "night": night})
    assert not records(bench)
    rejected = bench.of(fx.RejectCommand)[-1]
    assert rejected.action == "rate" and reason in rejected.reason


def test_a_plain_rating_is_still_for_the_night_the_core_picks() -> None:
    bench = CoreBench(start="2026-11-25 07:10")  # in the morning window: last night
    bench.command("rate", "good")
    assert records(bench)[-1]["night"] == "2026-11-24"
