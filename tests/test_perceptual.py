import itertools
import math

import pytest

from device.core.fade import fade_level
from device.core.perceptual import (
    INHALE_SHARE,
    DutyMap,
    breath_phases,
    duty_ladder,
    inverse_ease,
    lightness_to_luminance,
    luminance_to_lightness,
    plan_fade,
)

MAPS = [DutyMap(0.002, 1.0, 1 / 1000), DutyMap(0.002, 1.0, 20 / 200_000), DutyMap(0.01, 0.8, 1 / 4096)]


def test_cie_lightness_known_values():
    assert lightness_to_luminance(100) == pytest.approx(1.0)
    assert lightness_to_luminance(50) == pytest.approx(0.18419, abs=1e-5)  # mid grey
    assert lightness_to_luminance(8) == pytest.approx(0.0088565, abs=1e-6)  # the joint: both halves agree
    assert lightness_to_luminance(7.999) == pytest.approx(lightness_to_luminance(8.001), abs=3e-6)
    assert lightness_to_luminance(1) == pytest.approx(27 / 24389)
    for lightness in (0.0, 0.5, 3, 8, 20, 50, 99.5):
        assert luminance_to_lightness(lightness_to_luminance(lightness)) == pytest.approx(lightness, abs=1e-9)


def test_one_percent_is_a_faint_glow_above_min_duty():
    dmap = DutyMap(0.002, 1.0, 1 / 4096)
    assert dmap.duty(0) == 0.0
    assert dmap.min_duty < dmap.duty(1) < 0.004  # lit, and barely more than the glow threshold
    assert dmap.duty(100) == 1.0
    assert dmap.shown(1) >= dmap.min_duty
    assert dmap.level(dmap.min_duty) == 0.0
    assert dmap.level(dmap.duty(42.0)) == pytest.approx(42.0)


def test_quantize_stays_on_the_grid_and_within_limits():
    dmap = DutyMap(0.0021, 0.9, 1 / 4096)
    assert dmap.min_shown == 9 / 4096  # 0.0021 * 4096 = 8.6 -> rounded up, never below min_duty
    assert dmap.quantize(0.0001) == dmap.min_shown
    assert dmap.quantize(0.95) == math.floor(0.9 * 4096) / 4096
    assert dmap.quantize(0.5, -1) == dmap.quantize(0.5, +1) == 0.5
    assert dmap.quantize(0.0) == 0.0


@pytest.mark.parametrize("dmap", MAPS, ids=["gpio", "hwpwm", "pca9685"])
@pytest.mark.parametrize(("start", "end"), [(0, 100), (100, 0), (35, 0), (3, 60), (60, 59.5)])
def test_ladder_steps_are_invisible_and_monotone(dmap, start, end):
    first, last = dmap.shown(start), dmap.shown(end)
    ladder = duty_ladder(dmap, first, last)
    assert ladder[-1] == last
    duties = [first, *ladder]
    sign = 1 if last > first else -1
    for a, b in itertools.pairwise(duties):
        assert (b - a) * sign >= dmap.quantum - 1e-12  # each step moves at least one quantum: no wasted write
        assert abs(dmap.level(b) - dmap.level(a)) <= 1.0 + 1e-9


def test_greedy_ladder_uses_about_one_step_per_delta_l():
    dmap = DutyMap(0.002, 1.0, 1 / 4096)
    n = len(duty_ladder(dmap, 0.0, 1.0))
    assert 100 <= n <= 110


@pytest.mark.parametrize("curve", ["linear", "ease", "sunset"])
def test_inverse_ease(curve):
    from device.core.fade import ease

    for y in (0.0, 0.01, 0.3, 0.5, 0.77, 1.0):
        assert ease(curve, inverse_ease(curve, y)) == pytest.approx(y, abs=1e-9)
    fractions = [inverse_ease(curve, i / 1000) for i in range(1001)]
    assert fractions[0] == 0.0 and fractions[-1] == pytest.approx(1.0, abs=1e-12)
    assert all(a < b for a, b in itertools.pairwise(fractions))  # monotone: steps stay in order
    assert all(ease(curve, x) == pytest.approx(i / 1000, abs=1e-9) for i, x in enumerate(fractions))


@pytest.mark.parametrize("curve", ["linear", "ease", "sunset"])
def test_plan_follows_the_cores_path_and_ends_exactly(curve):
    dmap = DutyMap(0.002, 1.0, 1 / 4096)
    steps = plan_fade(dmap, dmap.shown(35), 35, 0, 2700, curve)
    assert steps[-1].at == 2700 and steps[-1].level == 0 and steps[-1].duty == 0.0
    times = [s.at for s in steps]
    assert times == sorted(times)
    for step in steps[:-1]:
        core = fade_level(35, 0, 0, 2700, step.at, curve)
        assert step.level == pytest.approx(core, abs=1e-6)  # written when the core's path gets there


def test_fast_fades_wake_at_most_every_10_ms():
    dmap = DutyMap(0.002, 1.0, 1 / 4096)
    steps = plan_fade(dmap, 0.0, 0.0, 100, 0.1)
    assert len(steps) <= 11
    assert steps[-1].duty == 1.0 and steps[-1].at == 0.1
    assert plan_fade(dmap, 0.0, 0.0, 50, 0.0) == plan_fade(dmap, 0.0, 0.0, 50, -1)
    assert len(plan_fade(dmap, 0.0, 0.0, 50, 0.0)) == 1


def test_nothing_to_do():
    dmap = DutyMap(0.002, 1.0, 1 / 4096)
    assert plan_fade(dmap, 0.0, 0.0, 0.0, 10) == []


def test_breathing_pace_slows_from_11_to_6():
    phases = breath_phases(480, 11, 6)
    assert sum(phases) <= 480
    assert len(phases) % 2 == 0  # whole breaths: ends on an out-breath
    breaths = [a + b for a, b in zip(phases[::2], phases[1::2], strict=True)]
    assert 60 / breaths[0] == pytest.approx(11)
    assert 60 / breaths[-1] == pytest.approx(6, abs=0.4)
    assert breaths == sorted(breaths)
    assert phases[0] / breaths[0] == pytest.approx(INHALE_SHARE)
    assert 60 <= len(breaths) <= 75  # about 8.5 a minute on average
    assert breath_phases(0, 11, 6) == [] and breath_phases(5, 11, 6) == []
