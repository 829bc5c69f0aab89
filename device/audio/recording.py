"""Reading the user's recordings a block at a time: soundfile (libsndfile) to decode, soxr to resample.

libsndfile reads WAV, FLAC, OGG/Vorbis, Opus and MP3 (its PyPI wheels carry the library itself, so
nothing else has to be installed on a Pi), seeks in all of them, and reads any block size: a
3-hour file costs the same memory as a 3-second one. Everything here is bounded by the block,
never by the file.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from device.audio.dsp import RATE
from device.errors import HushlightError

BLOCK = 65536  # frames read at once: 1.5 s at 44.1 kHz, 0.5 MB of float32 stereo
# libsndfile's frame count of an MP3 without a length header is an estimate: only a file that ends
# more than this short of it is called truncated.
SHORTFALL_TOLERANCE = 0.02
MIN_SECONDS = 1.0  # shorter files are not triggers

Block = npt.NDArray[np.float32]  # (frames, 2)


class TriggerUnreadable(HushlightError, RuntimeError):
    """A trigger's file could not be read or decoded (or turned out damaged while playing)."""


@dataclass(frozen=True)
class FileInfo:
    rate: int
    channels: int
    frames: int  # at the file's own rate

    @property
    def seconds(self) -> float:
        return self.frames / self.rate

    def mixer_frames(self) -> int:
        """Its length at the mixer's rate."""
        return round(self.frames * RATE / self.rate)


def _soundfile() -> Any:
    import soundfile

    return soundfile


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().replace("\n", " ") or type(exc).__name__
    if isinstance(exc, OSError) and exc.strerror:
        text = exc.strerror
    return text[:200]


def open_file(path: Path) -> Any:
    """An open soundfile.SoundFile, or :class:`TriggerUnreadable` saying why not."""
    sf = _soundfile()
    try:
        if path.stat().st_size == 0:
            raise TriggerUnreadable("empty file")
        handle = sf.SoundFile(str(path))
    except TriggerUnreadable:
        raise
    except (OSError, RuntimeError, ValueError, TypeError) as exc:  # soundfile's LibsndfileError is a RuntimeError
        reason = _reason(exc).replace(str(path), path.name)
        if "not a regular file" in reason and path.is_file():  # what libsndfile says of data it cannot parse
            reason = "not a sound file that libsndfile can read"
        raise TriggerUnreadable(f"cannot decode ({reason})") from exc
    if handle.samplerate <= 0 or handle.channels <= 0:
        handle.close()
        raise TriggerUnreadable(f"cannot decode (rate {handle.samplerate} Hz, {handle.channels} channels)")
    return handle


def probe(path: Path) -> FileInfo:
    handle = open_file(path)
    try:
        return FileInfo(int(handle.samplerate), int(handle.channels), max(int(handle.frames), 0))
    finally:
        handle.close()


def to_stereo(block: npt.NDArray[np.float32]) -> Block:
    """Mono to both sides; of more channels, the first two (front left and right in every layout)."""
    if block.shape[1] == 1:
        return np.repeat(block, 2, axis=1)
    return np.ascontiguousarray(block[:, :2])


class Reader:
    """A file's frames as stereo float32 at its own rate, from ``start``; damage raises TriggerUnreadable."""

    def __init__(self, path: Path, start: int = 0) -> None:
        self.path = path
        self._file = open_file(path)
        self.info = FileInfo(int(self._file.samplerate), int(self._file.channels), max(int(self._file.frames), 0))
        self.position = min(max(start, 0), self.info.frames)
        if self.position:
            self._call(self._file.seek, self.position)

    def read(self, frames: int) -> Block:
        """Up to ``frames`` frames; fewer (or none) only at the end the file's header promised."""
        want = min(frames, self.info.frames - self.position)
        if want <= 0:
            return np.zeros((0, 2), np.float32)
        block = self._call(self._file.read, want, dtype="float32", always_2d=True)
        self.position += block.shape[0]
        if block.shape[0] < want and self.position < self.info.frames * (1.0 - SHORTFALL_TOLERANCE) - self.info.rate:
            raise TriggerUnreadable(
                f"damaged or truncated: it ends at {self.position / self.info.rate:.1f} s"
                f" of the {self.info.seconds:.1f} s its header gives"
            )
        return to_stereo(block)

    def blocks(self, size: int = BLOCK) -> Iterator[Block]:
        while True:
            block = self.read(size)
            if block.shape[0] == 0:
                return
            yield block

    def _call(self, method: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, **kwargs)
        except (OSError, RuntimeError, ValueError) as exc:
            raise TriggerUnreadable(f"damaged at {self.position / self.info.rate:.1f} s ({_reason(exc)})") from exc

    def close(self) -> None:
        self._file.close()


