"""systemd's side of Type=notify, played by a datagram socket: READY once the parts are up, WATCHDOG from the
worker only while it serves its queue, STOPPING on SIGTERM."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from device.audio.player import SilentPlayer
from device.config import parse_config
from device.core import events as ev
from device.core.controller import Controller, settings_from_config
from device.hardware.lamp.fakes.recording import RecordingLamp
from device.hub.base import NullHub
from device.journal.base import MemoryJournal
from device.runtime.clock import RealClock
from device.runtime.daemon import Notifier
from device.runtime.worker import Adapters, Worker
from tests.support.daemon import DaemonProcess

CONFIG = '[device]\nid = "notify"\n[mqtt]\nenabled = false\n[routine]\nenabled = false\n'


class FakeSystemd:
    """The listening end of $NOTIFY_SOCKET: a path, or an abstract name written with a leading @."""

    def __init__(self, path: Path | None) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if path is None:
            name = f"hushlight-test-{os.getpid()}-{id(self)}"
            self.sock.bind("\0" + name)
            self.address = "@" + name
        else:
            self.sock.bind(str(path))
            self.address = str(path)
        self.sock.settimeout(0.2)
        self.messages: list[str] = []

    def wait_for(self, text: str, timeout: float = 30.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                message = self.sock.recv(4096).decode()
            except TimeoutError:
                continue
            self.messages.append(message)
            if text in message.splitlines():
                return message
        raise AssertionError(f"{text!r} not received within {timeout} s; got {self.messages}")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture(params=["path", "abstract"])
def systemd(request, tmp_path: Path) -> Iterator[FakeSystemd]:
    fake = FakeSystemd(tmp_path / "notify.sock" if request.param == "path" else None)
    yield fake
    fake.close()


def test_ready_then_watchdog_then_stopping(tmp_path: Path, systemd: FakeSystemd) -> None:
    config = tmp_path / "hushlight.toml"
    config.write_text(CONFIG)
    env = {"NOTIFY_SOCKET": systemd.address, "WATCHDOG_USEC": "600000"}  # pings due every 0.2 s
    daemon = DaemonProcess(config, tmp_path / "state", env=env)
    try:
        ready = systemd.wait_for("READY=1")
        assert "STATUS=running (simulation at 1x)" in ready
        # READY is sent after the parts are built: their log lines are already written by then.
        daemon.wait_for("lamp: hwpwm backend")
        daemon.wait_for("hushlight ready")
        assert systemd.messages == [ready], "nothing before READY"
        for _ in range(3):
            systemd.wait_for("WATCHDOG=1")
        assert daemon.stop(timeout=30) == 0
        systemd.wait_for("STOPPING=1", timeout=5)
    finally:
        daemon.kill()


def test_without_notify_socket_nothing_is_sent_and_nothing_fails(monkeypatch) -> None:
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    notifier = Notifier()
    notifier.send("READY=1")
    notifier.watchdog()
    assert notifier.watchdog_interval is None


def test_a_vanished_socket_is_not_fatal(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", str(tmp_path / "gone.sock"))
    Notifier().send("READY=1")


class HangingLamp:
    """A lamp whose fade blocks until released: a worker stuck in an adapter."""

    def __init__(self, lamp) -> None:
        self.lamp = lamp
        self.entered = threading.Event()
        self.release = threading.Event()

    def __getattr__(self, name):
        return getattr(self.lamp, name)

    def fade_to(self, *args) -> None:
        self.entered.set()
        self.release.wait(30)


def counting_worker(monkeypatch) -> tuple[Worker, list[float], threading.Thread]:
    import datetime as dt

    beats: list[float] = []
    config = parse_config("[routine]\nenabled = false\n")
    clock = RealClock()
    controller = Controller(config, settings_from_config(config), dt.UTC)
    adapters = Adapters(RecordingLamp(clock), SilentPlayer(), NullHub(), MemoryJournal())
    worker = Worker(controller, adapters, clock, heartbeat=lambda: beats.append(time.monotonic()), max_sleep=0.02)
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    return worker, beats, thread


def wait_for_beats(beats: list[float], more_than: int) -> None:
    deadline = time.monotonic() + 10
    while len(beats) <= more_than and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(beats) > more_than


def test_a_hung_worker_stops_the_pings_and_they_resume_when_it_serves_again(monkeypatch) -> None:
    worker, beats, thread = counting_worker(monkeypatch)
    hanging = HangingLamp(worker.adapters.lamp)
    worker.adapters.lamp = hanging  # type: ignore[assignment]
    wait_for_beats(beats, 3)
    worker.post(ev.Command("lamp", {"on": True, "level": 50, "transition": 0}, "hub"))
    assert hanging.entered.wait(10)
    stuck_at = len(beats)
    # Fifty sleep periods: a serving worker would have pinged about fifty times.
    threading.Event().wait(50 * worker.max_sleep)
    assert len(beats) == stuck_at
    hanging.release.set()
    wait_for_beats(beats, stuck_at + 3)
    worker.post(ev.Shutdown())
    thread.join(5)


class SlowScanPlayer(SilentPlayer):
    def __init__(self) -> None:
        super().__init__()
        self.scanning = threading.Event()
        self.finish = threading.Event()

    def triggers(self):
        self.scanning.set()
        self.finish.wait(30)
        return super().triggers()


def test_a_slow_library_scan_does_not_stop_the_pings(monkeypatch) -> None:
    worker, beats, thread = counting_worker(monkeypatch)
    player = SlowScanPlayer()
    worker.adapters.player = player
    worker.post(ev.Command("rescan_triggers", None, "hub"))
    assert player.scanning.wait(10)
    during = len(beats)
    wait_for_beats(beats, during + 5)
    player.finish.set()
    worker.post(ev.Shutdown())
    thread.join(5)


def test_the_watchdog_is_pinged_a_few_times_per_interval_not_on_every_event(monkeypatch) -> None:
    sent: list[str] = []
    monkeypatch.setenv("NOTIFY_SOCKET", "@unused")
    monkeypatch.setenv("WATCHDOG_USEC", str(3600 * 10**6))
    notifier = Notifier()
    monkeypatch.setattr(notifier, "send", sent.append)
    for _ in range(100):
        notifier.watchdog()
    assert sent == ["WATCHDOG=1"]
    assert parse_config(CONFIG).device.id == "notify"
