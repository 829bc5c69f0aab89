"""Finding the recordings in the user's folder: sub-folders, symlinks (and their loops), odd names, bad entries.

Only names and stat() here, never a decode: a folder of thousands of files is listed in milliseconds.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

SUFFIXES = (".wav", ".ogg", ".oga", ".opus", ".mp3", ".flac")
MAX_FILES = 10000
MAX_DEPTH = 8


@dataclass
class Found:
    files: list[Path] = field(default_factory=list)
    problems: list[tuple[Path, str]] = field(default_factory=list)  # (path, why it is skipped)
    notes: list[str] = field(default_factory=list)  # about the folder itself


def find_recordings(folder: Path) -> Found:
    """Every sound file under ``folder`` (following symlinks, each directory once), sorted."""
    found = Found()
    seen: set[tuple[int, int]] = set()

    def on_error(exc: OSError) -> None:
        found.notes.append(f"cannot read {exc.filename}: {exc.strerror or exc}")

    for root, dirs, names in os.walk(folder, onerror=on_error, followlinks=True):
        here = Path(root)
        try:
            st = here.stat()
        except OSError as exc:
            on_error(exc)
            dirs[:] = []
            continue
        depth = len(here.relative_to(folder).parts)
        if (st.st_dev, st.st_ino) in seen or depth > MAX_DEPTH:
            dirs[:] = []  # a symlink loop, or deeper than anyone files sounds
            continue
        seen.add((st.st_dev, st.st_ino))
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith(".") or not name.lower().endswith(SUFFIXES):
                continue
            if len(found.files) >= MAX_FILES:
                found.notes.append(f"more than {MAX_FILES} sound files: the rest are not listed")
                return found
            _check(here / name, found)
    return found


def _check(path: Path, found: Found) -> None:
    try:
        st = path.stat()
    except OSError as exc:
        reason = "a symlink to nothing" if path.is_symlink() else f"cannot read: {exc.strerror or exc}"
        found.problems.append((path, reason))
        return
    if not path.is_file():
        return
    if not os.access(path, os.R_OK):
        found.problems.append((path, "cannot read: permission denied"))
    elif st.st_size == 0:
        found.problems.append((path, "empty file"))
    else:
        found.files.append(path)


def file_key(path: Path) -> str:
    """What a file's measurement is remembered by: a changed or replaced file is measured again."""
    st = path.stat()
    return f"{path}|{st.st_size}|{st.st_mtime_ns}"


def key_or_reason(path: Path) -> str | OSError:
    try:
        return file_key(path)
    except OSError as exc:
        return exc
