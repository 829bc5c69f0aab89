"""The queued player: the worker never waits for a trigger to load, and commands keep their order."""

from __future__ import annotations

import threading
import time

from device.audio.player import SilentPlayer
from device.audio.queued import QueuedPlayer


class SlowPlayer(SilentPlayer):
    """A player whose play() takes as long as rendering a built-in the first time."""

    def __init__(self, delay: float) -> None:
        super().__init__()
        self.delay = delay
        self.release = threading.Event()

    def play(self, trigger: str, volume: float, fade_in: float) -> None:
        self.release.wait(self.delay)
        super().play(trigger, volume, fade_in)

    def crossfade(self, trigger: str, duration: float) -> None:
        if trigger == "explodes":
            raise RuntimeError("decoder crashed")
        super().crossfade(trigger, duration)


def test_play_returns_at_once_and_a_stop_sent_meanwhile_comes_after_it() -> None:
    inner = SlowPlayer(delay=5.0)
    player = QueuedPlayer(inner)
    started = time.monotonic()
    player.play("rain", 40.0, 8.0)
    player.fade_out(10.0)
    assert time.monotonic() - started < 0.1  # the caller (the worker) did not wait
    assert inner.calls == []
    inner.release.set()
    assert player.wait_idle(5)
    assert [name for name, _ in inner.calls] == ["play", "fade_out"]
    assert inner.playing == ""
    player.close()


def test_a_failing_command_is_logged_and_the_next_one_still_runs(caplog) -> None:
    inner = SlowPlayer(delay=0.0)
    player = QueuedPlayer(inner)
    player.crossfade("explodes", 1.0)
    player.crossfade("rain", 1.0)
    assert player.wait_idle(5)
    assert inner.playing == "rain"
    assert "decoder crashed" in caplog.text
    player.close()


def test_close_finishes_the_last_fade_out_then_closes_and_is_idempotent() -> None:
    inner = SlowPlayer(delay=0.0)
    player = QueuedPlayer(inner)
    player.play("rain", 40.0, 0.0)
    player.fade_out(0.8)
    player.close()
    player.close()
    assert [name for name, _ in inner.calls] == ["play", "fade_out"]
    assert inner.closed
    player.play("rain", 40.0, 0.0)  # after close: ignored, no error
    assert len(inner.calls) == 2
