"""Atomic JSON state files in the state directory.

A write goes to a temporary file in the same folder, is fsynced, renamed over
the old file and the folder is fsynced, so a power cut leaves either the old
or the new file, never half of one. A file that is corrupt anyway (a bad SD
card, a hand edit) is set aside as ``NAME.corrupt-<time>`` and the caller gets
``None``: defaults are used and the daemon goes on.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


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
    """One JSON object persisted atomically, e.g. ``settings.json``."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, Any] | None:
        """The stored object, or ``None`` when absent or set aside as corrupt."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.error("cannot read state file %s: %s; using defaults", self.path, exc)
            return None
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            self._set_aside(f"not valid JSON ({exc})")
            return None
        if not isinstance(data, dict):
            self._set_aside(f"expected a JSON object, found {type(data).__name__}")
            return None
        return data

    def save(self, data: dict[str, Any]) -> None:
        write_atomic(self.path, json.dumps(data, indent=2, sort_keys=True).encode("utf-8") + b"\n")

    def set_aside(self, reason: str) -> None:
        """Move a file whose content the caller found invalid out of the way."""
        self._set_aside(reason)

    def _set_aside(self, reason: str) -> None:
        stamp = time.strftime("%Y%m%dT%H%M%S")
        target = self.path.with_name(f"{self.path.name}.corrupt-{stamp}")
        try:
            os.replace(self.path, target)
        except OSError as exc:
            log.error("state file %s is corrupt (%s) and could not be moved: %s", self.path, reason, exc)
            return
        log.error("state file %s is corrupt (%s); moved to %s, using defaults", self.path, reason, target.name)
