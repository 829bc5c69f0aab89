"""The user's recordings from the page: uploads streamed into the sounds folder, and removal.

A name from the browser is never a path: one with a separator is refused, and
the rest is cut to a plain file name of letters, digits, ``-`` and ``_`` with a
known suffix. The body is streamed to a
hidden temporary file in the folder (so at most one chunk is in memory), counted
against the limit, checked for the format's magic bytes, and only then renamed
into place. Removal looks the name up among the folder's own files.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path
from typing import BinaryIO

from device.audio.library import SUFFIXES
from device.audio.synth import BUILTINS
from device.errors import HushlightError

CHUNK = 64 * 1024
DRAIN_MAX = 16 * 1024 * 1024  # a bigger refused body is not read: the connection closes under it
MAX_STEM = 64
_UNSAFE = re.compile(r"[^a-z0-9_-]+")


class UploadRefused(HushlightError, ValueError):
    """``str()`` says why; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def user_files(folder: Path) -> list[Path]:
    try:
        return sorted(p for p in folder.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file() and p.name[0] != ".")
    except OSError:
        return []


def safe_name(name: str) -> str:
    """A plain file name for what the browser called ``name``, or :class:`UploadRefused`."""
    if "/" in name or "\\" in name or "\0" in name or name.startswith("."):
        raise UploadRefused("send a plain file name, not a path")
    stem, dot, suffix = name.rpartition(".")
    suffix = f".{suffix.lower()}"
    if not dot or suffix not in SUFFIXES:
        raise UploadRefused(f"a recording must be one of {', '.join(SUFFIXES)}")
    clean = _UNSAFE.sub("-", stem.lower()).strip("-_")[:MAX_STEM]
    if not clean:
        raise UploadRefused("the file name has no letters or digits")
    if clean in BUILTINS:
        raise UploadRefused(f"{clean!r} is a built-in sound's name: rename the file", 409)
    return clean + suffix


def looks_like(suffix: str, head: bytes) -> bool:
    """The format's magic bytes: RIFF/WAVE, Ogg, FLAC, or MP3 (an ID3 tag or an MPEG frame sync)."""
    if suffix == ".wav":
        return head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    if suffix in (".ogg", ".oga", ".opus"):
        return head[:4] == b"OggS"
    if suffix == ".flac":
        return head[:4] == b"fLaC"
    return head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)


def receive(folder: Path, name: str, body: BinaryIO, length: int, limit: int) -> Path:
    """Stream ``length`` bytes of ``body`` into ``folder`` as the cleaned ``name``; returns the new file."""
    try:
        target = folder / safe_name(name)
        if length > limit:
            raise UploadRefused(f"the recording is {length / 1e6:.1f} MB; the limit is {limit / 1e6:.0f} MB", 413)
        if length <= 12:
            raise UploadRefused("the recording is empty")
        if target.stem in {p.stem for p in user_files(folder)}:
            raise UploadRefused(f"there is already a recording called {target.stem!r}: remove it first", 409)
    except UploadRefused:
        discard(body, length)
        raise
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / f".upload-{secrets.token_hex(8)}.part"
    try:
        head = _copy(body, part, length)
        if not looks_like(target.suffix, head):
            raise UploadRefused(f"this is not a {target.suffix[1:].upper()} file (its first bytes say otherwise)", 415)
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
    return target


def discard(body: BinaryIO, length: int) -> None:
    """Read (up to :data:`DRAIN_MAX` of) a refused body, so that the browser gets the answer, not a reset."""
    left = min(length, DRAIN_MAX)
    while left > 0 and (chunk := body.read(min(CHUNK, left))):
        left -= len(chunk)


def _copy(body: BinaryIO, part: Path, length: int) -> bytes:
    head = b""
    left = length
    with part.open("xb") as out:
        while left > 0:
            chunk = body.read(min(CHUNK, left))
            if not chunk:
                raise UploadRefused("the upload stopped before its end")
            head = head or chunk[:16]
            out.write(chunk)
            left -= len(chunk)
        out.flush()
        os.fsync(out.fileno())
    return head


def remove(folder: Path, name: str) -> Path:
    """Delete the user's recording called ``name`` (looked up among the folder's files, never used as a path)."""
    for path in user_files(folder):
        if path.stem == name:
            path.unlink()
            return path
    raise UploadRefused(f"no recording of yours is called {name[:64]!r}", 404)
