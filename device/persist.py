"""Atomic JSON state files in the state directory.

A write goes to a temporary file in the same folder, is fsynced, renamed over
the old file and the folder is fsynced, so a power cut leaves either the old
or the new file, never half of one. A file that is corrupt anyway (a bad SD
card, a hand edit) is set aside as ``NAME.corrupt-<time>`` and the caller gets
``None``: defaults are used and the daemon goes on.

Every state file is read through :class:`JsonStateFile`, so no reader can forget a check: the
size and the nesting depth are bounded, NaN / Infinity and huge numbers are refused, and the
caller's ``check`` (the file's shape) runs before the data is handed out. Any failure sets the
file aside with one log line naming the file and the reason.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from device import safejson

log = logging.getLogger(__name__)

MAX_STATE_BYTES = 1 << 20  # the largest state file (the loudness cache of a big folder) is a few hundred kB
MAX_STATE_DEPTH = 8  # the deepest file (settings with per-day overrides) nests 3 levels

Check = Callable[[dict[str, Any]], object]
"""Raises ``ValueError`` (the reason) when a parsed state file has the wrong shape."""


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` so that a crash leaves old or new, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:  # pragma: no cover - not every platform opens folders
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class JsonStateFile:
    """One JSON object persisted atomically, e.g. ``settings.json``; ``check`` validates its shape."""

    def __init__(self, path: Path, check: Check | None = None, max_bytes: int = MAX_STATE_BYTES) -> None:
        self.path = path
        self.check = check
        self.max_bytes = max_bytes

    def load(self) -> dict[str, Any] | None:
        """The stored object, or ``None`` when absent or set aside as corrupt."""
        try:
            with self.path.open("rb") as f:
                raw = f.read(self.max_bytes + 1)  # bounded: a runaway file is not read whole
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.error("cannot read state file %s: %s; using defaults", self.path, exc)
            return None
        try:
            data = safejson.load_bytes(raw, MAX_STATE_DEPTH, self.max_bytes)
            if not isinstance(data, dict):
                raise ValueError(f"expected a JSON object, found {type(data).__name__}")
            if self.check is not None:
                self.check(data)
        except (ValueError, TypeError) as exc:  # BadJson, and the shape check's own errors
            self._set_aside(str(exc))
            return None
        return data

    def save(self, data: dict[str, Any]) -> None:
        write_atomic(self.path, self.encode(data))

    @staticmethod
    def encode(data: dict[str, Any]) -> bytes:
        """The file's bytes for ``data`` (raises ``ValueError`` for what JSON cannot hold, NaN included)."""
        return json.dumps(data, indent=2, sort_keys=True, allow_nan=False).encode("utf-8") + b"\n"

    def _set_aside(self, reason: str) -> None:
        stamp = time.strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            os.replace(self.path, target)
        except OSError as exc:
            log.error("state file %s is corrupt (%s) and could not be moved: %s", self.path, reason, exc)
            return
        log.error("state file %s is corrupt (%s); moved to %s, using defaults", self.path, reason, target.name)