class Resampler:
    """Stereo blocks from ``rate`` to the mixer's rate, a block at a time (soxr keeps the filter's state)."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self._stream: Any = None
        if rate != RATE:
            import soxr

            self._stream = soxr.ResampleStream(rate, RATE, 2, dtype="float32", quality="HQ")

    def __call__(self, block: Block, last: bool = False) -> Block:
        if self._stream is None:
            return block
        return np.asarray(self._stream.resample_chunk(block, last=last), dtype=np.float32).reshape(-1, 2)


def decode_file(path: Path) -> npt.NDArray[np.float64]:
    """The whole file as (frames, 2) float at the mixer's rate: for short files only."""
    reader = Reader(path)
    try:
        resample = Resampler(reader.info.rate)
        parts = [resample(b) for b in reader.blocks()]
        parts.append(resample(np.zeros((0, 2), np.float32), last=True))
    finally:
        reader.close()
    return np.concatenate(parts).astype(np.float64)


def write_blocks(path: Path, blocks: Iterator[npt.NDArray[np.floating]], rate: int, channels: int) -> None:
    """Encode blocks of float samples to ``path`` (format from the suffix; MP3 and Opus as libsndfile names them)."""
    sf = _soundfile()
    suffix = path.suffix.lower()
    options: dict[str, str] = {
        ".mp3": {"format": "MP3", "subtype": "MPEG_LAYER_III"},
        ".opus": {"format": "OGG", "subtype": "OPUS"},
        ".ogg": {"format": "OGG", "subtype": "VORBIS"},
    }.get(suffix, {})
    with sf.SoundFile(str(path), "w", rate, channels, **options) as out:
        for block in blocks:
            out.write(np.asarray(block, dtype=np.float32))


def measure_file(path: Path, limit_s: float = math.inf) -> tuple[float, float]:
    """(integrated loudness in LUFS as it plays, the file's length in seconds), decoding block by block.

    With ``limit_s`` only the first that many seconds are measured (a provisional figure). Mono is
    measured as it plays, on both sides. TriggerUnreadable if it cannot be decoded, is damaged, or
    is silent.
    """
    from device.audio.loudness import LoudnessMeter

    reader = Reader(path)
    if reader.info.seconds < MIN_SECONDS:
        reader.close()
        raise TriggerUnreadable(f"too short ({reader.info.seconds:.2f} s; at least {MIN_SECONDS:g} s)")
    try:
        meter = LoudnessMeter(RATE, 2)  # at the mixer's rate: what is measured is what plays
        resample = Resampler(reader.info.rate)
        limit = reader.info.frames if math.isinf(limit_s) else int(limit_s * reader.info.rate)
        for block in reader.blocks():
            meter.add(resample(block))
            if reader.position >= limit:
                break
        else:
            meter.add(resample(np.zeros((0, 2), np.float32), last=True))
        seconds = reader.info.seconds if reader.position >= limit else reader.position / reader.info.rate
    finally:
        reader.close()
    lufs = meter.integrated()
    if not math.isfinite(lufs):
        raise TriggerUnreadable("silent (no loudness above -70 LUFS)")
    return lufs, seconds
