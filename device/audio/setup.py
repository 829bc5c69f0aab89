"""Putting the sound part together from the config: the library folder, the mixer, the player."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from device.audio import synth
from device.audio.library import Library
from device.audio.mixer import open_mixer
from device.audio.output_hold import Hold
from device.audio.pygame_player import PygamePlayer
from device.audio.queued import QueuedPlayer
from device.config.schema import SoundsConfig
from device.runtime.clock import Clock

log = logging.getLogger(__name__)


def library_folder(config: SoundsConfig, state_dir: Path) -> Path:
    """The user's folder: ``[sounds] library``, or ``<state_dir>/sounds`` when it is empty."""
    if str(config.library) in ("", "."):
        return state_dir / "sounds"
    return config.library.expanduser()


def cache_dir(state_dir: Path) -> Path:
    return state_dir / "cache"


# Real seconds the daemon's first measurement waits, so that start-up (to `ready` and `online`) has the
# machine to itself even with a folder of unmeasured recordings.
MEASURE_AFTER = 5.0


def open_library(config: SoundsConfig, state_dir: Path, background: bool) -> Library:
    """The library; with ``background`` new files are measured on a thread of their own (the daemon)."""
    folder = library_folder(config, state_dir)
    if not folder.is_dir():
        log.info("no sounds folder at %s yet: only the built-in triggers (create it and add files)", folder)
    return Library(
        folder,
        cache_dir(state_dir),
        background=background,
        loop_overlap_s=config.loop_crossfade_s,
        start_at=config.recording_start,
        measure_after=MEASURE_AFTER if background else 0.0,
    )


def prerender(cache: Path) -> threading.Thread:
    """Render the built-ins missing from the cache on a background thread, so the first session starts at once."""

    def work() -> None:
        for name in synth.BUILTINS:
            try:
                synth.cached_wav(name, cache)
            except OSError as exc:
                log.warning("cannot cache the built-in trigger %r in %s: %s", name, cache, exc)
                return

    thread = threading.Thread(target=work, name="hushlight-sound-cache", daemon=True)
    thread.start()
    return thread


def make_player(config: SoundsConfig, clock: Clock, state_dir: Path, hold: Hold | None = None) -> QueuedPlayer:
    """Open the audio output (falling back to SDL's dummy driver), scan the library, start the player.

    The player is wrapped so that its commands run on a thread of their own: the worker never
    waits for a trigger to render or decode.
    """
    open_mixer(config, fallback_to_dummy=True)
    player = PygamePlayer(open_library(config, state_dir, background=True), config, clock, hold=hold)
    prerender(cache_dir(state_dir))
    return QueuedPlayer(player)
