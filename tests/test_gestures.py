"""Gesture classification with realistic contact timings, on a fake clock."""

from __future__ import annotations

from device.core.gestures import GestureClassifier, GestureTiming

TIMING = GestureTiming(debounce=0.03, double_window=0.4, long_press=1.5)


def bouncy(pressed: bool, at: float, bounces: int = 3, gap: float = 0.002) -> list[tuple[float, bool]]:
    """A contact closing (or opening) with ``bounces`` chatter cycles, settling at ``pressed``."""
    edges = []
    t = at
    for _ in range(bounces):
        edges += [(t, pressed), (t + gap, not pressed)]
        t += 2 * gap
    return [*edges, (t, pressed)]


def run(edges: list[tuple[float, bool]], until: float, timing: GestureTiming = TIMING) -> list[tuple[float, str]]:
    """Feed edges in order and call due() at every deadline, as the worker does."""
    classifier = GestureClassifier(timing)
    out: list[tuple[float, str]] = []
    pending = sorted(edges)
    while True:
        deadline = classifier.deadline()
        next_edge = pending[0][0] if pending else None
        if next_edge is not None and (deadline is None or next_edge <= deadline):
            at, pressed = pending.pop(0)
            out += [(at, g) for g in classifier.edge(pressed, at)]
        elif deadline is not None and deadline <= until:
            out += [(deadline, g) for g in classifier.due(deadline)]
        else:
            return out


def press(at: float, hold: float, bounces: int = 3) -> list[tuple[float, bool]]:
    return bouncy(True, at, bounces) + bouncy(False, at + hold, bounces)


def test_single_press_with_bounce_is_one_single() -> None:
    gestures = run(press(1.0, 0.15), until=5)
    assert [g for _, g in gestures] == ["single"]
    at = gestures[0][0]
    assert 1.15 + 0.4 <= at <= 1.15 + 0.4 + 0.05  # reported when the double window closes


def test_clean_press_without_bounce() -> None:
    assert [g for _, g in run(press(0.0, 0.1, bounces=0), until=3)] == ["single"]


def test_double_press() -> None:
    edges = press(1.0, 0.12) + press(1.35, 0.12)
    gestures = run(edges, until=5)
    assert [g for _, g in gestures] == ["double"]
    assert gestures[0][0] < 1.35 + 0.12 + 0.1  # on the second release, no waiting


def test_two_presses_further_apart_than_the_window_are_two_singles() -> None:
    edges = press(1.0, 0.1) + press(1.7, 0.1)
    assert [g for _, g in run(edges, until=5)] == ["single", "single"]


def test_long_press_fires_while_held_and_release_is_silent() -> None:
    gestures = run(press(2.0, 2.5), until=10)
    assert [g for _, g in gestures] == ["long"]
    assert abs(gestures[0][0] - (2.0 + 0.012 + 1.5)) < 0.05


def test_release_just_before_long_press_time_is_single() -> None:
    gestures = run(press(0.0, 1.45, bounces=0), until=5)
    assert [g for _, g in gestures] == ["single"]


def test_bounce_while_held_does_not_break_a_long_press() -> None:
    edges = bouncy(True, 0.0) + [(0.8, False), (0.803, True)] + bouncy(False, 2.0)
    assert [g for _, g in run(edges, until=5)] == ["long"]


def test_glitch_shorter_than_debounce_is_ignored() -> None:
    assert run([(1.0, True), (1.004, False)], until=5) == []


def test_late_worker_still_classifies_by_edge_times() -> None:
    """The worker may look late; classification uses the contact's own times."""
    classifier = GestureClassifier(TIMING)
    classifier.edge(True, 0.0)
    classifier.edge(False, 0.2)
    assert classifier.due(10.0) == ["single"]
    classifier.edge(True, 20.0)
    classifier.edge(False, 21.0)
    assert classifier.due(30.0) == ["single"]  # 1.0 s is no long press, however late we look


NO_DOUBLE = GestureTiming(debounce=0.03, double_window=0.0, long_press=1.5)
SWITCH = GestureTiming(debounce=0.03, double_window=0.0, long_press=0.0)


def test_without_double_presses_a_release_is_a_single_press_at_once() -> None:
    gestures = run(press(1.0, 0.15), until=5, timing=NO_DOUBLE)
    assert [g for _, g in gestures] == ["single"]
    assert 1.15 + 0.03 <= gestures[0][0] <= 1.15 + 0.03 + 0.02  # the release's debounce, no window
    assert [g for _, g in run(press(1.0, 0.15) + press(1.3, 0.1), until=5, timing=NO_DOUBLE)] == ["single"] * 2
    assert [g for _, g in run(press(1.0, 2.0), until=5, timing=NO_DOUBLE)] == ["long"]  # long presses still work


def test_without_long_presses_a_held_press_is_a_single_press() -> None:
    timing = GestureTiming(debounce=0.03, double_window=0.4, long_press=0.0)
    assert [g for _, g in run(press(1.0, 3.0), until=6, timing=timing)] == ["single"]
    assert [g for _, g in run(press(1.0, 0.1) + press(1.3, 0.1), until=6, timing=timing)] == ["double"]


def test_with_neither_the_press_is_a_single_press_at_its_first_edge() -> None:
    gestures = run(press(1.0, 0.15), until=5, timing=SWITCH)
    assert gestures == [(1.0, "single")]  # the first edge itself: no debounce wait, the bounce after it ignored
    assert run(press(1.0, 3.0), until=6, timing=SWITCH) == [(1.0, "single")]  # held: still one press
    two = run(press(1.0, 0.15) + press(1.5, 0.15), until=5, timing=SWITCH)
    assert two == [(1.0, "single"), (1.5, "single")]


def test_at_its_first_edge_the_release_bounce_never_makes_a_press() -> None:
    """The opening contact chatters: those closing edges come too soon after an edge to be a press."""
    gestures = run(press(1.0, 0.15, bounces=6), until=5, timing=SWITCH)
    assert gestures == [(1.0, "single")]
    # a release shorter than the debounce is bounce too (one press); once it has settled, the next is a press
    assert run(press(1.0, 0.1, bounces=0) + press(1.12, 0.2, bounces=0), until=5, timing=SWITCH) == [(1.0, "single")]
    quick = run(press(1.0, 0.1, bounces=0) + press(1.135, 0.2, bounces=0), until=5, timing=SWITCH)
    assert quick == [(1.0, "single"), (1.135, "single")]
