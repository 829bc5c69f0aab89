"""Our BS.1770 meter against the standard's own numbers and against pyloudnorm."""

from __future__ import annotations

import math

import numpy as np
import pyloudnorm
import pytest

from device.audio.loudness import gain_to, highpass_coefficients, integrated_loudness, shelf_coefficients


def sine(rate: int, seconds: float, dbfs: float, freq: float = 997.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    s = 10 ** (dbfs / 20) * np.sin(2 * math.pi * freq * t)
    return np.stack([s, s], axis=1)


def test_filters_at_48k_are_the_standards_coefficients() -> None:
    # ITU-R BS.1770-4, tables 1 and 2
    b, a = shelf_coefficients(48000)
    assert b == pytest.approx((1.53512485958697, -2.69169618940638, 1.19839281085285), abs=1e-9)
    assert a == pytest.approx((1.0, -1.69065929318241, 0.73248077421585), abs=1e-9)
    b, a = highpass_coefficients(48000)
    assert b == (1.0, -2.0, 1.0)
    assert a == pytest.approx((1.0, -1.99004745483398, 0.99007225036621), abs=1e-9)


@pytest.mark.parametrize("rate", [44100, 48000])
@pytest.mark.parametrize("dbfs", [-20.0, -23.0])
def test_full_scale_sine_on_both_channels_reads_its_level(rate: int, dbfs: float) -> None:
    # EBU Tech 3341 case 1: a 1 kHz sine at -23 dBFS on both channels reads -23.0 LUFS ±0.1
    assert integrated_loudness(sine(rate, 20.0, dbfs), rate) == pytest.approx(dbfs, abs=0.1)


def test_gates_ignore_silence_and_quiet_parts() -> None:
    # EBU Tech 3341 case 3 in spirit: -36 dBFS, -23 dBFS, -36 dBFS tones read -23 (the quiet ones are gated)
    rate = 48000
    x = np.concatenate([sine(rate, 10, -36), sine(rate, 60, -23), sine(rate, 10, -36), np.zeros((rate * 5, 2))])
    assert integrated_loudness(x, rate) == pytest.approx(-23.0, abs=0.1)
    assert integrated_loudness(np.zeros((rate * 3, 2)), rate) == -math.inf
    assert integrated_loudness(np.zeros((rate // 10, 2)), rate) == -math.inf  # shorter than one block


def signals(rate: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    noise = rng.standard_normal((rate * 8, 2)) * 0.05
    noise[rate * 2 : rate * 4] *= 0.02
    bursts = np.zeros((rate * 6, 2))
    bursts[::4000] = 0.9
    lows = sine(rate, 5, -12, 40.0) + sine(rate, 5, -30, 5000.0)
    return {"noise with a quiet part": noise, "clicks": bursts, "low and high tones": lows, "mono": noise[:, 0]}


@pytest.mark.parametrize("rate", [44100, 48000])
def test_equal_to_pyloudnorm_with_the_standards_filters(rate: int) -> None:
    meter = pyloudnorm.Meter(rate, filter_class="DeMan")  # pyloudnorm's name for the exact BS.1770 filters
    for name, x in signals(rate).items():
        assert integrated_loudness(x, rate) == pytest.approx(meter.integrated_loudness(x), abs=0.01), name


def test_gain_to() -> None:
    assert gain_to(-24.0, -30.0) == pytest.approx(10 ** (6 / 20))
    assert gain_to(-24.0, -math.inf) == 1.0
