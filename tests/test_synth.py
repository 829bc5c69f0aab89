"""Each built-in trigger, as shipped (full length, fixed seed), measured for what makes it what it is."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from device.audio import synth
from device.audio.dsp import RATE, read_wav
from device.audio.loudness import integrated_loudness
from tests.support import sound_props as sp

RENDERED: dict[str, np.ndarray] = {}


def rendered(name: str) -> np.ndarray:
    """The shipped render, made once per test run."""
    if name not in RENDERED:
        RENDERED[name] = synth.render(name)
    return RENDERED[name]


@pytest.mark.parametrize("name", list(synth.BUILTINS))
def test_every_builtin_loops_seamlessly_is_matched_and_long(name: str) -> None:
    x = rendered(name)
    assert x.shape == (synth.loop_frames(synth.LOOP_SECONDS), 2)
    assert x.shape[0] >= 30 * RATE, "at least 30 s before it repeats"
    assert sp.repetition(x) < 0.2, "and nothing inside the loop repeats it"
    assert integrated_loudness(x, RATE) == pytest.approx(synth.TARGET_LUFS, abs=1.0)
    assert np.abs(x).max() <= synth.PEAK_CEILING + 1e-9
    assert np.abs(x[0] - x[-1]).max() <= np.percentile(np.abs(np.diff(x, axis=0)), 99.9)
    assert sp.seam_click_db(x) < 3.0, "no click at the seam: it is no louder than the 50 ms around it"


def test_render_is_reproducible_and_cached(tmp_path: Path) -> None:
    short = synth.render("pink", 3.0)
    assert np.array_equal(short, synth.render("pink", 3.0))
    path = synth.cached_wav("pink", tmp_path)
    mtime = path.stat().st_mtime_ns
    assert synth.cached_wav("pink", tmp_path).stat().st_mtime_ns == mtime
    cached, rate = read_wav(path)
    assert rate == RATE and np.abs(cached - rendered("pink")).max() < 1 / 32767


def test_pink_falls_3_db_and_brown_6_db_per_octave() -> None:
    assert sp.octave_slope(rendered("pink")) == pytest.approx(-3.0, abs=0.3)
    assert sp.octave_slope(rendered("brown")) == pytest.approx(-6.0, abs=0.3)


def test_rain_is_dense_short_clicks_over_a_broadband_wash() -> None:
    rain, pink = rendered("rain"), rendered("pink")
    assert sp.transient_rate(rain, 4.0) > 100, "hundreds of drops a second"
    assert sp.transient_rate(pink, 4.0) < 5, "(the measure sees none in plain noise)"
    assert sp.band_fraction(rain, 1000, 10000) > 0.6
    assert sp.frame_levels(rain, 1.0).std() < 1.5, "steady, not in gusts or phrases"


def test_tapping_is_sparse_resonant_taps_in_an_irregular_rhythm() -> None:
    x = rendered("tapping")
    levels = sp.frame_levels(x, 0.01)
    assert (levels < levels.max() - 40).mean() > 0.5, "mostly silence between taps"
    taps = sp.onsets(x)
    assert 0.5 < taps.size / (x.shape[0] / RATE) < 6
    gaps = np.diff(taps)
    assert gaps.std() / gaps.mean() > 0.5, "irregular"
    assert sp.band_fraction(x, 1000, 4500) > 0.7, "resonances around 1-4 kHz"
    decay = [sp.frame_levels(x[int(t * RATE) : int(t * RATE) + 4410], 0.005) for t in taps[:40]]
    assert np.median([d[0] - d[-4:].max() for d in decay]) > 20, "each tap dies away within tens of ms"


def test_typing_is_bursts_of_key_clicks_with_pauses_between_words() -> None:
    x = rendered("typing")
    assert 5.0 <= sp.modulation_peak(x, 2.0, 12.0) <= 10.0, "5-10 key clicks a second"
    gaps = np.diff(sp.onsets(x))
    assert (gaps > 0.25).sum() >= 10, "pauses between words"
    assert (gaps > 0.9).sum() >= 2, "and longer ones between sentences"


def test_whisper_is_unvoiced_high_band_noise_at_a_syllable_rate_with_pauses() -> None:
    x = rendered("whisper")
    assert sp.band_fraction(x, 1500, 8000) > 0.65
    assert sp.voicing(x) < 0.4, "no voiced pitch"
    assert 3.0 <= sp.modulation_peak(x, 2.0, 10.0) <= 6.0, "syllables at 3-6 Hz"
    levels = sp.frame_levels(x, 0.01)
    pauses = sp.runs(levels < np.percentile(levels, 90) - 25, 0.01)
    assert (pauses >= 0.25).sum() >= 10, "short pauses between phrases"


def test_brushing_is_band_passed_noise_in_strokes_of_a_third_to_one_second() -> None:
    x = rendered("brushing")
    assert sp.band_fraction(x, 1000, 10000) > 0.85
    levels = sp.frame_levels(x, 0.01)
    strokes = sp.runs(levels > levels.max() - 20, 0.01)
    assert strokes.size >= 25
    assert 0.3 <= float(np.median(strokes)) <= 1.0


def test_crinkle_is_sparse_very_broadband_crackles() -> None:
    x = rendered("crinkle")
    assert sp.band_fraction(x, 8000, 22050) > 0.25, "very broadband: a quarter of the energy above 8 kHz"
    levels = sp.frame_levels(x, 0.01)
    assert (levels < levels.max() - 40).mean() > 0.4, "quiet between gestures"
    assert sp.transient_rate(x, 4.0) > 20


def test_pouring_is_rising_bubble_chirps_over_a_low_rumble() -> None:
    x = rendered("pouring")
    rising, falling = sp.rising_chirps(x[: 10 * RATE])
    assert rising > 200 and rising > 2 * falling, "bubbles rise in pitch"
    assert sp.band_fraction(x, 20, 300) > 0.2, "a low rumble"
    assert sp.band_fraction(x, 300, 3000) > 0.3


def test_ocean_is_brownish_surf_swelling_every_6_to_12_seconds() -> None:
    x = rendered("ocean")
    assert sp.octave_slope(x) < -3.0
    levels = sp.frame_levels(x, 1.0)
    assert levels.max() - levels.min() > 10, "swells and recedes"
    assert 1 / 12 <= sp.modulation_peak(x, 0.05, 0.3) <= 1 / 6


def test_a_render_whose_child_process_cannot_start_is_done_in_process(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(synth.sys, "executable", str(tmp_path / "no-python-here"))
    with caplog.at_level(logging.WARNING, logger="device.audio.synth"):
        path = synth.cached_wav("brown", tmp_path)
    assert path.is_file() and path.stat().st_size > 1_000_000
    assert "cannot render 'brown' in a child process" in caplog.text
