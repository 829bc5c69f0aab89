"""What the library is made of: triggers, broken files, the sidecar's entries, and how a trigger is matched."""

from __future__ import annotations

import contextlib
import os
import threading
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt

from device.audio import synth
from device.audio.loudness import gain_to

SIDECAR = "triggers.toml"
STREAM_ABOVE_S = 20.0  # longer recordings, and every built-in, play as a stream; shorter ones are held whole


class SidecarEntry(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: str = ""
    tags: list[str] = msgspec.field(default_factory=list)
    gain_db: float = 0.0


@dataclass(frozen=True)
class Trigger:
    """One playable trigger: ``name`` is its key (the file name without suffix for recordings)."""

    name: str
    title: str
    tags: tuple[str, ...] = ()
    gain_db: float = 0.0
    path: Path | None = None  # None for a built-in
    loudness: float = synth.TARGET_LUFS
    seconds: float = synth.LOOP_SECONDS
    measured: bool = True  # False while the loudness is that of the opening minutes only

    @property
    def builtin(self) -> bool:
        return self.path is None

    @property
    def streamed(self) -> bool:
        return self.path is None or self.seconds > STREAM_ABOVE_S


@dataclass(frozen=True)
class Broken:
    name: str
    path: Path
    reason: str


@dataclass(frozen=True)
class Slot:
    """A file found by the scan, by the name and sidecar entry it gets."""

    name: str
    path: Path
    entry: SidecarEntry


def read_sidecar(path: Path, warn: Callable[[str], None]) -> dict[str, SidecarEntry]:
    """The sidecar's entries by file name (its path in the folder for sub-folders); a bad entry is warned of and skipped."""
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        warn(f"{path}: not readable TOML ({exc}); ignored")
        return {}
    entries: dict[str, SidecarEntry] = {}
    for file_name, value in raw.items():
        try:
            entry = msgspec.convert(value, SidecarEntry)
        except msgspec.ValidationError as exc:
            warn(f'{path}: ["{file_name}"]: {exc}; entry ignored')
            continue
        if not -40.0 <= entry.gain_db <= 12.0:
            warn(f'{path}: ["{file_name}"].gain_db: {entry.gain_db} is outside -40..12 dB; using 0')
            entry = SidecarEntry(name=entry.name, tags=entry.tags)
        entries[file_name] = entry
    return entries


def matcher(trigger: Trigger) -> Callable[[npt.NDArray[Any]], npt.NDArray[Any]]:
    """Loudness matching (and rounding off the rare peak that would pass the ceiling), block by block."""
    gain = 1.0 if trigger.builtin else gain_to(synth.TARGET_LUFS, trigger.loudness)

    def shape(block: npt.NDArray[Any]) -> npt.NDArray[Any]:
        out = block * gain if gain != 1.0 else block
        if out.shape[0] and float(np.max(np.abs(out))) > synth.PEAK_CEILING:
            out = synth.soft_limit(out)
        return out

    return shape


def lower_thread_priority() -> None:
    """Measuring is never urgent: let the worker, the button and the mixer go first (Linux threads only)."""
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 10)
