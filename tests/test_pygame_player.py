"""The real player on the real mixer (SDL's disk driver), checked on the samples it wrote."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from device.audio import gain as g
from device.audio.library import Library
from device.audio.pygame_player import PygamePlayer
from device.audio.synth import TARGET_LUFS
from device.config.schema import SoundsConfig
from device.runtime.clock import RealClock
from tests.support.audio import (
    disk_mixer,
    last_sound,
    longest_zero_run,
    noise_file,
    rms_db,
    sine_file,
    windowed_rms_db,
)

FULL = SoundsConfig(volume=100.0, max_volume=100.0, ceiling_db=0.0, buffer_samples=512)


def make_player(
    tmp_path: Path, config: SoundsConfig = FULL, health_check: float = 2.0
) -> tuple[PygamePlayer, list[tuple[str, str]]]:
    library = Library(tmp_path / "sounds", tmp_path / "cache")
    player = PygamePlayer(library, config, RealClock(), health_check)
    failures: list[tuple[str, str]] = []
    player.set_failure_callback(lambda trigger, reason: failures.append((trigger, reason)))
    return player, failures


@pytest.fixture
def sounds(tmp_path: Path) -> Path:
    folder = tmp_path / "sounds"
    folder.mkdir()
    return folder


def test_loop_is_sample_exact_with_no_gap_over_ten_loops(tmp_path: Path, sounds: Path) -> None:
    noise_file(sounds / "hiss.wav", 1.0, 0.05, seed=1)
    with disk_mixer(tmp_path, FULL, realtime=False) as out:
        player, failures = make_player(tmp_path)
        loop = player.library.load("hiss").astype(np.float32).astype(np.float64)
        player.play("hiss", 100.0, 0.0)
        time.sleep(0.4)  # the fade-in (50 ms) is over; then the driver free-runs through many loops
        player.close()
    assert not failures
    n = loop.shape[0]
    tail = out.samples[-12 * n :]
    offset = next(i for i in range(n) if np.array_equal(tail[i : i + 64], loop[:64]))
    played = tail[offset : offset + 10 * n]
    assert played.shape[0] == 10 * n
    np.testing.assert_array_equal(played, np.tile(loop, (10, 1)))
    assert longest_zero_run(played) < 3
    seam_jump = np.abs(loop[0] - loop[-1]).max()
    assert seam_jump <= np.percentile(np.abs(np.diff(loop, axis=0)), 99.9)


def test_fade_out_reaches_silence_smoothly_and_never_cuts(tmp_path: Path, sounds: Path) -> None:
    noise_file(sounds / "hiss.wav", 2.0, 0.1, seed=2)
    with disk_mixer(tmp_path, FULL, realtime=True) as out:
        player, _ = make_player(tmp_path)
        own_jump = np.abs(np.diff(player.library.load("hiss"), axis=0)).max() + 1e-6
        player.play("hiss", 100.0, 0.2)
        time.sleep(0.5)
        fade_from = out.mark()
        player.fade_out(0.6)
        time.sleep(1.0)
        assert player.playing == ()
        player.close()
    x = out.samples
    end = last_sound(x)
    assert 0 < end < x.shape[0] - 4410, "silence after the fade"
    assert not x[end:].any()
    steady = rms_db(x[fade_from - 8820 : fade_from - 2205])
    assert rms_db(x[end - 2205 : end]) < steady - 30.0, "the last 50 ms before silence are faded, not cut"
    levels = windowed_rms_db(x[fade_from:end], 2205)
    assert np.all(np.diff(levels) < 1.0), "the fade goes only down"
    assert np.abs(np.diff(x[fade_from : end + 10], axis=0)).max() <= own_jump, "no click during or at the end"


def test_crossfade_keeps_level_within_1_5_db(tmp_path: Path, sounds: Path) -> None:
    noise_file(sounds / "quiet.wav", 3.0, 0.02, seed=3)
    noise_file(sounds / "loud.wav", 3.0, 0.2, seed=4, low=200.0, high=6000.0)
    with disk_mixer(tmp_path, FULL, realtime=True) as out:
        player, failures = make_player(tmp_path)
        player.play("quiet", 100.0, 0.05)
        time.sleep(0.4)
        start = out.mark()
        player.crossfade("loud", 0.8)
        time.sleep(1.3)
        stop = out.mark()
        player.close()
    assert not failures
    levels = windowed_rms_db(out.samples[start - 8820 : stop], 4410)
    reference = float(np.median(levels))
    assert np.all(np.abs(levels - reference) <= 1.5), levels - reference


def test_volume_scale_and_max_volume_in_the_output(tmp_path: Path, sounds: Path) -> None:
    sine_file(sounds / "tone.wav", 2.0, 0.1)
    config = SoundsConfig(volume=100.0, max_volume=60.0, floor_db=-50.0, ceiling_db=0.0)
    levels = {}
    loop = int(1.5 * 44100)  # 2 s, less the 0.5 s that crossfades into the start
    for volume in (100.0, 60.0, 1.0):
        with disk_mixer(tmp_path, config, realtime=False) as out:
            player, _ = make_player(tmp_path, config)
            player.play("tone", volume, 0.0)
            time.sleep(0.2)
            player.close()
        levels[volume] = rms_db(out.samples[-3 * loop :])  # whole loops: the seam crossfade is in them
    expected_60 = g.volume_to_db(60.0, -50.0, 0.0)
    tone_at_full = levels[60.0] - expected_60  # the tone's level at gain 1
    assert levels[100.0] == pytest.approx(levels[60.0], abs=0.05), "nothing goes above max_volume"
    assert levels[1.0] - tone_at_full == pytest.approx(-50.0, abs=0.2), "volume 1 is the floor, exactly"


def test_matched_loudness_of_recordings_in_the_output(tmp_path: Path, sounds: Path) -> None:
    from device.audio.loudness import integrated_loudness

    noise_file(sounds / "a.wav", 2.0, 0.01, seed=5)
    noise_file(sounds / "b.wav", 2.0, 0.3, seed=6, low=400.0, high=3000.0)
    measured = []
    for name in ("a", "b"):
        with disk_mixer(tmp_path, FULL, realtime=False) as out:
            player, _ = make_player(tmp_path)
            player.play(name, 100.0, 0.0)
            time.sleep(0.2)
            player.close()
        measured.append(integrated_loudness(out.samples[-5 * 44100 :], 44100))
    assert measured == pytest.approx([TARGET_LUFS, TARGET_LUFS], abs=1.0)


def test_broken_trigger_is_reported_and_the_next_one_plays(tmp_path: Path, sounds: Path) -> None:
    (sounds / "corrupt.ogg").write_bytes(b"OggS" + bytes(range(256)) * 20)
    good = noise_file(sounds / "good.wav", 1.5, 0.1, seed=7)
    later = noise_file(sounds / "later.wav", 1.5, 0.1, seed=8)
    with disk_mixer(tmp_path, FULL, realtime=False) as out:
        player, failures = make_player(tmp_path)
        assert player.triggers() == (
            ("rain", "brushing", "tapping", "typing", "whisper", "crinkle", "pouring", "ocean", "pink", "brown")
            + ("good", "later"),
            ("corrupt",),
        )
        later.write_bytes(b"RIFF\x00\x00")  # breaks after the scan, before it plays
        player.play("corrupt", 100.0, 0.0)
        player.play("later", 100.0, 0.0)
        player.play("../sounds/good.wav", 100.0, 0.0)
        assert [f[0] for f in failures] == ["corrupt", "later", "../sounds/good.wav"]
        player.play(good.stem, 100.0, 0.0)  # what the controller does next: another trigger
        time.sleep(0.2)
        assert player.playing == ("good",)
        player.close()
    assert np.abs(out.samples[-4410:]).max() > 0.01
    assert "later" in player.library.names() or ("later" in [b.name for b in player.library.broken()])


def test_close_twice_and_commands_after_close(tmp_path: Path, sounds: Path) -> None:
    noise_file(sounds / "hiss.wav", 1.0, 0.05, seed=9)
    with disk_mixer(tmp_path, FULL, realtime=False):
        player, _ = make_player(tmp_path)
        player.play("hiss", 50.0, 0.1)
        player.close()
        player.close()
        player.play("hiss", 50.0, 0.1)
        assert player.playing == ()


def test_a_voice_that_stops_by_itself_is_reported(tmp_path: Path, sounds: Path) -> None:
    import pygame

    noise_file(sounds / "hiss.wav", 1.0, 0.05, seed=10)
    with disk_mixer(tmp_path, FULL, realtime=False):
        player, failures = make_player(tmp_path, health_check=0.02)
        player.play("hiss", 50.0, 0.0)
        time.sleep(0.1)
        assert failures == []
        pygame.mixer.stop()  # what a lost output device or a mixer error looks like from here
        deadline = time.monotonic() + 2.0
        while not failures and time.monotonic() < deadline:
            time.sleep(0.01)
        player.close()
    assert failures == [("hiss", "stopped playing unexpectedly")]
    assert player.playing == ()


def test_a_burst_of_commands_never_runs_out_of_channels(tmp_path: Path, sounds: Path) -> None:
    noise_file(sounds / "a.wav", 1.0, 0.05, seed=11)
    noise_file(sounds / "b.wav", 1.0, 0.05, seed=12)
    with disk_mixer(tmp_path, FULL, realtime=False):
        player, failures = make_player(tmp_path)
        for i in range(40):
            player.crossfade("ab"[i % 2], 5.0)
        assert player.playing == ("b",)
        player.close()
    assert failures == []


def test_the_output_closes_when_idle_and_opens_again_for_the_next_sound(tmp_path: Path, sounds: Path) -> None:
    import pygame

    noise_file(sounds / "hiss.wav", 1.0, 0.05, seed=13)
    with disk_mixer(tmp_path, FULL, realtime=False):
        library = Library(tmp_path / "sounds", tmp_path / "cache")
        player = PygamePlayer(library, FULL, RealClock(), health_check=2.0, idle_close=0.3)
        player.play("hiss", 50.0, 0.0)
        time.sleep(0.5)
        assert pygame.mixer.get_init() is not None  # playing: never closed
        player.fade_out(0.05)
        deadline = time.monotonic() + 3.0
        while pygame.mixer.get_init() is not None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert pygame.mixer.get_init() is None
        player.play("hiss", 50.0, 0.0)
        assert pygame.mixer.get_init() is not None
        time.sleep(0.1)
        assert player.playing == ("hiss",)
        player.close()
