"""The experiment policy (device/core/policy.py): pure, seeded, checked against exact Beta figures."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest

from device.core import policy

NAMES = ("rain", "brushing", "tapping", "ocean")


def test_beta_cdf_matches_closed_forms() -> None:
    for x in (0.1, 0.35, 0.5, 0.9):
        assert policy.beta_cdf(x, 0, 0) == pytest.approx(x)  # Beta(1, 1) is uniform
        assert policy.beta_cdf(x, 1, 0) == pytest.approx(x**2)  # Beta(2, 1)
        assert policy.beta_cdf(x, 0, 1) == pytest.approx(1 - (1 - x) ** 2)  # Beta(1, 2)
        assert policy.beta_cdf(x, 2, 1) == pytest.approx(4 * x**3 - 3 * x**4)  # Beta(3, 2)
    assert policy.beta_cdf(0.0, 3, 3) == 0.0 and policy.beta_cdf(1.0, 3, 3) == 1.0


def test_credible_interval_is_exact() -> None:
    assert policy.credible_interval(0, 0) == pytest.approx((0.05, 0.95), abs=1e-5)
    # Beta(1, 2): F(x) = 1 - (1 - x)^2, so the 95 % point is 1 - sqrt(0.05)
    low, high = policy.credible_interval(0, 1)
    assert high == pytest.approx(1 - math.sqrt(0.05), abs=1e-5)
    assert low == pytest.approx(1 - math.sqrt(0.95), abs=1e-5)
    assert policy.posterior_mean(9, 1) == pytest.approx(10 / 12)


def test_pinned_wins_against_any_ratings() -> None:
    counts = {"tapping": (0, 40), "rain": (40, 0)}
    for seed in range(50):
        for mode in policy.MODES:
            pick = policy.choose("trigger", NAMES, counts, random.Random(seed), mode, pinned="tapping", last="rain")
            assert pick is not None and (pick.value, pick.how) == ("tapping", "pinned")


def test_excluded_is_never_chosen_even_when_pinned() -> None:
    counts = {"rain": (50, 0)}
    rng = random.Random(3)
    for _ in range(300):
        pick = policy.choose("trigger", NAMES, counts, rng, excluded=("rain",), pinned="rain")
        assert pick is not None and pick.value != "rain"
        assert "pinned 'rain' is not available" in pick.note
    assert policy.choose("trigger", NAMES, counts, rng, excluded=NAMES) is None
    assert policy.choose("trigger", (), counts, rng) is None


def test_rotation_goes_round_and_fixed_stays() -> None:
    rng = random.Random(1)
    seen, last = [], ""
    for _ in range(6):
        pick = policy.choose("trigger", NAMES, {}, rng, "rotation", last=last)
        assert pick is not None and pick.how == "rotation"
        last = pick.value
        seen.append(last)
    assert seen == ["rain", "brushing", "tapping", "ocean", "rain", "brushing"]
    fixed = policy.choose("trigger", NAMES, {}, rng, "fixed", last="tapping")
    assert fixed is not None and (fixed.value, fixed.how) == ("tapping", "fixed")
    first = policy.choose("trigger", NAMES, {}, rng, "fixed", last="gone")
    assert first is not None and first.value == "rain"
    only = policy.choose("trigger", NAMES, {}, rng, excluded=NAMES[1:])
    assert only is not None and (only.value, only.how) == ("rain", "only")


def test_thompson_is_reproducible_and_explains_itself() -> None:
    counts = {"rain": (6, 1), "tapping": (1, 5)}
    a = [policy.choose("trigger", NAMES, counts, random.Random(42)) for _ in range(3)]
    assert len({p.value for p in a if p}) == 1  # same seed, same pick
    pick = a[0]
    assert pick is not None and pick.how == "thompson"
    assert set(pick.samples) == set(NAMES) and pick.means["rain"] == pytest.approx(7 / 9)
    assert pick.value == max(pick.samples, key=pick.samples.__getitem__)
    assert pick.why().startswith(f"trigger {pick.value}: thompson; draws ")
    assert pick.to_dict()["means"]["tapping"] == pytest.approx(2 / 8, abs=1e-4)


def test_thompson_picks_each_option_as_often_as_it_is_likely_the_best() -> None:
    rng = random.Random(7)
    flat = Counter(policy.choose("trigger", NAMES, {}, rng).value for _ in range(4000))  # type: ignore[union-attr]
    for name in NAMES:  # no ratings: every option equally likely (binomial sd ~ 27)
        assert abs(flat[name] - 1000) < 120
    # P(Beta(2,1) > Beta(1,2)) = 5/6 for two options
    two = Counter(policy.choose("t", ("a", "b"), {"a": (1, 0), "b": (0, 1)}, rng).value for _ in range(6000))  # type: ignore[union-attr]
    assert two["a"] / 6000 == pytest.approx(5 / 6, abs=0.02)


def test_favourite_is_the_best_rated() -> None:
    assert policy.favourite({}) == policy.favourite({"rain": (0, 0)}) == ""
    assert (
        policy.favourite({"rain": (3, 1), "ocean": (1, 0), "tapping": (0, 4)}) == "rain"
    )  # 0.67 vs 0.67: more ratings
    assert policy.favourite({"rain": (3, 2), "ocean": (2, 0)}) == "ocean"
