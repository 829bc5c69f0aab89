"""The volume scale and the exact gains through SDL_mixer's two integer stages."""

from __future__ import annotations

import math

import numpy as np
import pytest

from device.audio import gain as g


def test_volume_is_equal_steps_in_db_between_floor_and_ceiling() -> None:
    assert g.volume_to_db(1, -50, 0) == -50
    assert g.volume_to_db(100, -50, 0) == 0
    steps = np.diff([g.volume_to_db(v, -50, -6) for v in range(1, 101)])
    assert np.allclose(steps, 44 / 99)
    assert g.volume_to_gain(0, -50, 0) == 0.0
    assert g.volume_to_gain(0.5, -50, 0) == pytest.approx(0.5 * 10 ** (-50 / 20))
    assert g.volume_to_gain(150, -50, -10) == pytest.approx(10 ** (-10 / 20))


def test_split_gain_is_exact_to_a_tenth_of_a_db_down_to_minus_50() -> None:
    for db in np.arange(-50.0, 0.0001, 0.05):
        target = 10 ** (db / 20)
        chunk, pan = g.split_gain(target)
        assert 1 <= chunk <= 128 and 0 <= pan <= 255
        assert 20 * math.log10(g.applied_gain(chunk, pan)) == pytest.approx(db, abs=0.1)
    assert g.split_gain(0.0) == (0, 255)
    assert g.split_gain(1.0) == (128, 255)


def test_equal_power_curves_keep_the_power_of_a_crossfade() -> None:
    for x in np.linspace(0, 1, 41):
        assert g.envelope(0, 1, x) ** 2 + g.envelope(1, 0, x) ** 2 == pytest.approx(1.0)
    assert g.envelope(0.5, 0.0, 0.0) == 0.5 and g.envelope(0.5, 0.0, 1.0) == 0.0
    assert g.envelope(1.0, 0.0, 0.5, "smooth") == pytest.approx(0.5)
    assert g.envelope(1.0, 0.0, 0.99, "smooth") < 0.001  # lands softly
    assert g.envelope(10.0, 20.0, 0.25, "linear") == 12.5
