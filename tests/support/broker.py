"""Start a private mosquitto for a test: a free loopback port, never the system's 1883."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path


def mosquitto_binary() -> str:
    found = shutil.which("mosquitto") or next(
        (
            p
            for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/opt/homebrew/sbin/mosquitto")
            if Path(p).exists()
        ),
        None,
    )
    if not found:
        raise RuntimeError("mosquitto is not installed: `make test` installs it, or run `apt-get install mosquitto`")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Broker:
    """A running mosquitto; ``restart()`` keeps the port, ``stop()`` takes it away."""

    folder: Path
    port: int
    extra_config: str = ""
    host: str = "127.0.0.1"
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def config_file(self) -> Path:
        return self.folder / "mosquitto.conf"

    def start(self) -> None:
        self.config_file.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n{self.extra_config}\n"
        )
        log = open(self.folder / "mosquitto.log", "ab")  # noqa: SIM115 - kept for the process's lifetime
        self.process = subprocess.Popen(
            [mosquitto_binary(), "-c", str(self.config_file)], stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {(self.folder / 'mosquitto.log').read_text()[-2000:]}")
            with contextlib.suppress(OSError), socket.create_connection((self.host, self.port), timeout=0.2):
                return
            time.sleep(0.05)
        raise RuntimeError("mosquitto did not accept connections within 10 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


@contextlib.contextmanager
def start_broker(folder: Path, extra_config: str = "", port: int | None = None) -> Iterator[Broker]:
    broker = Broker(folder=folder, port=port or free_port(), extra_config=extra_config)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
