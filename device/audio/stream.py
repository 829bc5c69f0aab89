"""A trigger as an endless stream of mixer-ready chunks: decoded, looped, resampled and matched on the fly.

A recording's end does not match its start, so each repeat is an equal-power crossfade of its last
``overlap`` frames into its first (two readers of the same file, one for the end and one for the
start: no more of the file is held than two blocks). A built-in's cached loop is seamless by
construction and wraps with no crossfade. The crossfade happens at the file's own rate, so one
resampler sees one continuous signal and no seam can come from the filter.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import numpy as np

from device.audio.dsp import RATE
from device.audio.recording import BLOCK, Block, FileInfo, Reader, Resampler, TriggerUnreadable

MIN_FRAMES_AHEAD = 2 * BLOCK


class FileLoop:
    """A file's frames at its own rate, from ``start``, repeating for ever with a crossfade of ``overlap`` frames."""

    def __init__(self, path: Path, start: int, overlap_s: float) -> None:
        self.path = path
        self._main = Reader(path)
        self.info: FileInfo = self._main.info
        frames = self.info.frames
        if frames < 2:
            self._main.close()
            raise TriggerUnreadable("no samples")
        self.overlap = min(int(overlap_s * self.info.rate), frames // 4)
        loop_end = frames - self.overlap
        if 0 < start < loop_end:
            self._main.close()
            self._main = Reader(path, start)
        x = (np.arange(self.overlap) + 0.5) / max(self.overlap, 1) * (math.pi / 2)
        self._fade_in = np.sin(x).astype(np.float32)[:, None]
        self._fade_out = np.cos(x).astype(np.float32)[:, None]
        self._head: Reader | None = None  # the start, read during the crossfade

    @property
    def position(self) -> int:
        """Frame of the file (at its own rate) that the next read starts from."""
        return self._main.position

    def read(self, frames: int) -> Block:
        """The next ``frames`` frames (never fewer)."""
        parts: list[Block] = []
        wanted = frames
        while wanted > 0:
            part = self._next(wanted)
            parts.append(part)
            wanted -= part.shape[0]
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _next(self, wanted: int) -> Block:
        main = self._main
        fade_from = self.info.frames - self.overlap
        if main.position < fade_from:
            return self._from_main(min(wanted, fade_from - main.position))
        if self.overlap == 0 or main.position >= self.info.frames:
            self._wrap()
            return np.zeros((0, 2), np.float32)
        if self._head is None:
            self._head = Reader(self.path)
        offset = main.position - fade_from
        tail = self._from_main(min(wanted, self.info.frames - main.position))
        count = tail.shape[0]
        head = self._head.read(count)
        if head.shape[0] < count:
            raise TriggerUnreadable(f"damaged or truncated: it ends at {self._head.position / self.info.rate:.1f} s")
        return tail * self._fade_out[offset : offset + count] + head * self._fade_in[offset : offset + count]

    def _from_main(self, count: int) -> Block:
        block = self._main.read(count)
        if block.shape[0] < count:  # within the tolerance of an estimated length (MP3): the file ends here
            self.info = FileInfo(self.info.rate, self.info.channels, self._main.position)
            if self.info.frames < 4 * max(self.overlap, 1):
                raise TriggerUnreadable(f"damaged or truncated: it ends at {self.info.seconds:.1f} s")
        return block

    def _wrap(self) -> None:
        old, self._main = self._main, self._head or Reader(self.path)
        self._head = None
        old.close()

    def close(self) -> None:
        self._main.close()
        if self._head is not None:
            self._head.close()


class ArrayLoop:
    """An in-memory seamless loop (a built-in rendered when its cache cannot be written)."""

    def __init__(self, samples: Block) -> None:
        self.samples = samples
        self.info = FileInfo(RATE, 2, samples.shape[0])
        self.position = 0

    def read(self, frames: int) -> Block:
        index = (self.position + np.arange(frames)) % self.samples.shape[0]
        self.position = int((self.position + frames) % self.samples.shape[0])
        return self.samples[index]

    def close(self) -> None:
        pass


Source = FileLoop | ArrayLoop
Shaper = Callable[[Block], Block]


class TriggerStream:
    """Mixer-ready chunks (float32 stereo at 44.1 kHz) of a looping source, with ``shape`` (gain, limiter) applied."""

    def __init__(self, source: Source, shape: Shaper) -> None:
        self.source = source
        self._shape = shape
        self._resample = Resampler(source.info.rate)
        self._ready = np.zeros((0, 2), np.float32)

    @property
    def position(self) -> int:
        return self.source.position

    def chunk(self, frames: int) -> Block:
        """The next ``frames`` frames; TriggerUnreadable if the file turns out damaged."""
        parts = [self._ready]
        have = self._ready.shape[0]
        step = max(BLOCK, round(frames * self.source.info.rate / RATE))
        while have < frames:
            out = self._resample(self.source.read(step))
            parts.append(out)
            have += out.shape[0]
        joined = np.concatenate(parts)
        self._ready = joined[frames:]
        return np.ascontiguousarray(self._shape(joined[:frames]), dtype=np.float32)

    def close(self) -> None:
        self.source.close()
