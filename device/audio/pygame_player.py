"""The real player: pygame.mixer, gapless loops, equal-power fades and crossfades, smooth volume ramps.

A short recording is held whole and looped by SDL. A built-in or a long recording is a stream: its
voice's channel plays one chunk (3 s) while the next waits in the channel's queue, which SDL
starts on the very next sample (gapless); the automation thread decodes the chunk after that as
soon as the queue is empty. Memory per voice is two chunks, whatever the length of the file.

What the listener hears from a voice is ``user volume (dB scale) × trigger gain × fade envelope``,
capped at the configured maximum volume. All gains move on one tracked automation thread that
sleeps with the clock (so ``--speed`` speeds fades up too) and is woken by every new command; it
sleeps for good when nothing moves. A voice that fades to silence is stopped only then: nothing
is ever cut. Each gain is set through SDL_mixer's two integer volume stages
(:func:`device.audio.gain.split_gain`) so even the quietest step is exact.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

import numpy as np
import numpy.typing as npt

from device.audio import gain as g
from device.audio.library import Library, TriggerUnreadable, UnknownTrigger
from device.audio.mixer import CHANNELS, close_mixer, make_sound, open_mixer, pygame_module
from device.audio.output_hold import Hold
from device.audio.player import FailureCallback, TriggersCallback
from device.audio.stream import TriggerStream
from device.audio.voice import Ramp, Voice
from device.config.schema import SoundsConfig
from device.runtime.clock import Clock

log = logging.getLogger(__name__)

MIN_FADE = 0.05  # device seconds: even "now" is a short fade, never a step
HEALTH_CHECK = 2.0  # real seconds between checks that playing voices still play
CACHED_SOUNDS = 3  # short recordings held decoded (each at most 20 s: 7 MB)
CHUNK_FRAMES = 131072  # a streamed voice's chunk: 3 s, 1 MB
FEED_INTERVAL = 0.25  # real seconds between looks at streamed voices' queues (a chunk lasts 3 s)
DAMAGE_FADE = 0.5  # device seconds: a voice whose file turns out damaged fades out over this
# Real seconds of silence after which the audio output is closed: an open output keeps SDL mixing
# silence (about 0.4 % of a core) and keeps an I2S amplifier powered, hissing faintly by the bed.
IDLE_CLOSE = 30.0


class PygamePlayer:
    """Plays the library's triggers through an already opened pygame mixer."""

    def __init__(
        self,
        library: Library,
        config: SoundsConfig,
        clock: Clock,
        health_check: float = HEALTH_CHECK,
        idle_close: float | None = IDLE_CLOSE,
        hold: Hold | None = None,
    ) -> None:
        self.library = library
        self._health_check = health_check
        self._idle_close = idle_close
        self._hold: Hold = hold or (lambda now: 0.0)  # how long the output must stay open after a silence
        self.config = config
        self.clock = clock
        self._pygame = pygame_module()
        self._lock = threading.RLock()
        self._feeding = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self._voices: list[Voice] = []
        self._volume = Ramp(self._clamp(config.volume), self._clamp(config.volume), shape="linear")
        self._samples: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()
        self._on_failure: FailureCallback | None = None
        self._lookahead = config.buffer_samples / 44100.0 * clock.speed
        self._thread = threading.Thread(target=self._run, name="hushlight-sound", daemon=True)
        self._thread.start()

    # -- the Player interface ---------------------------------------------------------

    def triggers(self) -> tuple[tuple[str, ...], tuple[str, ...]]:
        self.library.rescan()  # the library has a lock of its own: the sound thread never waits for a scan
        return self.library.names(), tuple(b.name for b in self.library.broken())

    def play(self, trigger: str, volume: float, fade_in: float) -> None:
        now = self.clock.now()
        with self._lock:
            silent = not self._voices
            self._volume = self._volume.to(self._clamp(volume), now, 0.0 if silent else max(fade_in, MIN_FADE))
        self._start(trigger, fade_in)

    def crossfade(self, trigger: str, duration: float) -> None:
        self._start(trigger, duration)

    def fade_out(self, duration: float) -> None:
        now = self.clock.now()
        with self._lock:
            for voice in self._voices:
                voice.envelope = voice.envelope.to(0.0, now, max(duration, MIN_FADE), "smooth")
        self._wake.set()

    def set_volume(self, volume: float, ramp: float) -> None:
        now = self.clock.now()
        with self._lock:
            self._volume = self._volume.to(self._clamp(volume), now, max(ramp, MIN_FADE))
        self._wake.set()

    def set_failure_callback(self, callback: FailureCallback) -> None:
        self._on_failure = callback

    def set_triggers_callback(self, callback: TriggersCallback) -> None:
        library = self.library
        library.set_change_callback(lambda: callback(library.names(), tuple(b.name for b in library.broken())))

    def close(self) -> None:
        """Stop the automation thread and every voice, and close the mixer; safe to call twice."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._wake.set()
        self._thread.join(5)
        with self._lock:
            for voice in self._voices:
                self._drop(voice)
            self._voices.clear()
            self._samples.clear()
        self.library.close()
        close_mixer()

    # -- what plays -------------------------------------------------------------------

    @property
    def playing(self) -> tuple[str, ...]:
        """Triggers with a voice that is not fading out (for the simulation panel and tests)."""
        with self._lock:
            return tuple(v.trigger for v in self._voices if v.envelope.end > 0)

    def current_volume(self) -> float:
        return self._volume.at(self.clock.now())

    def _clamp(self, volume: float) -> float:
        return min(max(float(volume), 0.0), self.config.max_volume)

    def _start(self, trigger: str, fade: float) -> None:
        try:
            stream, first = self._open(trigger)
        except (UnknownTrigger, TriggerUnreadable) as exc:
            reason = "no such trigger" if isinstance(exc, UnknownTrigger) else str(exc)
            log.warning("cannot play trigger %r: %s", trigger, reason)
            self._report(trigger, reason)
            return
        now = self.clock.now()
        with self._lock:
            if self._closed:
                if stream is not None:
                    stream.close()
                return
            for voice in self._voices:
                voice.envelope = voice.envelope.to(0.0, now, max(fade, MIN_FADE), "power")
            while len(self._voices) >= CHANNELS - 1:  # only after a burst of commands: drop the oldest fade
                self._drop(self._voices.pop(0))
            if not self._pygame.mixer.get_init():
                open_mixer(self.config, fallback_to_dummy=True)
            sound = make_sound(first)
            index = self._free_channel()
            channel = self._pygame.mixer.Channel(index) if index is not None else None
            if channel is not None:
                channel.play(sound, loops=0 if stream is not None else -1)
            if channel is None:
                log.error("no free mixer channel for %r", trigger)
                if stream is not None:
                    stream.close()
                return
            gain_db = self.library.get(trigger).gain_db
            envelope = Ramp(0.0, 1.0, now, max(fade, MIN_FADE))
            voice = Voice(trigger, [sound], channel, 10.0 ** (gain_db / 20.0), envelope, stream=stream, index=index)
            self._voices.append(voice)
        log.info("playing %r (fade %.1f s%s)", trigger, fade, ", streamed" if stream else "")
        self._feed()
        self._wake.set()

    def _free_channel(self) -> int | None:
        """A channel no voice holds (a streamed voice that fell behind is silent but keeps its channel)."""
        held = {v.index for v in self._voices}
        return next(
            (i for i in range(CHANNELS) if i not in held and not self._pygame.mixer.Channel(i).get_busy()), None
        )

    def _open(self, trigger: str) -> tuple[TriggerStream | None, npt.NDArray[np.float32]]:
        """(the stream, its first chunk) of a streamed trigger; (None, the whole loop) of a short one."""
        if trigger not in self.library.names():
            self.library.rescan()  # a file dropped in since the last scan
        if not self.library.get(trigger).streamed:
            return None, self._load(trigger)
        stream = self.library.open_stream(trigger)
        try:
            return stream, stream.chunk(CHUNK_FRAMES)
        except TriggerUnreadable as exc:
            stream.close()
            self.library.mark_broken(trigger, str(exc))
            raise

    def _feed(self) -> None:
        """Queue the next chunk of every streamed voice whose queue ran empty (decoding outside the lock)."""
        with self._feeding:  # the command thread (a new voice) and the sound thread may both feed
            self._feed_hungry()

    def _feed_hungry(self) -> None:
        with self._lock:
            hungry = [v for v in self._voices if v.needs_chunk()]
            for voice in hungry:
                voice.feeding = True
        for voice in hungry:
            assert voice.stream is not None
            try:
                samples = voice.stream.chunk(CHUNK_FRAMES)
                damage = ""
            except TriggerUnreadable as exc:
                damage = str(exc)
            with self._lock:
                voice.feeding = False
                if voice.dropped:  # stopped while its chunk was read: the stream is closed here
                    voice.stream.close()
                    continue
                if damage:
                    voice.damaged = True
                else:
                    sound = make_sound(samples)
                    sound.set_volume(max(voice.applied[0], 0) / 128.0)
                    voice.sounds = [*voice.sounds[-1:], sound]
                    if voice.channel.get_busy():
                        voice.channel.queue(sound)
                    else:  # fell behind (a machine busy for seconds): a gap, then it goes on
                        log.warning("trigger %r: the next chunk came too late; playing on", voice.trigger)
                        voice.channel.play(sound)
            if damage:
                self._damaged(voice, damage)

    def _damaged(self, voice: Voice, reason: str) -> None:
        """The file broke half-way: what is queued fades out, the library forgets it, the controller moves on."""
        log.warning("trigger %r stopped: %s", voice.trigger, reason)
        now = self.clock.now()
        with self._lock:
            voice.envelope = voice.envelope.to(0.0, now, min(DAMAGE_FADE, max(voice.envelope.end, MIN_FADE)), "smooth")
        self.library.mark_broken(voice.trigger, reason)
        self._report(voice.trigger, reason)
        self._wake.set()

    def _drop(self, voice: Voice) -> None:
        """Stop a voice (silent by now), remembering where a streamed recording got to (called under the lock)."""
        voice.channel.stop()
        voice.dropped = True
        if voice.stream is not None:
            if not voice.damaged:
                self.library.remember_position(voice.trigger, voice.stream.position)
            if not voice.feeding:
                voice.stream.close()

    def _load(self, trigger: str) -> npt.NDArray[np.float32]:
        """A short trigger's samples, from a small cache of the last few played."""
        with self._lock:
            cached = self._samples.get(trigger)
            if cached is not None:
                self._samples.move_to_end(trigger)
                return cached
        samples = self.library.load(trigger).astype(np.float32)  # half the memory; the mixer's own format
        with self._lock:
            self._samples[trigger] = samples
            while len(self._samples) > CACHED_SOUNDS:
                self._samples.popitem(last=False)
        return samples

    def _report(self, trigger: str, reason: str) -> None:
        callback = self._on_failure
        if callback is not None:
            callback(trigger, reason)

    # -- the automation thread --------------------------------------------------------

    def _run(self) -> None:
        while True:
            self._wake.clear()
            with self._lock:
                if self._closed:
                    return
                # A gain set now is heard about one mixer buffer later: aim it at then.
                moving, failed = self._apply(self.clock.now() + self._lookahead)
                playing = bool(self._voices)
            for trigger in failed:
                self._report(trigger, "stopped playing unexpectedly")
            self._feed()
            with self._lock:
                streaming = any(v.stream is not None for v in self._voices)
            if moving is not None:
                self.clock.wait(self._wake, min(moving, FEED_INTERVAL) * self.clock.speed)
            elif playing:
                self._wake.wait(min(self._health_check, FEED_INTERVAL) if streaming else self._health_check)
            elif not self._wake.wait(self._idle_close if self._pygame.mixer.get_init() else None):
                held = self._close_output_if_idle()
                if held != 0.0:
                    self._wake.wait(held)  # held open (the night): look again then, or at the next command

    def _close_output_if_idle(self) -> float | None:
        """Close the output unless it is held open; returns how long it is held (real s, None = until woken)."""
        with self._lock:
            if self._voices or self._closed or not self._pygame.mixer.get_init():
                return 0.0
            held = self._hold(self.clock.now())
            if held is None or held > 0:
                return None if held is None else max(0.05, self.clock.real_seconds(held))
            self._samples.clear()  # nothing held decoded through a silence
            close_mixer()
            log.info("audio output closed while nothing plays (it opens again for the next sound)")
            return 0.0

    def _apply(self, now: float) -> tuple[float | None, list[str]]:
        """Set every voice's gain for ``now``; (real seconds until the next step or None, failed triggers)."""
        level = g.volume_to_gain(self._volume.at(now), self.config.floor_db, self.config.ceiling_db)
        cap = g.volume_to_gain(self.config.max_volume, self.config.floor_db, self.config.ceiling_db)
        durations = [self._volume.duration] if self._volume.moving(now) else []
        failed: list[str] = []
        for voice in list(self._voices):
            envelope = voice.envelope.at(now)
            if voice.envelope.end == 0.0 and not voice.envelope.moving(now):
                if voice.applied[0] == 0:
                    self._drop(voice)  # silent for a step already: stopping is not a cut
                    self._voices.remove(voice)
                else:
                    self._set_gain(voice, 0.0)
                    durations.append(MIN_FADE)
                continue
            if not voice.channel.get_busy() and (voice.stream is None or voice.damaged):
                self._voices.remove(voice)
                self._drop(voice)
                if not voice.damaged:
                    failed.append(voice.trigger)
                continue
            self._set_gain(voice, min(level * voice.trigger_gain, cap) * envelope)
            if voice.envelope.moving(now):
                durations.append(voice.envelope.duration)
        if not durations:
            return None, failed
        return self._tick(min(durations)), failed

    def _tick(self, duration: float) -> float:
        """Real seconds between steps: ~200 steps per fade, 5–250 ms apart."""
        return min(max(self.clock.real_seconds(duration) / 200.0, 0.005), 0.25)

    def _set_gain(self, voice: Voice, gain: float) -> None:
        chunk, pan = g.split_gain(gain)
        old_chunk, old_pan = voice.applied
        if (chunk, pan) == (old_chunk, old_pan):
            return
        # The two stages cannot change in one audio buffer: change first the one whose
        # in-between product is nearer the target, so no buffer ever jumps past it.
        pan_first = old_pan < 0 or abs(g.applied_gain(old_chunk, pan) - gain) <= abs(
            g.applied_gain(chunk, old_pan) - gain
        )
        if pan_first and pan != old_pan:
            self._set_pan(voice, pan)
        voice.set_chunk_volume(chunk)
        if not pan_first and pan != old_pan:
            self._set_pan(voice, pan)
        voice.applied = (chunk, pan)

    @staticmethod
    def _set_pan(voice: Voice, pan: int) -> None:
        side = 1.0 if pan >= 255 else (pan + 0.5) / 255.0
        voice.channel.set_volume(side, side)
