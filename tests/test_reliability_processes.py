"""Clean exits: children die with the daemon whatever ends it, SIGHUP stops like SIGTERM, and the
simulator's private broker neither outlives the daemon nor is silently reused when a stray one runs."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest

from device.sim.broker import PID_FILE, free_port, mosquitto_binary, reachable
from tests.support.broker import Broker
from tests.support.daemon import DaemonProcess
from tests.support.hub import Watcher
from tests.support.procs import alive, descendants, gone, wait_for_child, wait_for_child_line
from tests.support.sim import daemon_command, daemon_env, seed_sound_cache, write_config

QUIET = '[device]\nid = "procs"\n[mqtt]\nenabled = false\n[routine]\nenabled = false\n'


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_a_render_child_dies_with_the_daemon(tmp_path: Path, sig: int) -> None:
    config = tmp_path / "hushlight.toml"
    config.write_text(QUIET)
    daemon = DaemonProcess(config, tmp_path / "state")  # an empty cache: it renders the built-ins in children
    try:
        child, line = wait_for_child_line(daemon.proc.pid, "device.audio.synth rain")  # seconds of work
        wav = Path(line.split()[-1])
        daemon.proc.send_signal(sig)
        daemon.proc.wait(30)
    finally:
        daemon.kill()
    assert gone([child]), f"render child {child} outlived the daemon"
    assert not wav.exists(), "an orphaned render wrote into the cache after the daemon had gone"


def test_sighup_stops_cleanly_like_sigterm(tmp_path: Path, broker: Broker, sound_cache: Path) -> None:
    config = tmp_path / "hushlight.toml"
    config.write_text(
        f'[device]\nid = "hup"\n[mqtt]\nhost = "127.0.0.1"\nport = {broker.port}\n[routine]\nenabled = false\n'
    )
    state = tmp_path / "state"
    seed_sound_cache(sound_cache, state)
    watcher = Watcher(broker)
    daemon = DaemonProcess(config, state)
    try:
        watcher.wait_for(lambda m: m.topic == "hushlight/hup/availability" and m.payload == b"online", timeout=30)
        daemon.wait_for("hushlight ready")
        mark = watcher.mark()
        code = daemon.stop(signal.SIGHUP, timeout=30)
        watcher.wait_for(lambda m: m.topic == "hushlight/hup/availability" and m.payload == b"offline", after=mark)
    finally:
        daemon.kill()
        watcher.close()
    assert code == 0
    log = "\n".join(daemon.lines)
    assert "SIGHUP received: shutting down" in log and "hushlight stopped" in log


def start_sim_daemon(tmp_path: Path, port: int, sound_cache: Path) -> tuple[subprocess.Popen[str], Path]:
    state = tmp_path / "state"
    seed_sound_cache(sound_cache, state)
    config = write_config(tmp_path, port).read_text().replace('host = "127.0.0.1"', 'host = "localhost"')
    (tmp_path / "hushlight.toml").write_text(config)
    command = daemon_command(tmp_path / "hushlight.toml", state, 1, "2026-11-24 12:00", "--sim-broker")
    return subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=daemon_env(), text=True
    ), state


def wait_reachable(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while not reachable("127.0.0.1", port) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.1)
    assert reachable("127.0.0.1", port)


def test_the_private_broker_dies_with_the_daemon_even_on_sigkill(tmp_path: Path, sound_cache: Path) -> None:
    port = free_port()
    process, _ = start_sim_daemon(tmp_path, port, sound_cache)
    try:
        wait_reachable(port, process)
        broker_pid = wait_for_child(process.pid, "mosquitto")
        process.kill()  # no clean stop, no atexit: only the kernel can end the broker now
        process.wait(10)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
    assert gone([broker_pid]), "the private broker outlived the daemon"
    assert not reachable("127.0.0.1", port)


def test_a_stray_private_broker_is_replaced_not_silently_reused(tmp_path: Path, sound_cache: Path) -> None:
    """As an earlier run would have left it (on the old code, after SIGHUP): our config, our pid file."""
    port = free_port()
    folder = tmp_path / "state" / "mosquitto"
    folder.mkdir(parents=True)
    conf = folder / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    binary = mosquitto_binary()
    assert binary is not None
    stray = subprocess.Popen(
        [binary, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    (folder / PID_FILE).write_text(f"{stray.pid}\n")
    process = None
    try:
        wait_reachable(port, stray)  # type: ignore[arg-type]
        process, _ = start_sim_daemon(tmp_path, port, sound_cache)
        ours = wait_for_child(process.pid, "mosquitto")
        stray.wait(10)  # stopped by the daemon
        assert alive(ours) and ours != stray.pid
        assert int((folder / PID_FILE).read_text()) == ours
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
        _, err = process.communicate()
    finally:
        if stray.poll() is None:
            stray.kill()
        if process is not None and process.poll() is None:
            process.kill()
    assert f"a private broker (pid {stray.pid}) from an earlier run is still running" in err
    assert f"started a private broker (mosquitto) on 127.0.0.1:{port}" in err
    assert gone([ours]) and not descendants(process.pid)
