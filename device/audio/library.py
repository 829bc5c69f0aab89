"""The trigger library: the built-ins and the user's own recordings, looked up by name, never by path.

The user's folder (and its sub-folders) holds WAV / FLAC / OGG / Opus / MP3 files of any length and an
optional ``triggers.toml`` (display name, tags, gain per file). Each file's loudness (BS.1770) is
measured as a stream, once; the result, or why the file cannot be played, is kept in
``<cache>/loudness.json`` by path, size and modification time.

In the daemon (``background=True``) a scan never measures: new files are measured on a thread of
their own at low priority, first their opening minutes (then they are playable, with a provisional
gain), then, once every new file is playable, the whole of each. Every change is announced through
the change callback, so the hub's trigger list grows as files are measured.
"""

from __future__ import annotations

import contextlib
import logging
import math
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from device.audio import synth
from device.audio.dsp import RATE, Array, loop_crossfade
from device.audio.recording import MIN_SECONDS, TriggerUnreadable, decode_file, measure_file
from device.audio.scan import SUFFIXES, Found, file_key, find_recordings, key_or_reason
from device.audio.stream import ArrayLoop, FileLoop, TriggerStream
from device.audio.triggers import (
    SIDECAR,
    Broken,
    SidecarEntry,
    Slot,
    Trigger,
    lower_thread_priority,
    matcher,
    read_sidecar,
)
from device.errors import HushlightError
from device.persist import JsonStateFile

log = logging.getLogger(__name__)

__all__ = ["SUFFIXES", "Library", "Trigger", "TriggerUnreadable", "UnknownTrigger"]

SHORT_LOOP_OVERLAP_S = 1.5  # a short recording's end fades into its start over this long (at most a quarter)
LOOP_OVERLAP_S = 3.0  # a streamed recording's repeat: the default of [sounds] loop_crossfade_s
PROVISIONAL_S = 120.0  # a new file is playable once this much of its start is measured
SAVE_EVERY = 20  # measurements between writes of the cache while a folder is being measured

Measure = Callable[[Path, float], tuple[float, float]]  # (path, seconds or inf) -> (LUFS, length in s)


class UnknownTrigger(HushlightError, KeyError):
    """No trigger of that name in the library."""


@dataclass
class _Cache:
    path: Path
    entries: dict[str, dict[str, float | str]] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path) -> _Cache:
        return cls(path, JsonStateFile(path, check=_check_cache).load() or {})

    def save(self) -> None:
        try:
            JsonStateFile(self.path).save(self.entries)
        except (OSError, ValueError) as exc:
            log.warning("could not write the loudness cache %s: %s", self.path, exc)


def _check_cache(data: dict[str, Any]) -> None:
    """``cache/loudness.json``: file key -> {"lufs" or "partial_lufs": number, "seconds": number} or
    {"error": reason}; "resume|<path>" -> {"frame": number}."""
    for key, entry in data.items():
        if not isinstance(entry, dict):
            raise ValueError(f"entry {key[:80]!r}: expected an object")
        numbers = [entry.get(k) for k in ("lufs", "partial_lufs", "seconds", "frame") if k in entry]
        if not all(isinstance(n, int | float) and not isinstance(n, bool) and math.isfinite(n) for n in numbers):
            raise ValueError(f"entry {key[:80]!r}: expected numbers")
        if not numbers and not isinstance(entry.get("error"), str):
            raise ValueError(f"entry {key[:80]!r}: expected {{'lufs': number}} or {{'error': text}}")


