"""Run the real daemon (`python -m device run --simulate ...`) and read its routine events and lamp fades."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import threading
import time
import zoneinfo
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EVENT_RE = re.compile(r"worker: (?P<kind>\w+) at t=(?P<t>[\d.]+): (?P<data>\{.*\})$")
EFFECT_RE = re.compile(r"worker: effect at t=(?P<t>[\d.]+): (?P<name>\w+)\((?P<args>.*)\)$")
LAMP_RE = re.compile(r"level=(?P<level>[\d.]+), duration=(?P<duration>[\d.e+-]+), curve='(?P<curve>\w+)'")

CONFIG = """
[device]
timezone = "{tz}"
log_level = "debug"
[mqtt]
enabled = false
{extra}
"""


@dataclass(frozen=True)
class Event:
    kind: str
    t: float
    data: dict[str, Any]


@dataclass(frozen=True)
class LampFade:
    t: float
    level: float
    duration: float
    curve: str


def write_config(folder: Path, extra: str = "", tz: str = "Europe/Berlin") -> Path:
    path = folder / "hushlight.toml"
    path.write_text(CONFIG.format(tz=tz, extra=extra))
    return path


def epoch(local: str, tz: str = "Europe/Berlin") -> float:
    return dt.datetime.fromisoformat(local).replace(tzinfo=zoneinfo.ZoneInfo(tz)).timestamp()


class Daemon:
    """One daemon process; its log lines are collected by a thread as they come."""

    def __init__(self, config: Path, state_dir: Path, start: str, speed: float) -> None:
        cmd = [sys.executable, "-m", "device", "run", "--simulate", "--speed", str(speed), "--start", start]
        cmd += ["--config", str(config), "--state-dir", str(state_dir)]
        self.proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        self.lines: list[str] = []
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self._changed:
                self.lines.append(line.rstrip("\n"))
                self._changed.notify_all()
        with self._changed:
            self._changed.notify_all()

    def events(self, kind: str | None = None) -> list[Event]:
        with self._changed:
            lines = list(self.lines)
        out = []
        for line in lines:
            match = EVENT_RE.search(line)
            if match and (kind is None or match["kind"] == kind):
                out.append(Event(match["kind"], float(match["t"]), json.loads(match["data"])))
        return out

    def lamp_fades(self) -> list[LampFade]:
        with self._changed:
            lines = list(self.lines)
        out = []
        for line in lines:
            match = EFFECT_RE.search(line)
            if match and match["name"] == "LampFade":
                args = LAMP_RE.search(match["args"])
                assert args is not None, line
                out.append(LampFade(float(match["t"]), float(args["level"]), float(args["duration"]), args["curve"]))
        return out

    def effects(self, name: str) -> list[float]:
        with self._changed:
            lines = list(self.lines)
        return [float(m["t"]) for line in lines if (m := EFFECT_RE.search(line)) and m["name"] == name]

    def wait_for(self, kind: str, count: int = 1, timeout: float = 20.0) -> list[Event]:
        """Wait until ``count`` events of ``kind`` were logged; fail with the log if they do not come."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = self.events(kind)
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._reader.is_alive()):
                    tail = "\n".join(self.lines[-30:])
                    raise AssertionError(f"no {count}x {kind} within {timeout} s; log:\n{tail}")
                self._changed.wait(min(left, 0.2))

    def wait_for_effect(self, name: str, timeout: float = 20.0) -> float:
        """Wait until an effect ``name`` was logged; returns its device time."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not (found := self.effects(name)):
                if time.monotonic() > deadline or (self.proc.poll() is not None and not self._reader.is_alive()):
                    raise AssertionError(f"no {name} within {timeout} s; log:\n" + "\n".join(self.lines[-30:]))
                self._changed.wait(0.2)
            return found[0]

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait(10)
        self._reader.join(5)

    def stop(self) -> int:
        """SIGTERM, as systemd does; returns the exit code."""
        if self.proc.poll() is None:
            self.proc.terminate()
        code = self.proc.wait(15)
        self._reader.join(5)
        return code
