"""Recordings of any length: streaming loudness, streamed playback on the real mixer, loops, damage, big folders."""

from __future__ import annotations

import logging
import math
import threading
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from device.audio import synth
from device.audio import triggers as triggers_module
from device.audio.dsp import RATE
from device.audio.library import Library
from device.audio.loudness import LoudnessMeter, integrated_loudness
from device.audio.pygame_player import CHUNK_FRAMES, PygamePlayer
from device.audio.recording import Reader, decode_file, measure_file
from device.config.schema import SoundsConfig
from device.runtime.clock import RealClock
from tests.support.audio import disk_mixer, long_recording, longest_zero_run, windowed_rms_db

FULL = SoundsConfig(volume=100.0, max_volume=100.0, ceiling_db=0.0, buffer_samples=512)


@pytest.fixture
def sounds(tmp_path: Path) -> Path:
    folder = tmp_path / "sounds"
    folder.mkdir()
    return folder


@pytest.fixture
def stream_short(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stream every recording above 2 s, so a loop comes round within a test's few seconds."""
    monkeypatch.setattr(triggers_module, "STREAM_ABOVE_S", 2.0)


def player_on(tmp_path: Path, **library_args: object) -> tuple[PygamePlayer, list[tuple[str, str]]]:
    library = Library(tmp_path / "sounds", tmp_path / "cache", **library_args)  # type: ignore[arg-type]
    player = PygamePlayer(library, FULL, RealClock(), health_check=0.1)
    failures: list[tuple[str, str]] = []
    player.set_failure_callback(lambda trigger, reason: failures.append((trigger, reason)))
    return player, failures


# -- loudness as a stream -----------------------------------------------------------------------------


@pytest.mark.parametrize(("rate", "channels"), [(22050, 1), (44100, 2), (48000, 2), (96000, 1)])
def test_the_streaming_meter_matches_the_whole_signal_meter_at_every_rate(rate: int, channels: int) -> None:
    rng = np.random.default_rng(rate)
    signal = rng.standard_normal((int(23.3 * rate), channels)) * 0.05
    signal[: signal.shape[0] // 3] *= 0.02  # a quiet third, for the relative gate to drop
    meter = LoudnessMeter(rate, channels)
    start = 0
    while start < signal.shape[0]:  # blocks of every size, some shorter than a 400 ms block
        size = int(rng.integers(1, 3 * rate))
        meter.add(signal[start : start + size])
        start += size
    assert meter.integrated() == pytest.approx(integrated_loudness(signal, rate), abs=0.005)


def test_a_file_is_measured_as_it_plays_in_memory_that_does_not_grow_with_its_length(tmp_path: Path) -> None:
    short = long_recording(tmp_path / "short.flac", 60.0, rate=22050, channels=1)
    lufs, seconds = measure_file(short)
    assert seconds == pytest.approx(60.0)
    assert lufs == pytest.approx(integrated_loudness(decode_file(short), RATE), abs=0.05)  # mono plays on both sides
    peaks = []
    for minutes in (1, 6):
        path = long_recording(tmp_path / f"{minutes}.flac", minutes * 60.0, rate=22050, channels=1)
        tracemalloc.start()
        measure_file(path)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    decoded = 6 * 60 * RATE * 2 * 4
    assert peaks[1] < 20e6 < decoded, "a few MB at most, far from the decoded file"
    assert peaks[1] < peaks[0] * 1.2, "ten times longer, no more memory"
    assert measure_file(path, 30.0)[1] == pytest.approx(6 * 60.0), "a provisional figure still gives the length"


# -- streamed playback on the real mixer ---------------------------------------------------------------


@pytest.mark.parametrize(("rate", "channels"), [(22050, 1), (48000, 2), (96000, 1)])
def test_a_long_recording_streams_resampled_with_no_gap_and_matched_loudness(
    tmp_path: Path, sounds: Path, rate: int, channels: int
) -> None:
    long_recording(sounds / "night.flac", 180.0, rate=rate, channels=channels, level=0.01)
    with disk_mixer(tmp_path, FULL, realtime=True) as out:
        player, failures = player_on(tmp_path)
        assert player.library.get("night").streamed
        player.play("night", 100.0, 0.0)
        time.sleep(3.5)  # two chunks and more: the queue was refilled
        held = [sum(s.get_length() for s in v.sounds) for v in player._voices]
        player.close()
    assert failures == []
    assert held and held[0] <= 2 * CHUNK_FRAMES / RATE + 1e-6, "two chunks held, whatever the length"
    sounding = np.flatnonzero(np.any(out.samples != 0, axis=1))
    played = out.samples[sounding[0] + 2205 : sounding[-1]]
    assert played.shape[0] > 2.5 * RATE
    assert longest_zero_run(played) < 3
    assert integrated_loudness(played, RATE) == pytest.approx(synth.TARGET_LUFS, abs=1.0)
    if channels == 1:
        np.testing.assert_array_equal(played[:, 0], played[:, 1])


def test_a_streamed_loop_repeats_with_an_equal_power_crossfade_sample_for_sample(
    tmp_path: Path, sounds: Path, stream_short: None
) -> None:
    long_recording(sounds / "short.wav", 3.0, rate=48000, channels=2, level=0.05)
    with disk_mixer(tmp_path, FULL, realtime=True) as out:
        player, failures = player_on(tmp_path, loop_overlap_s=0.5, start_at="start")
        reference = player.library.open_stream("short")
        expected = reference.chunk(int(9 * RATE)).astype(np.float64)
        reference.close()
        player.play("short", 100.0, 0.0)
        time.sleep(7.0)  # two repeats at least
        player.close()
    assert failures == []
    x = out.samples
    at = int(0.5 * RATE)  # past the 50 ms fade-in: gain 1 exactly from here
    candidates = np.flatnonzero(x[:, 0] == expected[at, 0])
    begin = next(int(i) - at for i in candidates if np.array_equal(x[i : i + 64], expected[at : at + 64]))
    np.testing.assert_array_equal(x[begin + at : begin + 6 * RATE], expected[at : 6 * RATE])
    loop = int(2.5 * RATE)  # 3 s less the 0.5 s crossfade into the start
    levels = windowed_rms_db(expected[loop - RATE : 2 * loop + RATE], 2205)
    assert np.ptp(levels) < 3.0, "no dip and no bump at the repeats"
    jumps = np.abs(np.diff(expected, axis=0)).max(axis=1)
    assert jumps[loop - 200 : loop + 200].max() <= np.percentile(jumps, 99.99), "no click at the seam"


def test_the_next_session_resumes_where_the_last_stopped_or_starts_at_random(tmp_path: Path, sounds: Path) -> None:
    long_recording(sounds / "long.flac", 90.0, rate=22050, channels=1)
    library = Library(sounds, tmp_path / "cache")
    stream = library.open_stream("long")
    stream.chunk(10 * RATE)
    library.remember_position("long", stream.position)
    stopped = stream.position
    stream.close()

    def start_of(library: Library) -> int:
        opened = library.open_stream("long")
        opened.close()
        return opened.position

    assert start_of(Library(sounds, tmp_path / "cache")) == stopped  # after a restart too
    randomly = Library(sounds, tmp_path / "cache", start_at="random")
    starts = {start_of(randomly) for _ in range(5)}
    assert len(starts) == 5 and all(0 <= s < 90 * 22050 for s in starts)
    assert start_of(Library(sounds, tmp_path / "cache", start_at="start")) == 0


def test_a_player_remembers_where_a_recording_stopped(tmp_path: Path, sounds: Path) -> None:
    long_recording(sounds / "long.flac", 60.0, rate=44100, channels=2)
    with disk_mixer(tmp_path, FULL, realtime=True):
        player, failures = player_on(tmp_path)
        player.play("long", 100.0, 0.0)
        time.sleep(0.3)
        player.fade_out(0.1)
        time.sleep(0.6)
        assert player.playing == ()
        player.close()
    assert failures == []
    resumed = Library(sounds, tmp_path / "cache").open_stream("long")
    resumed.close()
    assert resumed.position >= CHUNK_FRAMES


# -- damage found while playing ----------------------------------------------------------------------------


def test_a_recording_truncated_half_way_through_a_loop_fades_out_and_is_marked_broken(
    tmp_path: Path, sounds: Path, stream_short: None
) -> None:
    path = long_recording(sounds / "copy.wav", 8.0, rate=44100, channels=2, level=0.05)
    with disk_mixer(tmp_path, FULL, realtime=True) as out:
        player, failures = player_on(tmp_path, start_at="start")
        player.play("copy", 100.0, 0.0)
        time.sleep(0.3)
        with path.open("r+b") as f:  # what an SD card read error or a half-done copy leaves
            f.truncate(path.stat().st_size // 2)
        deadline = time.monotonic() + 6.0
        while not failures and time.monotonic() < deadline:
            time.sleep(0.05)
        damaged_at = out.mark()
        time.sleep(1.0)
        assert player.playing == ()
        player.close()
    assert len(failures) == 1 and failures[0][0] == "copy"
    assert "truncated" in failures[0][1]
    assert [b.name for b in player.library.broken()] == ["copy"] and "copy" not in player.library.names()
    x = out.samples
    assert not x[damaged_at + RATE :].any(), "gone within a second"
    end = int(np.flatnonzero(np.any(x != 0, axis=1))[-1])
    assert np.abs(x[end - 220 : end + 1]).max() < 0.01, "faded, not cut"
    assert Library(sounds, tmp_path / "cache").broken()[0].reason == failures[0][1], "still broken after a restart"


# -- start-up and big folders --------------------------------------------------------------------------------


def test_the_library_is_ready_at_once_and_files_appear_as_they_are_measured(tmp_path: Path, sounds: Path) -> None:
    for i in range(3):
        long_recording(sounds / f"long{i}.flac", 4 * 60.0, rate=22050, channels=1, seed=i)
    changes: list[tuple[str, ...]] = []
    measured = threading.Event()

    def changed() -> None:
        changes.append(library.names())
        if library.unmeasured() == 0:
            measured.set()

    library = Library(sounds, tmp_path / "cache", background=True)
    library.set_change_callback(changed)
    assert "long0" not in library.names() or library.unmeasured() < 3
    assert measured.wait(60)
    library.close()
    assert [sum(n.startswith("long") for n in names) for names in changes][:3] == [1, 2, 3]
    provisional = library.get("long1")
    assert provisional.seconds == pytest.approx(4 * 60.0)
    assert math.isfinite(provisional.loudness)


def test_thousands_of_files_subfolders_symlinks_and_odd_names_each_bad_one_reported_once(
    tmp_path: Path, sounds: Path, caplog: pytest.LogCaptureFixture
) -> None:
    deep = sounds / "2024" / "night walks"
    deep.mkdir(parents=True)
    for i in range(1500):
        (deep / f"take {i:04d}.mp3").write_bytes(b"ID3" + bytes([i % 256]) * 64)  # half-copied MP3s
    long_recording(sounds / "  spaced  name .flac", 2.0)
    long_recording(deep / "rain.wav", 2.0)  # a built-in's name, in a sub-folder
    long_recording(sounds / "ünïcödé — ☾.ogg", 2.0)
    (sounds / "loop").symlink_to(sounds)  # a folder that contains itself
    (sounds / "gone.wav").symlink_to(tmp_path / "nowhere.wav")
    (sounds / "notes.txt").write_text("not a sound")
    with caplog.at_level(logging.WARNING, logger="device.audio.library"):
        started = time.monotonic()
        library = Library(sounds, tmp_path / "cache", background=True)
        assert time.monotonic() - started < 5.0
        deadline = time.monotonic() + 60.0
        while library.unmeasured() and time.monotonic() < deadline:
            time.sleep(0.05)
        library.close()
        library.rescan()
        library.rescan()
    names = set(library.names())
    assert {"spaced  name", "2024/night walks/rain", "ünïcödé — ☾"} <= names  # no blanks at the ends (the hub strips)
    broken = {b.name: b.reason for b in library.broken()}
    assert broken["gone"] == "a symlink to nothing"
    assert len([n for n in broken if n.startswith("2024/night walks/take")]) == 1500
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == len(set(skipped)) == len(broken), "each bad file once"


def test_a_reader_never_holds_more_than_its_block(tmp_path: Path) -> None:
    path = long_recording(tmp_path / "hour.flac", 3600.0, rate=22050, channels=1)
    reader = Reader(path, start=3599 * 22050)
    blocks = list(reader.blocks())
    reader.close()
    assert sum(b.shape[0] for b in blocks) == 22050 and all(b.shape[1] == 2 for b in blocks)
