"""A voice of the player: one trigger on one mixer channel, with its fade envelope (and stream, if streamed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from device.audio import gain as g
from device.audio.stream import TriggerStream


@dataclass
class Ramp:
    """A value moving from ``start`` to ``end`` over ``duration`` device seconds from ``since``."""

    start: float
    end: float
    since: float = 0.0
    duration: float = 0.0
    shape: str = "power"

    def at(self, now: float) -> float:
        x = 1.0 if self.duration <= 0 else (now - self.since) / self.duration
        return g.envelope(self.start, self.end, x, self.shape)

    def moving(self, now: float) -> bool:
        return now < self.since + self.duration

    def to(self, end: float, now: float, duration: float, shape: str | None = None) -> Ramp:
        return Ramp(self.at(now), end, now, duration, shape or self.shape)


@dataclass
class Voice:
    trigger: str
    sounds: list[Any]  # what its channel plays and (streamed) what waits in the channel's queue
    channel: Any
    trigger_gain: float
    envelope: Ramp
    applied: tuple[int, int] = (0, -1)  # nothing set yet: the first gain sets both stages
    stream: TriggerStream | None = None
    damaged: bool = False
    feeding: bool = False  # its next chunk is being read, outside the lock
    index: int | None = None  # its mixer channel's number
    dropped: bool = False

    def set_chunk_volume(self, chunk: int) -> None:
        for sound in self.sounds:
            sound.set_volume(chunk / 128.0)

    def needs_chunk(self) -> bool:
        return self.stream is not None and not (self.damaged or self.feeding) and self.channel.get_queue() is None
