"""The panel's keys: space bar taps and holds (with a keyboard's repeat) become single, double and long."""

from __future__ import annotations

from device.sim.keys import QUIET, SpaceBar, actions_for


def run(times: list[float], until: float) -> list[str]:
    bar, out = SpaceBar(), []
    for t in times:
        out += bar.press(t)
    out += bar.due(until)
    return out


def test_one_tap_is_a_single_press_once_the_keyboard_is_quiet():
    bar = SpaceBar()
    assert bar.press(10.0) == []
    assert bar.pending == "tap "
    assert bar.due(10.0 + QUIET - 0.01) == []
    assert bar.deadline() == 10.0 + QUIET
    assert bar.due(10.0 + QUIET) == ["single"]
    assert bar.deadline() is None and bar.pending == ""


def test_two_taps_are_a_double_press():
    assert run([0.0, 0.25], 2.0) == ["double"]


def test_a_held_key_is_a_long_press_reported_while_held():
    # first press, the keyboard's repeat delay (500 ms), then repeats every 33 ms
    times = [0.0] + [0.5 + i * 0.033 for i in range(40)]
    bar, out = SpaceBar(), []
    for t in times[:4]:
        out += bar.press(t)
    assert out == ["long"], "reported as soon as the repeats show a hold"
    assert bar.pending == "held"
    for t in times[4:]:
        assert bar.press(t) == []
    assert bar.due(times[-1] + QUIET) == [], "letting go adds nothing"
    assert run([0.0, 0.5, 0.55], 3.0) == ["long"]


def test_gestures_in_a_row_and_other_keys():
    assert run([0.0, 1.0], 5.0) == ["single", "single"]
    bar = SpaceBar()
    assert actions_for(" ", bar, 0.0) == []
    assert actions_for("n", bar, 0.1) == ["next_trigger"]
    assert actions_for("+", bar, QUIET + 0.1) == ["single", "volume_up"], "the pending tap is done first"
    assert [actions_for(k, bar, 5.0) for k in "=-tTbBlqx"] == [
        ["volume_up"],
        ["volume_down"],
        ["warmer"],
        ["colder"],
        ["brighter"],
        ["darker"],
        ["long"],
        ["quit"],
        [],
    ]
