"""The simulator's panel in a real (pseudo-)terminal: keys in, the screen read back, the terminal restored."""

from __future__ import annotations

import json
import subprocess
import termios
from pathlib import Path

from tests.support.broker import Broker
from tests.support.sim import (
    Watcher,
    daemon_command,
    daemon_env,
    seed_sound_cache,
    terminal,
    wait_until_linked,
    write_config,
)


def test_the_panel_starts_a_session_on_space_and_gives_the_terminal_back(
    tmp_path: Path, broker: Broker, sound_cache: Path
) -> None:
    state = tmp_path / "state"
    seed_sound_cache(sound_cache, state)
    config = write_config(tmp_path, broker.port)
    watcher = Watcher(broker.port)
    command = daemon_command(config, state, 60, "2026-11-24 21:00")
    try:
        with terminal(command) as term:
            assert term.initial[3] & termios.ICANON and term.initial[3] & termios.ECHO
            screen = term.wait_screen(
                lambda s: "no session" in s and "device online" in s and "21:30" in s and "Button     —" in s, 30
            )
            assert "Hushlight · simtest · simulation" in screen
            assert "Tue 24 Nov 2026 21:0" in screen and "speed 60×" in screen
            assert "Wind-down  next Tue 24 Nov 21:30" in screen, "sleep 23:00 - 60 min - a 30 min session"
            assert not term.lflag() & (termios.ICANON | termios.ECHO), "keys one by one, not echoed"

            term.send(" ")  # one tap: a single press, once the keyboard has been quiet
            screen = term.wait_screen(lambda s: "started by button" in s, 15)
            assert "single press at 21:" in screen
            term.wait_screen(lambda s: '"gesture":"single"' in s, 10)  # the hub's button event, on the panel
            lamp = watcher.wait_for("sim/lamp", lambda m: m.json()["level"] > 1, 10).json()
            assert lamp["time"].startswith("2026-11-24T21:")

            term.send("tb+")  # warmer, brighter, louder
            screen = term.wait_screen(lambda s: "volume 45 %" in s and "simulated 19.5 °C" in s, 10)
            assert "simulated 19.5 °C, 45 %, 1 lx" in screen
            assert "simulated room: lux 1" in screen, "the log tail is on the panel"
            assert "sim/button" not in screen

            watcher.publish("sim/button", "double")  # the hub messages line shows MQTT traffic for this device
            term.wait_screen(lambda s: "sim/button  double" in s, 10)

            term.send("q")
            assert term.process.wait(20) == 0
            out = term.wait_text("hushlight stopped", 10)
            assert "\x1b[?1049l" in out, "the alternate screen was left"
            assert term.lflag() & termios.ICANON and term.lflag() & termios.ECHO, "the terminal is restored"
            assert "Traceback" not in out
    finally:
        watcher.close()


def test_without_a_terminal_the_simulator_logs_instead_of_drawing(
    tmp_path: Path, broker: Broker, sound_cache: Path
) -> None:
    state = tmp_path / "state"
    seed_sound_cache(sound_cache, state)
    config = write_config(tmp_path, broker.port)
    watcher = Watcher(broker.port)
    command = daemon_command(config, state, 600, "2026-11-24 21:00")
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=daemon_env(), text=True
    )
    try:
        wait_until_linked(watcher, process)
        watcher.publish("sim/button", "single")
        watcher.wait_for("sim/lamp", lambda m: json.loads(m.payload)["level"] > 1, 10)
    finally:
        process.terminate()
        out, err = process.communicate(timeout=20)
        watcher.close()
    assert process.returncode == 0, err[-2000:]
    assert "\x1b[" not in out + err, "no drawing"
    assert "sim: session " in err and "sim: no session" in err


def test_a_failing_panel_gives_the_terminal_and_the_log_back() -> None:
    import logging
    import os
    import pty
    import time

    from device.sim.panel import Panel
    from device.sim.view import PanelModel

    master, slave = pty.openpty()
    stdin, stdout = os.fdopen(slave, "r", closefd=False), os.fdopen(slave, "w", closefd=False)
    before = termios.tcgetattr(slave)
    handler = logging.StreamHandler(stdout)
    root = logging.getLogger()
    root.addHandler(handler)
    actions: list[str] = []

    def broken_refresh(model: PanelModel) -> None:
        if actions:  # the first frame draws; after a key, drawing fails
            raise RuntimeError("a bug in the panel")

    panel = Panel(PanelModel("bedroom", 1.0), actions.append, broken_refresh, stdin=stdin, stdout=stdout)
    try:
        panel.start()
        assert not termios.tcgetattr(slave)[3] & termios.ICANON
        assert handler not in root.handlers, "the panel owns the screen: no log lines over it"
        os.write(master, b"n")
        deadline = time.monotonic() + 5
        while not panel.failed and time.monotonic() < deadline:
            time.sleep(0.02)
        assert actions == ["next_trigger"] and panel.failed
        assert termios.tcgetattr(slave) == before, "the terminal is as it was"
        assert handler in root.handlers, "the log goes to the terminal again"
    finally:
        panel.close()
        panel.close()  # twice is fine
        root.removeHandler(handler)
        os.close(master)
        os.close(slave)
