"""Run the simulated daemon as a user would: a subprocess, watched over MQTT or through a pseudo-terminal."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import re
import shutil
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

DEVICE_ID = "simtest"
BASE = f"hushlight/{DEVICE_ID}"
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>78]")


def write_config(folder: Path, broker_port: int, extra: str = "") -> Path:
    """A config for the simulated device: UTC, the test's broker, anything else in ``extra``."""
    path = folder / "hushlight.toml"
    path.write_text(
        f'[device]\nid = "{DEVICE_ID}"\ntimezone = "UTC"\nlog_level = "info"\n\n'
        f'[mqtt]\nhost = "127.0.0.1"\nport = {broker_port}\n\n{extra}\n'
    )
    return path


def seed_sound_cache(cache: Path, state_dir: Path) -> None:
    """Give the daemon the built-in triggers already rendered, so it does not spend seconds of CPU on them."""
    shutil.copytree(cache, state_dir / "cache", dirs_exist_ok=True)


def daemon_command(config: Path, state_dir: Path, speed: float, start: str, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "device",
        "run",
        "--simulate",
        "--speed",
        f"{speed:g}",
        "--start",
        start,
        "--config",
        str(config),
        "--state-dir",
        str(state_dir),
        *extra,
    ]


def daemon_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(SDL_AUDIODRIVER="dummy", PYGAME_HIDE_SUPPORT_PROMPT="1")
    env.pop("HUSHLIGHT_CONFIG", None)
    return env


@dataclass
class Message:
    topic: str
    payload: bytes
    retain: bool

    def json(self) -> Any:
        return json.loads(self.payload)


@dataclass
class Watcher:
    """A test's own MQTT client: records everything under the device's base topic."""

    port: int
    messages: list[Message] = field(default_factory=list)
    _cond: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="sim-test-watcher")
        self.client.on_message = self._on_message
        subscribed = threading.Event()
        self.client.on_subscribe = lambda *args: subscribed.set()
        self.client.connect("127.0.0.1", self.port)
        self.client.subscribe(f"{BASE}/#", qos=1)
        self.client.loop_start()
        if not subscribed.wait(10):
            raise RuntimeError("the watcher could not subscribe")

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        with self._cond:
            self.messages.append(Message(message.topic, bytes(message.payload), bool(message.retain)))
            self._cond.notify_all()

    def publish(self, suffix: str, payload: str) -> None:
        self.client.publish(f"{BASE}/{suffix}", payload, qos=1).wait_for_publish(5)

    def on(self, suffix: str) -> list[Message]:
        with self._cond:
            return [m for m in self.messages if m.topic == f"{BASE}/{suffix}"]

    def wait_for(self, suffix: str, test: Callable[[Message], bool], timeout: float, after: int = 0) -> Message:
        """The first message on ``suffix`` (from the ``after``-th on) that passes ``test``."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for m in self.messages[after:]:
                    if m.topic == f"{BASE}/{suffix}" and test(m):
                        return m
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [m.payload[:120] for m in self.messages[after:] if m.topic == f"{BASE}/{suffix}"][-5:]
                    raise AssertionError(f"nothing on {suffix} passed the test within {timeout} s; last: {seen}")
                self._cond.wait(left)

    def mark(self) -> int:
        with self._cond:
            return len(self.messages)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


def stop(process: subprocess.Popen[Any], timeout: float = 15) -> int:
    """SIGTERM, and the exit code (killed and failed if it does not stop in time)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError("the daemon did not stop within 15 s of SIGTERM") from None


class Terminal:
    """A pseudo-terminal of ``rows`` x ``cols`` with a process on it; reads back what it drew."""

    def __init__(self, command: list[str], rows: int = 40, cols: int = 140) -> None:
        self.master, self.slave = pty.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.initial = termios.tcgetattr(self.slave)
        env = daemon_env() | {"TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows)}
        self.process = subprocess.Popen(
            command, stdin=self.slave, stdout=self.slave, stderr=self.slave, env=env, start_new_session=True
        )
        self.output = bytearray()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            with self._lock:
                self.output += chunk

    def text(self) -> str:
        with self._lock:
            return self.output.decode("utf-8", "replace")

    def screen(self) -> str:
        """The last full frame, without escape codes (rich homes the cursor before each frame)."""
        raw = self.text()
        frame = raw[raw.rfind("\x1b[H") :] if "\x1b[H" in raw else raw
        return ANSI.sub("", frame)

    def wait_screen(self, test: Callable[[str], bool], timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if test(screen):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"the screen never showed it within {timeout} s; it shows:\n{self.screen()}")

    def wait_text(self, text: str, timeout: float) -> str:
        """All output so far, once ``text`` is in it (the last bytes may still be on their way after an exit)."""
        deadline = time.monotonic() + timeout
        while text not in self.text():
            if time.monotonic() > deadline:
                raise AssertionError(f"{text!r} never came; the output ends with:\n{self.text()[-2000:]}")
            time.sleep(0.05)
        return self.text()

    def send(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def lflag(self) -> int:
        return int(termios.tcgetattr(self.slave)[3])

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for fd in (self.slave, self.master):
            with contextlib.suppress(OSError):
                os.close(fd)


@contextlib.contextmanager
def terminal(command: list[str]) -> Iterator[Terminal]:
    term = Terminal(command)
    try:
        yield term
    finally:
        term.close()


def wait_until_linked(watcher: Watcher, process: subprocess.Popen[Any], timeout: float = 30) -> None:
    """Wait until the daemon's sim link answers: a refused button payload comes back on sim/error."""
    deadline = time.monotonic() + timeout
    while not watcher.on("sim/error"):
        if process.poll() is not None:
            raise AssertionError(f"the daemon exited with {process.returncode} before its sim link was up")
        if time.monotonic() > deadline:
            raise AssertionError(f"no answer on sim/error within {timeout} s")
        watcher.publish("sim/button", "triple")
        time.sleep(0.2)
