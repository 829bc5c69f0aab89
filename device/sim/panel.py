"""The simulator's live terminal panel, and what runs instead of it without a terminal.

The panel owns the terminal while it runs: keys are read unbuffered and
unechoed (termios; Ctrl-C still stops the daemon), the screen is redrawn when
something changed (at most :data:`MAX_FPS` times a second, and once a second
for the clock), and the log goes into a ring buffer shown at the bottom
instead of over the drawing. Everything is put back on exit, also when the
panel fails. One thread does it all: it sleeps in ``select`` on the keyboard
and a wake-up pipe, so an idle panel costs nothing.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import datetime as dt
import logging
import os
import select
import sys
import termios
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, TextIO

from rich.console import Console
from rich.live import Live

from device.sim.keys import SpaceBar, actions_for
from device.sim.view import PanelModel, render

log = logging.getLogger(__name__)

MAX_FPS = 8.0
CLOCK_TICK = 1.0  # s between redraws when nothing else changes: the simulated clock moves


class RingHandler(logging.Handler):
    """Keeps the last log lines for the panel."""

    def __init__(self, on_line: Callable[[str], None]) -> None:
        super().__init__(logging.DEBUG)
        self.on_line = on_line
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.on_line(self.format(record).splitlines()[0])
        except Exception:
            self.handleError(record)


class Panel:
    """Draws :class:`PanelModel` on the terminal and turns keys into simulator actions."""

    def __init__(
        self,
        model: PanelModel,
        act: Callable[[str], None],
        refresh: Callable[[PanelModel], None],
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
    ) -> None:
        self.model = model
        self._act = act
        self._refresh = refresh  # fills the model's live parts (clock, lamp, simulated room) before a draw
        self._stdin = stdin or sys.stdin
        self._stdout = stdout or sys.stdout
        self._fd = self._stdin.fileno()
        self._lock = threading.RLock()  # the dirty flag and the model's line buffers
        self._dirty = True
        self._stop = threading.Event()
        self._wake_r, self._wake_w = os.pipe()
        self._space = SpaceBar()
        self._saved: list[Any] | None = None
        self._handler = RingHandler(self._log_line)
        self._moved: list[logging.Handler] = []
        self._thread = threading.Thread(target=self._run, name="hushlight-panel", daemon=True)
        self.failed = False

    # -- fed from other threads --------------------------------------------------

    def changed(self, *_: Any) -> None:
        """Something on the panel changed: redraw soon (any thread; cheap when called often)."""
        with self._lock:
            if self._dirty:
                return
            self._dirty = True
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"x")

    def observe(self, snapshot: dict[str, Any]) -> None:
        """The worker's state observer."""
        self.model.snapshot = snapshot
        self.changed()

    def hub_message(self, topic: str, payload: str) -> None:
        stamp = dt.datetime.fromtimestamp(self.model.now or time.time(), self.model.tz).strftime("%H:%M:%S")
        with self._lock:
            if topic == "availability":
                self.model.availability = payload.strip()
            self.model.messages.append(f"{stamp}  {topic}  {payload}")
        self.changed()

    def hub_connection(self, connected: bool, broker: str) -> None:
        self.model.hub_connected = connected
        self.model.hub = f"broker {broker}"
        self.changed()

    def _log_line(self, line: str) -> None:
        with self._lock:
            self.model.log_lines.append(line)
        self.changed()

    # -- life ----------------------------------------------------------------------

    def start(self) -> Panel:
        """Take over the terminal and start drawing."""
        self._take_terminal()
        self._take_logging()
        atexit.register(self._give_back)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop drawing and give the terminal and the log back; safe to call twice."""
        self._stop.set()
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"q")
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(5)
        self._give_back()

    def _take_terminal(self) -> None:
        self._saved = termios.tcgetattr(self._fd)
        attrs = termios.tcgetattr(self._fd)
        attrs[3] &= ~(termios.ICANON | termios.ECHO)  # keys one by one, not echoed; signals still work
        attrs[6][termios.VMIN] = 1
        attrs[6][termios.VTIME] = 0
        termios.tcsetattr(self._fd, termios.TCSANOW, attrs)

    def _take_logging(self) -> None:
        root = logging.getLogger()
        for handler in list(root.handlers):
            stream = getattr(handler, "stream", None)
            if isinstance(handler, logging.StreamHandler) and stream in (sys.stderr, sys.stdout, self._stdout):
                root.removeHandler(handler)
                self._moved.append(handler)
        root.addHandler(self._handler)

    def _give_back(self) -> None:
        root = logging.getLogger()
        if self._handler in root.handlers:
            root.removeHandler(self._handler)
            for handler in self._moved:
                root.addHandler(handler)
            self._moved.clear()
        saved, self._saved = self._saved, None
        if saved is not None:
            with contextlib.suppress(termios.error, OSError):
                termios.tcsetattr(self._fd, termios.TCSADRAIN, saved)

    # -- the panel's thread --------------------------------------------------------

    def _run(self) -> None:
        console = Console(file=self._stdout, force_terminal=True)
        live = Live(console=console, screen=True, auto_refresh=False, redirect_stdout=False, redirect_stderr=False)
        try:
            with live:
                self._loop(live)
        except Exception:
            self.failed = True
            self._give_back()
            log.exception("the simulator panel failed; the device carries on, logging to the terminal")
        finally:
            self._give_back()

    def _loop(self, live: Live) -> None:
        last_draw = 0.0
        while not self._stop.is_set():
            now = time.monotonic()
            if (self._dirty and now - last_draw >= 1 / MAX_FPS) or now - last_draw >= CLOCK_TICK:
                self._draw(live)
                last_draw = now
            ready, _, _ = select.select([self._fd, self._wake_r], [], [], self._timeout(last_draw))
            if self._wake_r in ready:
                os.read(self._wake_r, 4096)
            if self._fd in ready:
                self._keys(os.read(self._fd, 64).decode("utf-8", "ignore"))
            for gesture in self._space.due(time.monotonic()):
                self._do(gesture)

    def _timeout(self, last_draw: float) -> float:
        now = time.monotonic()
        due = [last_draw + (1 / MAX_FPS if self._dirty else CLOCK_TICK)]
        deadline = self._space.deadline()
        if deadline is not None:
            due.append(deadline)
        return max(0.0, min(due) - now)

    def _keys(self, text: str) -> None:
        if "\x1b" in text:  # an arrow or function key: not ours (and its letters are not keys)
            text = text[: text.index("\x1b")]
        for key in text:
            for action in actions_for(key, self._space, time.monotonic()):
                self._do(action)
        self.changed()

    def _do(self, action: str) -> None:
        try:
            self._act(action)
        except Exception:
            log.exception("panel: %s failed", action)
        self.changed()

    def _draw(self, live: Live) -> None:
        self.model.pending = self._space.pending
        self._refresh(self.model)
        with self._lock:  # a copy: other threads add lines while it is drawn
            self._dirty = False
            model = dataclasses.replace(
                self.model, messages=deque(self.model.messages), log_lines=deque(self.model.log_lines)
            )
        live.update(render(model), refresh=True)


class StateLogger:
    """Without a terminal: log what the panel would have shown, when it changes."""

    def __init__(self) -> None:
        self._last: tuple[Any, ...] | None = None

    def observe(self, snapshot: dict[str, Any]) -> None:
        session, lamp, room = snapshot.get("session", {}), snapshot.get("lamp", {}), snapshot.get("room", {})
        key = (session.get("active"), session.get("trigger"), lamp.get("target"), tuple(room.get("not_ready") or ()))
        if key == self._last:
            return
        self._last = key
        if session.get("active"):
            log.info(
                "sim: session %s, %s s left, volume %s; lamp %s %% -> %s %%; room not ready: %s",
                session.get("trigger"),
                session.get("remaining"),
                session.get("volume"),
                lamp.get("level"),
                lamp.get("target"),
                ", ".join(key[3]) or "no",
            )
        else:
            log.info(
                "sim: no session; lamp %s %% -> %s %%; room not ready: %s",
                lamp.get("level"),
                lamp.get("target"),
                ", ".join(key[3]) or "no",
            )
