"""Run the real daemon as a subprocess and read its log."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path


class DaemonProcess:
    def __init__(self, config: Path, state_dir: Path, *extra: str, env: dict[str, str] | None = None) -> None:
        full_env = {**os.environ, "SDL_AUDIODRIVER": "dummy", "PYTHONUNBUFFERED": "1", **(env or {})}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "device",
                "run",
                "--simulate",
                "--config",
                str(config),
                "--state-dir",
                str(state_dir),
                *extra,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=full_env,
            text=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        for line in self.lines:
            if text in line:
                return line
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.1)
            except queue.Empty:
                if self.proc.poll() is not None and self._queue.empty():
                    break
                continue
            self.lines.append(line)
            if text in line:
                return line
        raise AssertionError(f"{text!r} not logged within {timeout} s; log:\n" + "\n".join(self.lines[-40:]))

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            self._drain()
            log = "\n".join(self.lines[-40:])
            raise AssertionError(f"not stopped {timeout} s after the signal; log:\n{log}") from None
        self._drain()
        return code

    def _drain(self) -> None:
        self._reader.join(2)
        while not self._queue.empty():
            self.lines.append(self._queue.get())

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
