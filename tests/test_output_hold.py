"""The audio output stays open through the night (an I2S amplifier pops when its clock stops or starts)
and closes after a silence in the day; a session after a close starts from silence."""

from __future__ import annotations

import datetime as dt
import time
import zoneinfo
from pathlib import Path

import numpy as np
import pytest

from device.audio.library import Library
from device.audio.output_hold import make_hold, seconds_left_of_night
from device.audio.pygame_player import PygamePlayer
from device.config import parse_config
from device.config.types import ClockTime
from device.runtime.clock import RealClock
from tests.support.audio import disk_mixer, noise_file
from tests.test_pygame_player import FULL

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
EVENING, MORNING = ClockTime(18, 0), ClockTime(11, 0)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=BERLIN)


@pytest.mark.parametrize(
    ("when", "hours_left"),
    [
        ("2026-11-24 14:00", 0.0),  # the day: close after a silence
        ("2026-11-24 17:59", 0.0),
        ("2026-11-24 18:00", 17.0),
        ("2026-11-24 22:30", 12.5),
        ("2026-11-25 03:00", 8.0),
        ("2026-11-25 10:59", 1 / 60),
        ("2026-11-25 11:00", 0.0),
        ("2026-10-24 23:00", 13.0),  # the autumn DST night has an hour more
    ],
)
def test_the_night_runs_from_night_starts_to_the_morning_end(when: str, hours_left: float) -> None:
    assert seconds_left_of_night(at(when), EVENING, MORNING) == pytest.approx(hours_left * 3600)


def test_a_night_that_does_not_cross_midnight() -> None:
    assert seconds_left_of_night(at("2026-11-25 01:00"), ClockTime(0, 30), ClockTime(7, 0)) == 6 * 3600
    assert seconds_left_of_night(at("2026-11-25 23:00"), ClockTime(0, 30), ClockTime(7, 0)) == 0


def test_modes() -> None:
    night = at("2026-11-24 23:00").timestamp()
    day = at("2026-11-24 13:00").timestamp()
    assert make_hold("always", EVENING, MORNING, BERLIN)(day) is None
    assert make_hold("never", EVENING, MORNING, BERLIN)(night) == 0.0
    assert make_hold("night", EVENING, MORNING, BERLIN)(night) == 12 * 3600
    assert make_hold("night", EVENING, MORNING, BERLIN)(day) == 0.0
    config = parse_config("")
    assert (config.sounds.keep_output_open, str(config.sounds.night_starts)) == ("night", "18:00")


def wait_until(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


def test_held_open_through_the_silence_then_closed_when_the_hold_ends(tmp_path: Path) -> None:
    import pygame

    (tmp_path / "sounds").mkdir()
    noise_file(tmp_path / "sounds/hiss.wav", 1.0, 0.05, seed=3)
    answers: list[float | None] = [None]  # the night, until the next command wakes the player
    asked: list[float | None] = []

    def hold(now: float) -> float | None:
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        asked.append(answer)
        return answer

    with disk_mixer(tmp_path, FULL, realtime=False):
        library = Library(tmp_path / "sounds", tmp_path / "cache")
        player = PygamePlayer(library, FULL, RealClock(), health_check=2.0, idle_close=0.1, hold=hold)
        player.play("hiss", 50.0, 0.0)
        player.fade_out(0.05)
        assert wait_until(lambda: len(asked) >= 1)
        time.sleep(0.3)  # three idle periods: without the hold it would have closed after the first
        assert pygame.mixer.get_init() is not None
        answers[:] = [0.2, 0.0]  # 0.2 s of night left, then the day
        player.set_volume(40.0, 0.0)  # any command wakes the player: the night is asked again
        assert wait_until(lambda: pygame.mixer.get_init() is None)
        assert asked[-2:] == [0.2, 0.0], "held for the rest of the night, then closed"
        player.close()


def test_a_session_after_an_idle_close_starts_from_silence(tmp_path: Path) -> None:
    """The pop of an I2S amplifier comes from its clock, not from the samples: those start at zero and fade in."""
    import pygame

    (tmp_path / "sounds").mkdir()
    noise_file(tmp_path / "sounds/hiss.wav", 2.0, 0.3, seed=5)
    with disk_mixer(tmp_path, FULL, realtime=True) as out:
        library = Library(tmp_path / "sounds", tmp_path / "cache")
        player = PygamePlayer(library, FULL, RealClock(), health_check=2.0, idle_close=0.1)
        player.play("hiss", 100.0, 0.0)
        player.fade_out(0.05)
        assert wait_until(lambda: pygame.mixer.get_init() is None)
        player.play("hiss", 100.0, 0.6)  # opens the output again (the disk file starts afresh)
        time.sleep(0.9)
        player.close()
    rms = np.sqrt((out.samples**2).mean(axis=1))
    assert len(rms) > 30000
    first = float(np.sqrt((rms[:441] ** 2).mean()))  # the first 10 ms
    later = float(np.sqrt((rms[int(0.6 * 44100) : int(0.7 * 44100)] ** 2).mean()))
    assert first < 0.05 * later, (first, later)