class Library:
    """Built-ins plus the recordings in ``folder``; :meth:`rescan` picks up changes."""

    def __init__(
        self,
        folder: Path | None,
        cache_dir: Path,
        measure: Measure = measure_file,
        background: bool = False,
        loop_overlap_s: float = LOOP_OVERLAP_S,
        start_at: str = "resume",
        measure_after: float = 0.0,
    ) -> None:
        self.folder = folder
        self.cache_dir = cache_dir
        self.measure = measure
        self.background = background
        self.loop_overlap_s = loop_overlap_s
        self.start_at = start_at
        self._lock = threading.RLock()
        self._cache = _Cache.load(cache_dir / "loudness.json")
        self._triggers: dict[str, Trigger] = {}
        self._broken: dict[str, Broken] = {}
        self._unmeasured: dict[Path, Slot] = {}
        self._seen_sidecar = ""
        self._seen_notes: set[str] = set()
        self._on_change: Callable[[], None] | None = None
        self._measurer: threading.Thread | None = None
        self._closed = False
        self._stopping = threading.Event()
        self._measure_after = measure_after  # real seconds the first measurement waits: start-up goes first
        self.rescan()

    # -- what is there ---------------------------------------------------------------

    def names(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(self._triggers)

    def broken(self) -> tuple[Broken, ...]:
        with self._lock:
            return tuple(self._broken.values())

    def unmeasured(self) -> int:
        """Files not playable yet because not even their opening has been measured."""
        with self._lock:
            return len(self._unmeasured)

    def get(self, name: str) -> Trigger:
        """The trigger called ``name``; :class:`UnknownTrigger` if there is none (names are never paths)."""
        with self._lock:
            trigger = self._triggers.get(name)
        if trigger is None:
            raise UnknownTrigger(name)
        return trigger

    def set_change_callback(self, callback: Callable[[], None]) -> None:
        """Called (from the measuring thread) whenever the playable or broken triggers change."""
        self._on_change = callback

    def mark_broken(self, name: str, reason: str) -> None:
        """Take ``name`` off the list, for good until its file changes (damage found while playing)."""
        with self._lock:
            trigger = self._triggers.pop(name, None)
            if trigger is None or trigger.path is None:
                return
            self._broken[name] = Broken(name, trigger.path, reason)
            with contextlib.suppress(OSError):
                self._cache.entries[file_key(trigger.path)] = {"error": reason}
            self._cache.save()
        log.warning("trigger %r marked broken: %s: %s", name, trigger.path, reason)

    def rescan(self) -> None:
        """Read the folder and the sidecar again; measure only new or changed files (or queue them).

        The folder is walked and every file stat()ed before the lock is taken: a slow SD card or a
        folder of thousands of files never holds up the player, which asks the library for names.
        """
        found = self._find()
        slots, missing = self._slots(found.files)
        keys = {slot.path: key_or_reason(slot.path) for slot in slots}
        with self._lock:
            triggers = {b.name: Trigger(b.name, b.title, b.tags) for b in synth.BUILTINS.values()}
            broken = {self._name_of(p): Broken(self._name_of(p), p, why) for p, why in found.problems}
            folder = self.folder or Path()
            broken |= {m: Broken(m, folder / m, f"listed in {SIDECAR} but missing") for m in missing}
            unmeasured: dict[Path, Slot] = {}
            for slot in slots:
                result = self._known(keys[slot.path])
                if result is None and not self.background:
                    result = self._measure(slot.path, math.inf)
                if result is None:
                    unmeasured[slot.path] = slot
                elif isinstance(result, str):
                    broken[slot.name] = Broken(slot.name, slot.path, result)
                else:
                    triggers[slot.name] = self._trigger(slot, *result)
            for name, item in broken.items():
                if self._broken.get(name) != item:
                    log.warning("trigger %r skipped: %s: %s", name, item.path, item.reason)
            self._triggers, self._broken, self._unmeasured = triggers, broken, unmeasured
            self._cache.save()
            if self.background and self._jobs() and self._measurer is None and not self._closed:
                self._measurer = threading.Thread(target=self._measure_all, name="hushlight-measure", daemon=True)
                self._measurer.start()

    def close(self) -> None:
        """Stop measuring after the file in hand (a daemon thread: a stopping process does not wait for it)."""
        with self._lock:
            self._closed = True
            thread = self._measurer
        self._stopping.set()
        if thread is not None:
            thread.join(1.0)

    def _find(self) -> Found:
        if self.folder is None or not self.folder.is_dir():
            return Found()
        found = find_recordings(self.folder)
        for note in found.notes:
            if note not in self._seen_notes:
                log.warning("sounds folder %s: %s", self.folder, note)
                self._seen_notes.add(note)
        return found

    def _name_of(self, path: Path) -> str:
        relative = path.relative_to(self.folder) if self.folder else Path(path.name)
        # The hub strips its payloads, so a name must not start or end with a blank to be selectable.
        return relative.with_suffix("").as_posix().strip()

    def _slots(self, files: list[Path]) -> tuple[list[Slot], list[str]]:
        """Each file's name: its name without suffix (its path in the folder for sub-folders), unique."""
        taken = set(synth.BUILTINS)
        keys = {p: (p.relative_to(self.folder) if self.folder else Path(p.name)).as_posix() for p in files}
        sidecar = self._read_sidecar(set(keys.values()))
        slots = []
        for path in files:
            name = self._name_of(path)
            if name in taken:
                name = keys[path].strip()
            taken.add(name)
            slots.append(Slot(name, path, sidecar.get(keys[path], SidecarEntry())))
        missing = sorted(set(sidecar) - set(keys.values()))
        return slots, missing

    def _trigger(self, slot: Slot, lufs: float, seconds: float, measured: bool) -> Trigger:
        entry = slot.entry
        title = entry.name or slot.path.stem.replace("_", " ").replace("-", " ")
        return Trigger(slot.name, title, tuple(entry.tags), entry.gain_db, slot.path, lufs, seconds, measured)

    def _read_sidecar(self, files: set[str]) -> dict[str, SidecarEntry]:
        return {} if self.folder is None else read_sidecar(self.folder / SIDECAR, self._warn_sidecar)

    def _warn_sidecar(self, message: str) -> None:
        if message != self._seen_sidecar:
            log.warning("%s", message)
            self._seen_sidecar = message

    # -- measuring ---------------------------------------------------------------------

    def _known(self, key: str | OSError) -> tuple[float, float, bool] | str | None:
        """What the cache says of a file's key: (LUFS, seconds, measured whole), why it is broken, or None."""
        if isinstance(key, OSError):
            return f"cannot read: {key.strerror or key}"
        cached = self._cache.entries.get(key)
        if not isinstance(cached, dict):
            return None
        try:
            if "error" in cached:
                return str(cached["error"])
            if "lufs" in cached:
                return float(cached["lufs"]), float(cached.get("seconds", 0.0)), True
            if "partial_lufs" in cached:
                return float(cached["partial_lufs"]), float(cached.get("seconds", 0.0)), False
        except (TypeError, ValueError):
            pass
        return None

    def _measure(self, path: Path, limit_s: float) -> tuple[float, float, bool] | str:
        """Measure ``path`` (its first ``limit_s`` seconds) and note the result in the cache."""
        try:
            key = file_key(path)
            lufs, seconds = self.measure(path, limit_s)
            result: tuple[float, float, bool] | str = (lufs, seconds, seconds <= limit_s)
            if seconds < MIN_SECONDS:
                result = f"too short ({seconds:.2f} s; at least {MIN_SECONDS:g} s)"
        except TriggerUnreadable as exc:
            result = str(exc)
        except OSError as exc:
            return f"cannot read: {exc.strerror or exc}"
        if isinstance(result, str):
            self._cache.entries[key] = {"error": result}
        else:
            lufs_key = "lufs" if result[2] else "partial_lufs"
            self._cache.entries[key] = {lufs_key: result[0], "seconds": result[1]}
        return result

    def _jobs(self) -> list[tuple[Slot, float]]:
        """What is left to measure: openings of new files first, then the whole of provisional ones."""
        jobs = [(slot, PROVISIONAL_S) for slot in self._unmeasured.values()]
        for t in self._triggers.values():
            if not t.measured and t.path is not None:
                jobs.append(
                    (Slot(t.name, t.path, SidecarEntry(name=t.title, tags=list(t.tags), gain_db=t.gain_db)), math.inf)
                )
        return jobs

    def _measure_all(self) -> None:
        """The measuring thread: one file at a time, at low priority, until nothing is left."""
        lower_thread_priority()
        if self._stopping.wait(self._measure_after):
            with self._lock:
                self._measurer = None
            return
        self._measure_after = 0.0  # only once: a later rescan's new files are measured at once
        done = 0
        while True:
            with self._lock:
                jobs = [] if self._closed else self._jobs()
                if not jobs:
                    self._measurer = None
                    self._cache.save()
                    return
            slot, limit = jobs[0]
            result = self._measure(slot.path, limit)
            with self._lock:
                self._unmeasured.pop(slot.path, None)
                if isinstance(result, str):
                    self._triggers.pop(slot.name, None)
                    self._broken[slot.name] = Broken(slot.name, slot.path, result)
                    log.warning("trigger %r skipped: %s: %s", slot.name, slot.path, result)
                else:
                    self._triggers[slot.name] = self._trigger(slot, *result)
                    part = "whole" if result[2] else f"first {limit:g} s"
                    log.info("measured %r %s: %.1f LUFS (of %.0f s)", slot.name, part, result[0], result[1])
                done += 1
                if done % SAVE_EVERY == 0:
                    self._cache.save()
            callback = self._on_change
            if callback is not None and (isinstance(result, str) or limit != math.inf):
                callback()

    # -- what to play -----------------------------------------------------------------

    def load(self, name: str) -> Array:
        """Samples of a short recording ready to loop: (frames, 2) float at 44.1 kHz, loudness-matched, seamless.

        A built-in gives its whole loop. :class:`UnknownTrigger` or :class:`TriggerUnreadable` (the
        trigger is then listed as broken).
        """
        trigger = self.get(name)
        if trigger.path is None:
            try:
                return decode_file(synth.cached_wav(name, self.cache_dir))
            except (OSError, TriggerUnreadable) as exc:
                log.warning("cannot use the cache in %s (%s): rendering %r without it", self.cache_dir, exc, name)
                return synth.render(name)
        try:
            samples = decode_file(trigger.path)
        except (OSError, TriggerUnreadable) as exc:
            self.mark_broken(name, str(exc))
            raise TriggerUnreadable(str(exc)) from exc
        matched = matcher(trigger)(samples)
        overlap = min(int(SHORT_LOOP_OVERLAP_S * RATE), matched.shape[0] // 4)
        return loop_crossfade(matched, overlap)

    def open_stream(self, name: str) -> TriggerStream:
        """A built-in or a long recording as an endless stream, from where :attr:`start_at` says."""
        trigger = self.get(name)
        if trigger.path is None:
            try:
                source: FileLoop | ArrayLoop = FileLoop(synth.cached_wav(name, self.cache_dir), 0, 0.0)
            except (OSError, TriggerUnreadable) as exc:
                log.warning("cannot use the cache in %s (%s): rendering %r without it", self.cache_dir, exc, name)
                source = ArrayLoop(synth.render(name).astype(np.float32))
            return TriggerStream(source, matcher(trigger))
        try:
            source = FileLoop(trigger.path, 0, self.loop_overlap_s)
            start = self._start_frame(trigger, source)
            if start:
                source.close()
                source = FileLoop(trigger.path, start, self.loop_overlap_s)
        except (OSError, TriggerUnreadable) as exc:
            self.mark_broken(name, str(exc))
            raise TriggerUnreadable(str(exc)) from exc
        return TriggerStream(source, matcher(trigger))

    def _start_frame(self, trigger: Trigger, source: FileLoop) -> int:
        end = source.info.frames - source.overlap
        if self.start_at == "random":
            return random.randrange(max(end, 1))
        if self.start_at == "resume" and trigger.path is not None:
            with self._lock:
                entry = self._cache.entries.get(_resume_key(trigger.path), {})
            frame = entry.get("frame", 0) if isinstance(entry, dict) else 0
            return int(frame) if isinstance(frame, int | float) and 0 <= frame < end else 0
        return 0

    def remember_position(self, name: str, frame: int) -> None:
        """Where a recording stopped (frame at its own rate): the next session of it starts there."""
        with self._lock:
            trigger = self._triggers.get(name)
            if trigger is None or trigger.path is None:
                return
            self._cache.entries[_resume_key(trigger.path)] = {"frame": int(frame)}
            self._cache.save()


def _resume_key(path: Path) -> str:
    return f"resume|{path}"
