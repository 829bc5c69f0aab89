"""The trigger library: the built-ins and the user's own recordings, looked up by name, never by path.

The user's folder holds WAV / OGG / MP3 / FLAC files (whatever SDL_mixer decodes) and an optional
``triggers.toml`` with a display name, tags and a gain per file. Each file is decoded and measured
(BS.1770 integrated loudness) once; the result, or why it could not be read, is kept in
``<cache>/loudness.json`` keyed by path, size and modification time, so a rescan only decodes new or
changed files and a broken file is logged once.
"""

from __future__ import annotations

import logging
import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
import numpy as np

from device.audio import synth
from device.audio.dsp import RATE, Array, loop_crossfade, read_wav
from device.audio.loudness import gain_to, integrated_loudness
from device.errors import HushlightError
from device.persist import JsonStateFile

log = logging.getLogger(__name__)

SUFFIXES = (".wav", ".ogg", ".oga", ".mp3", ".flac")
SIDECAR = "triggers.toml"
LOOP_OVERLAP_S = 1.5  # a recording's end fades into its start over this long (at most a quarter of it)
MIN_SECONDS = 1.0

# (frames, 2) float samples at 44.1 kHz of a file, or an exception saying why not.
Decoder = Callable[[Path], Array]


class UnknownTrigger(HushlightError, KeyError):
    """No trigger of that name in the library."""


class TriggerUnreadable(HushlightError, RuntimeError):
    """A trigger's file could not be read or decoded."""


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

    @property
    def builtin(self) -> bool:
        return self.path is None


@dataclass(frozen=True)
class Broken:
    name: str
    path: Path
    reason: str


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
    """``cache/loudness.json``: file key -> {"lufs": number} or {"error": reason}."""
    for key, entry in data.items():
        lufs = entry.get("lufs") if isinstance(entry, dict) else None
        error = entry.get("error") if isinstance(entry, dict) else None
        if not (isinstance(lufs, int | float) and not isinstance(lufs, bool)) and not isinstance(error, str):
            raise ValueError(f"entry {key[:80]!r}: expected {{'lufs': number}} or {{'error': text}}")


def file_key(path: Path) -> str:
    st = path.stat()
    return f"{path}|{st.st_size}|{st.st_mtime_ns}"


def wav_decoder(path: Path) -> Array:
    """A decoder for 16-bit 44.1 kHz WAV only (the built-ins' cache, and tests without SDL)."""
    samples, rate = read_wav(path)
    if rate != RATE:
        raise ValueError(f"sample rate {rate} Hz, not {RATE}")
    return samples if samples.shape[1] == 2 else np.repeat(samples[:, :1], 2, axis=1)


