"""Opening SDL's mixer through pygame, and moving samples in and out of it.

pygame is imported lazily: the rest of the daemon (and the tests of the core) never pay for it.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from device.audio.dsp import RATE, Array
from device.config.schema import SoundsConfig
from device.errors import HushlightError

log = logging.getLogger(__name__)

CHANNELS = 16  # voices fading out still hold a channel: room for a burst of presses


class MixerUnavailable(HushlightError, RuntimeError):
    """SDL could not open any audio output."""


def pygame_module() -> Any:
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    # SDL's audio init would take SIGTERM for itself (an SDL_QUIT event nobody reads): the daemon's stop is ours.
    os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")
    import pygame

    return pygame


def open_mixer(config: SoundsConfig, fallback_to_dummy: bool) -> str:
    """Open the mixer at 44.1 kHz, 32-bit float stereo, with the configured buffer, driver and device.

    Float mixing keeps the quietest volumes exact: in 16-bit, SDL_mixer truncates after each of
    its two gain stages and a trigger at volume 1 comes out 3 dB too quiet. SDL converts to what
    the sound card takes, once, after all the gains.

    SDL reads SDL_AUDIODRIVER at init, so it is set here, just before. With ``fallback_to_dummy``
    (simulation, or a Pi whose sound card is missing) a failure to open the real output falls back
    to SDL's dummy driver, which plays in real time into nothing. Returns the driver in use.
    """
    pygame = pygame_module()
    if pygame.mixer.get_init():
        return os.environ.get("SDL_AUDIODRIVER", "")
    if config.audio_driver:
        os.environ["SDL_AUDIODRIVER"] = config.audio_driver
    elif fallback_to_dummy and _no_sound_card():
        # Spare the user a page of ALSA errors on a machine (CI, a container) with no sound device.
        log.info("no sound device (/dev/snd is missing): playing into SDL's dummy driver")
        os.environ["SDL_AUDIODRIVER"] = "dummy"
    try:
        _init(pygame, config, config.audio_device or None)
    except pygame.error as exc:
        if not fallback_to_dummy:
            raise MixerUnavailable(f"cannot open the audio output: {exc}") from exc
        log.warning("cannot open the audio output (%s): playing into SDL's dummy driver instead", exc)
        os.environ["SDL_AUDIODRIVER"] = "dummy"
        _init(pygame, config, None)
    driver = pygame.mixer.get_init() and os.environ.get("SDL_AUDIODRIVER", "default")
    log.info("audio: %s, buffer %d samples", pygame.mixer.get_init(), config.buffer_samples)
    return str(driver)


def _no_sound_card() -> bool:
    return sys.platform.startswith("linux") and "SDL_AUDIODRIVER" not in os.environ and not Path("/dev/snd").exists()


def _init(pygame: Any, config: SoundsConfig, device: str | None) -> None:
    pygame.mixer.pre_init(RATE, 32, 2, config.buffer_samples, devicename=device, allowedchanges=0)
    pygame.mixer.init()
    pygame.mixer.set_num_channels(CHANNELS)


def close_mixer() -> None:
    pygame = pygame_module()
    if pygame.mixer.get_init():
        pygame.mixer.quit()


def make_sound(samples: Array | npt.NDArray[np.float32]) -> Any:
    """A pygame Sound of float samples (frames, 2), silent until its volume is set."""
    pygame = pygame_module()
    sound = pygame.sndarray.make_sound(np.ascontiguousarray(samples, dtype=np.float32))
    sound.set_volume(0.0)
    return sound
