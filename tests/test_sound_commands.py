"""`hushlight sounds list / rescan / render` as a person runs them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from device.audio.dsp import RATE, read_wav
from device.audio.loudness import integrated_loudness
from device.audio.mixer import close_mixer
from device.cli import main
from tests.support.audio import noise_file


@pytest.fixture(autouse=True)
def fresh_mixer() -> object:
    close_mixer()
    yield None
    close_mixer()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_shows_new_files_without_a_restart_and_broken_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sounds = tmp_path / "sounds"
    sounds.mkdir()
    code, out, _ = run(capsys, "sounds", "list", "--state-dir", str(tmp_path))
    assert code == 0 and "whisper" in out and "10 triggers, 0 broken" in out
    noise_file(sounds / "fan.wav", 2.0, 0.05, seed=1)
    (sounds / "bad.mp3").write_bytes(b"ID3" + bytes(500))
    (sounds / "triggers.toml").write_text('["fan.wav"]\nname = "Bedroom fan"\ntags = ["noise"]\n')
    code, out, _ = run(capsys, "sounds", "rescan", "--state-dir", str(tmp_path))
    assert code == 0
    assert "Bedroom fan" in out and str(sounds / "fan.wav") in out
    assert "bad" in out and "BROKEN" in out and "11 triggers, 1 broken" in out


def test_render_writes_a_wav_to_listen_to(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_file = tmp_path / "pink.wav"
    code, out, _ = run(capsys, "sounds", "render", "pink", "--out", str(out_file), "--state-dir", str(tmp_path))
    assert code == 0 and "pink" in out
    samples, rate = read_wav(out_file)
    assert rate == RATE and samples.shape[0] > 30 * RATE and np.abs(samples).max() > 0.05


def test_render_of_a_long_recording_writes_its_opening_as_it_plays(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from device.audio.synth import TARGET_LUFS
    from tests.support.audio import long_recording

    (tmp_path / "sounds").mkdir()
    long_recording(tmp_path / "sounds" / "hour.ogg", 300.0, rate=48000, channels=1, level=0.3)
    out_file = tmp_path / "hour.wav"
    args = ("sounds", "render", "hour", "--seconds", "20", "--out", str(out_file), "--state-dir", str(tmp_path))
    code, out, _ = run(capsys, *args)
    assert code == 0 and "the first 20.0 s" in out
    samples, rate = read_wav(out_file)
    assert rate == RATE and samples.shape == (20 * RATE, 2)
    assert integrated_loudness(samples, RATE) == pytest.approx(TARGET_LUFS, abs=1.0)


def test_render_of_an_unknown_name_says_which_exist(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(
        capsys, "sounds", "render", "../../etc/passwd", "--out", str(tmp_path / "x.wav"), "--state-dir", str(tmp_path)
    )
    assert code == 2 and "no trigger called '../../etc/passwd'" in err and "rain" in err
    assert not (tmp_path / "x.wav").exists()
