"""The trigger library: built-ins, the user's folder, the sidecar, broken files, rescans, lookups."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pytest

from device.audio import synth
from device.audio.dsp import RATE
from device.audio.library import Library, TriggerUnreadable, UnknownTrigger
from device.audio.loudness import integrated_loudness
from device.audio.recording import decode_file, measure_file
from tests.support.audio import noise_file


class CountingMeasure:
    """The streaming measurement, counting the files it was asked to measure."""

    def __init__(self) -> None:
        self.calls: list[str] = []

    def __call__(self, path: Path, limit_s: float) -> tuple[float, float]:
        self.calls.append(path.name)
        return measure_file(path, limit_s)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    path = tmp_path / "sounds"
    path.mkdir()
    return path


def test_builtins_are_there_with_an_empty_or_missing_folder(tmp_path: Path) -> None:
    library = Library(tmp_path / "nowhere", tmp_path / "cache")
    assert library.names() == tuple(synth.BUILTINS)
    assert library.broken() == ()
    assert library.get("whisper").builtin and library.get("whisper").title == "Soft whisper"


def test_recordings_with_sidecar_names_tags_and_gain(tmp_path: Path, folder: Path) -> None:
    noise_file(folder / "night_rain.wav", 2.0, 0.02, seed=1)
    noise_file(folder / "rain.wav", 2.0, 0.02, seed=2)  # same name as a built-in: keeps its suffix
    (folder / "triggers.toml").write_text(
        '["night_rain.wav"]\nname = "Rain on the tent"\ntags = ["rain", "water"]\ngain_db = -3.5\n'
    )
    library = Library(folder, tmp_path / "cache")
    t = library.get("night_rain")
    assert (t.title, t.tags, t.gain_db, t.path) == (
        "Rain on the tent",
        ("rain", "water"),
        -3.5,
        folder / "night_rain.wav",
    )
    assert library.get("rain.wav").path == folder / "rain.wav"
    assert library.get("rain").builtin
    assert t.loudness == pytest.approx(integrated_loudness(decode_file(t.path), RATE))


def test_names_are_looked_up_never_joined_to_paths(tmp_path: Path, folder: Path) -> None:
    noise_file(folder / "a.wav", 2.0, 0.05, seed=1)
    library = Library(folder, tmp_path / "cache")
    for name in ("../sounds/a.wav", "a.wav", str(folder / "a.wav"), "/etc/passwd", "", "A"):
        with pytest.raises(UnknownTrigger):
            library.load(name)
    assert library.load("a").shape[1] == 2


def test_broken_files_are_listed_with_one_log_line_each(
    tmp_path: Path, folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    noise_file(folder / "good.wav", 2.0, 0.05, seed=1)
    (folder / "empty.wav").write_bytes(b"")
    (folder / "garbage.flac").write_bytes(os.urandom(3000))
    noise_file(folder / "blip.wav", 0.2, 0.05, seed=2)
    noise_file(folder / "silent.wav", 2.0, 0.0, seed=3)
    (folder / "triggers.toml").write_text('["gone.mp3"]\nname = "Gone"\n')
    with caplog.at_level(logging.WARNING, logger="device.audio.library"):
        library = Library(folder, tmp_path / "cache")
        library.rescan()
        library.rescan()
    reasons = {b.name: b.reason for b in library.broken()}
    assert reasons["empty"] == "empty file"
    assert reasons["garbage"].startswith("cannot decode")
    assert reasons["blip"].startswith("too short")
    assert reasons["silent"].startswith("silent")
    assert reasons["gone.mp3"] == "listed in triggers.toml but missing"
    assert library.names()[-1] == "good"
    assert len(caplog.records) == 5, [r.getMessage() for r in caplog.records]
    assert all(r.getMessage().startswith("trigger '") for r in caplog.records)


def test_rescan_picks_up_new_and_changed_files_and_decodes_each_once(tmp_path: Path, folder: Path) -> None:
    decoder = CountingMeasure()
    noise_file(folder / "one.wav", 2.0, 0.05, seed=1)
    library = Library(folder, tmp_path / "cache", decoder)
    assert "two" not in library.names()
    noise_file(folder / "two.wav", 2.0, 0.05, seed=2)
    library.rescan()
    assert "two" in library.names()
    assert decoder.calls == ["one.wav", "two.wav"]
    # A new process (a restart, or `hushlight sounds list`) reuses the measured loudness
    Library(folder, tmp_path / "cache", decoder)
    assert decoder.calls == ["one.wav", "two.wav"]
    (folder / "two.wav").write_bytes(b"RIFF....WAVE")
    library.rescan()
    assert "two" not in library.names() and [b.name for b in library.broken()] == ["two"]


def test_bad_sidecar_entries_are_ignored_with_a_clear_message(
    tmp_path: Path, folder: Path, caplog: pytest.LogCaptureFixture
) -> None:
    noise_file(folder / "a.wav", 2.0, 0.05, seed=1)
    noise_file(folder / "b.wav", 2.0, 0.05, seed=2)
    (folder / "triggers.toml").write_text('["a.wav"]\ngain = 3\n["b.wav"]\ngain_db = 40\nname = "Bee"\n')
    with caplog.at_level(logging.WARNING):
        library = Library(folder, tmp_path / "cache")
    assert library.get("a").title == "a" and library.get("b").title == "Bee" and library.get("b").gain_db == 0.0
    messages = " | ".join(r.getMessage() for r in caplog.records)
    assert '["a.wav"]' in messages and "gain" in messages and '["b.wav"].gain_db' in messages
    (folder / "triggers.toml").write_text("this is not toml [")
    with caplog.at_level(logging.WARNING):
        library.rescan()
    assert "not readable TOML" in caplog.records[-1].getMessage()
    assert library.get("b").title == "b"


def test_a_recording_is_matched_and_made_to_loop_seamlessly(tmp_path: Path, folder: Path) -> None:
    noise_file(folder / "quiet.wav", 3.0, 0.003, seed=4)
    library = Library(folder, tmp_path / "cache")
    samples = library.load("quiet")
    assert integrated_loudness(samples, RATE) == pytest.approx(synth.TARGET_LUFS, abs=0.5)
    assert samples.shape[0] == int(3.0 * RATE) - int(0.75 * RATE)  # a quarter of a short file overlaps
    seam = np.abs(samples[0] - samples[-1]).max()
    assert seam <= np.percentile(np.abs(np.diff(samples, axis=0)), 99.9)


def test_a_file_that_breaks_after_the_scan_is_marked_broken_when_loaded(tmp_path: Path, folder: Path) -> None:
    path = noise_file(folder / "a.wav", 2.0, 0.05, seed=1)
    library = Library(folder, tmp_path / "cache")
    path.unlink()
    with pytest.raises(TriggerUnreadable):
        library.load("a")
    assert "a" not in library.names() and library.broken()[0].name == "a"


def test_a_builtin_plays_even_when_the_cache_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    library = Library(None, blocker)
    samples = library.load("brown")
    assert samples.shape[0] >= 30 * RATE
    assert integrated_loudness(samples, RATE) == pytest.approx(synth.TARGET_LUFS, abs=0.1)
