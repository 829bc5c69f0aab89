"""The web page's cost on the idle daemon, against the same daemon with the page disabled, in the same run.

Two `hushlight run --simulate` daemons (MQTT off) start side by side, one with
``[web] enabled = true`` and one with it false. Once both are at rest, the page
is loaded 50 times (the first screen: the HTML, its CSS, script and icon, and
the sign-in check), then both are left alone and measured for ``SECONDS`` from
/proc: CPU time and resident memory. The first screen's size is what a phone
downloads on its first visit (nothing is compressed on the device).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.__main__ import figure
from bench.bench_daemon import measure_rest, stop_all

SECONDS = float(os.environ.get("BENCH_WEB_SECONDS", "60"))
ROOT = Path(__file__).resolve().parent.parent
FIRST_SCREEN = ("/", "/static/app.css", "/static/app.js", "/static/screens.js", "/static/icon.svg", "/api/me")
LOADS = 50


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _daemon(folder: Path, web: bool, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    folder.mkdir()
    config = folder / "hushlight.toml"
    config.write_text(
        # keep_output_open = "never": the day's rest at any hour (at night the output stays open on purpose).
        f'[mqtt]\nenabled = false\n[device]\nid = "bench"\n[sounds]\nkeep_output_open = "never"\n'
        f"[web]\nenabled = {str(web).lower()}\nport = {port}\n"
    )
    command = [
        sys.executable,
        "-m",
        "device",
        "run",
        "--simulate",
        "--config",
        str(config),
        "--state-dir",
        str(folder / "state"),
    ]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL
    )


def wait_for_cache(state: Path, timeout: float = 180.0) -> None:
    """Until the built-in triggers are rendered (a one-off at first start)."""
    from device.audio import synth

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(synth.cache_path(state / "cache", name).exists() for name in synth.BUILTINS):
            return
        time.sleep(0.5)


def _first_screen(port: int) -> int:
    size = 0
    for path in FIRST_SCREEN:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as reply:
            size += len(reply.read()) + sum(len(k) + len(v) + 4 for k, v in reply.getheaders())
    return size


def run() -> list[dict[str, object]]:
    from device.audio.pygame_player import IDLE_CLOSE

    env = {**os.environ, "SDL_AUDIODRIVER": "dummy", "PYGAME_HIDE_SUPPORT_PROMPT": "1"}
    port = _free_port()
    with tempfile.TemporaryDirectory() as tmp:
        with_page = _daemon(Path(tmp) / "web", True, port, env)
        without = _daemon(Path(tmp) / "plain", False, _free_port(), env)
        try:
            wait_for_cache(Path(tmp) / "web" / "state")
            wait_for_cache(Path(tmp) / "plain" / "state")
            size = 0
            for _ in range(LOADS):
                size = _first_screen(port)
            time.sleep(IDLE_CLOSE + 5)
            used, rss = measure_rest((with_page, without), SECONDS)
        finally:
            stop_all((with_page, without))
    per_hour = 3600 / SECONDS
    note = f"idle over {SECONDS:g} s after {LOADS} page loads; baseline: the same daemon with [web] enabled = false"
    return [
        figure(
            "web page: daemon idle CPU",
            used[with_page.pid] * per_hour,
            "s/h",
            used[without.pid] * per_hour,
            "lower",
            note,
        ),
        figure("web page: daemon resident memory", rss[with_page.pid], "MiB", rss[without.pid], "lower", note),
        figure(
            "web page: first screen",
            size / 1024,
            "KiB",
            150.0,
            "lower",
            "HTML, CSS, script, icon and sign-in check with headers; baseline: the 150 KB goal",
        ),
    ]