class Library:
    """Built-ins plus the recordings in ``folder``; :meth:`rescan` picks up changes."""

    def __init__(self, folder: Path | None, cache_dir: Path, decoder: Decoder = wav_decoder) -> None:
        self.folder = folder
        self.cache_dir = cache_dir
        self.decoder = decoder
        self._cache = _Cache.load(cache_dir / "loudness.json")
        self._triggers: dict[str, Trigger] = {}
        self._broken: dict[str, Broken] = {}
        self._seen_sidecar = ""
        self.rescan()

    # -- what is there ---------------------------------------------------------------

    def names(self) -> tuple[str, ...]:
        return tuple(self._triggers)

    def broken(self) -> tuple[Broken, ...]:
        return tuple(self._broken.values())

    def get(self, name: str) -> Trigger:
        """The trigger called ``name``; :class:`UnknownTrigger` if there is none (names are never paths)."""
        trigger = self._triggers.get(name)
        if trigger is None:
            raise UnknownTrigger(name)
        return trigger

    def mark_broken(self, name: str, reason: str) -> None:
        trigger = self._triggers.pop(name, None)
        if trigger is not None and trigger.path is not None:
            self._broken[name] = Broken(name, trigger.path, reason)

    def rescan(self) -> None:
        """Read the folder and the sidecar again; decode and measure only new or changed files."""
        triggers = {b.name: Trigger(b.name, b.title, b.tags) for b in synth.BUILTINS.values()}
        broken: dict[str, Broken] = {}
        files = self._files()
        sidecar = self._read_sidecar({p.name for p in files})
        for path in files:
            # The hub strips its payloads, so a name must not start or end with a blank to be selectable.
            name = path.stem.strip() if path.stem.strip() not in triggers else path.name.strip()
            entry = sidecar.get(path.name, SidecarEntry())
            result = self._measure(path)
            if isinstance(result, str):
                broken[name] = Broken(name, path, result)
                continue
            title = entry.name or path.stem.replace("_", " ").replace("-", " ")
            triggers[name] = Trigger(name, title, tuple(entry.tags), entry.gain_db, path, result)
        for missing in sorted(set(sidecar) - {p.name for p in files}):
            broken[missing] = Broken(missing, (self.folder or Path()) / missing, f"listed in {SIDECAR} but missing")
        for name, item in broken.items():
            if self._broken.get(name) != item:
                log.warning("trigger %r skipped: %s: %s", name, item.path, item.reason)
        self._triggers, self._broken = triggers, broken
        self._cache.save()

    def _files(self) -> list[Path]:
        if self.folder is None or not self.folder.is_dir():
            return []
        try:
            return sorted(p for p in self.folder.iterdir() if p.suffix.lower() in SUFFIXES and p.is_file())
        except OSError as exc:
            log.warning("cannot read the sounds folder %s: %s", self.folder, exc)
            return []

    def _read_sidecar(self, files: set[str]) -> dict[str, SidecarEntry]:
        if self.folder is None:
            return {}
        path = self.folder / SIDECAR
        try:
            raw = tomllib.loads(path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            self._warn_sidecar(f"{path}: not readable TOML ({exc}); ignored")
            return {}
        entries: dict[str, SidecarEntry] = {}
        for file_name, value in raw.items():
            try:
                entry = msgspec.convert(value, SidecarEntry)
            except msgspec.ValidationError as exc:
                self._warn_sidecar(f'{path}: ["{file_name}"]: {exc}; entry ignored')
                continue
            if not -40.0 <= entry.gain_db <= 12.0:
                self._warn_sidecar(f'{path}: ["{file_name}"].gain_db: {entry.gain_db} is outside -40..12 dB; using 0')
                entry = SidecarEntry(name=entry.name, tags=entry.tags)
            entries[file_name] = entry
        return entries

    def _warn_sidecar(self, message: str) -> None:
        if message != self._seen_sidecar:
            log.warning("%s", message)
            self._seen_sidecar = message

    def _measure(self, path: Path) -> float | str:
        """The file's loudness in LUFS, or the reason it cannot be played (cached per size and mtime)."""
        try:
            key = file_key(path)
        except OSError as exc:
            return f"cannot read: {exc.strerror or exc}"
        cached = self._cache.entries.get(key)
        if cached is not None:
            return str(cached["error"]) if "error" in cached else float(cached["lufs"])
        result: float | str
        try:
            samples = self._decode(path)
            lufs = integrated_loudness(samples, RATE)
            result = lufs if math.isfinite(lufs) else "silent (no loudness above -70 LUFS)"
        except TriggerUnreadable as exc:
            result = str(exc)
        self._cache.entries[key] = {"error": result} if isinstance(result, str) else {"lufs": result}
        return result

    def _decode(self, path: Path) -> Array:
        if path.stat().st_size == 0:
            raise TriggerUnreadable("empty file")
        try:
            samples = self.decoder(path)
        except Exception as exc:  # every decoder has its own errors: all mean "cannot play this"
            raise TriggerUnreadable(f"cannot decode ({type(exc).__name__}: {exc})") from exc
        if samples.shape[0] < MIN_SECONDS * RATE:
            raise TriggerUnreadable(f"too short ({samples.shape[0] / RATE:.2f} s; at least {MIN_SECONDS:g} s)")
        return samples

    # -- what to play -----------------------------------------------------------------

    def load(self, name: str) -> Array:
        """Samples of ``name`` ready to loop: (frames, 2) float at 44.1 kHz, loudness-matched, seamless.

        :class:`UnknownTrigger` or :class:`TriggerUnreadable` (the trigger is then listed as broken).
        """
        trigger = self.get(name)
        if trigger.path is None:
            try:
                return wav_decoder(synth.cached_wav(name, self.cache_dir))
            except (OSError, ValueError) as exc:
                log.warning("cannot use the cache in %s (%s): rendering %r without it", self.cache_dir, exc, name)
                return synth.render(name)
        try:
            samples = self._decode(trigger.path)
        except (OSError, TriggerUnreadable) as exc:
            self.mark_broken(name, str(exc))
            raise TriggerUnreadable(str(exc)) from exc
        matched = samples * gain_to(synth.TARGET_LUFS, trigger.loudness)
        if np.max(np.abs(matched)) > synth.PEAK_CEILING:
            matched = synth.soft_limit(matched)
        overlap = min(int(LOOP_OVERLAP_S * RATE), matched.shape[0] // 4)
        return loop_crossfade(matched, overlap)
