"""The simulator's private broker: only when the configured loopback broker is missing, and stopped after."""

from __future__ import annotations

import time

import msgspec

from device.config import default_config
from device.sim.broker import PrivateBroker, ensure_broker, free_port, mosquitto_binary, reachable


def config_with(**mqtt: object):
    config = default_config()
    return msgspec.structs.replace(config, mqtt=msgspec.structs.replace(config.mqtt, **mqtt))


def test_a_missing_loopback_broker_is_started_privately_and_stopped(tmp_path):
    port = free_port()
    config = config_with(host="localhost", port=port, username="me", password_file="/nowhere")
    used, broker = ensure_broker(config, tmp_path)
    assert broker is not None
    try:
        assert (used.mqtt.host, used.mqtt.port) == ("127.0.0.1", port), "the configured port when it is free"
        assert used.mqtt.username == "" and used.mqtt.password_file == "", "the private broker is anonymous"
        assert used.device == config.device
        assert reachable("127.0.0.1", port)
        assert (tmp_path / "mosquitto" / "mosquitto.conf").read_text().startswith(f"listener {port} 127.0.0.1")
    finally:
        broker.stop()
    assert not reachable("127.0.0.1", port)
    broker.stop()  # twice is fine


def test_a_running_broker_or_a_remote_one_is_left_alone(tmp_path, broker):
    config = config_with(host="127.0.0.1", port=broker.port)
    assert ensure_broker(config, tmp_path) == (config, None)
    remote = config_with(host="mqtt.example.org")
    assert ensure_broker(remote, tmp_path) == (remote, None)
    tls = config_with(host="localhost", port=free_port(), tls_ca_file="/etc/ca.pem")
    assert ensure_broker(tls, tmp_path) == (tls, None)
    off = config_with(enabled=False)
    assert ensure_broker(off, tmp_path) == (off, None)
    assert not (tmp_path / "mosquitto").exists()


def test_a_broker_that_cannot_start_says_why(tmp_path):
    binary = mosquitto_binary()
    assert binary is not None
    (tmp_path / "mosquitto").mkdir()
    (tmp_path / "mosquitto" / "mosquitto.conf").mkdir()  # the config file cannot be written
    port = free_port()
    used, broker = ensure_broker(config_with(host="localhost", port=port), tmp_path)
    assert broker is None and used.mqtt.port == port
    fake = tmp_path / "fake-mosquitto"
    fake.write_text("#!/bin/sh\necho 'Error: unknown option' >&2\nexit 3\n")
    fake.chmod(0o755)
    try:
        PrivateBroker(tmp_path / "other", port, str(fake)).start()
    except RuntimeError as exc:
        assert "mosquitto exited at start: Error: unknown option" in str(exc)
    else:
        raise AssertionError("a broker that exits at once must be reported")


def test_the_simulated_daemon_brings_its_own_broker_and_stops_it(tmp_path, sound_cache):
    import subprocess

    from tests.support.sim import (
        Watcher,
        daemon_command,
        daemon_env,
        seed_sound_cache,
        stop,
        wait_until_linked,
        write_config,
    )

    port = free_port()
    state = tmp_path / "state"
    seed_sound_cache(sound_cache, state)
    config = write_config(tmp_path, port).read_text().replace('host = "127.0.0.1"', 'host = "localhost"')
    (tmp_path / "hushlight.toml").write_text(config)
    command = daemon_command(tmp_path / "hushlight.toml", state, 60, "2026-11-24 12:00", "--sim-broker")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=daemon_env(), text=True)
    watcher = None
    try:
        deadline = time.monotonic() + 30
        while not reachable("127.0.0.1", port) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
        watcher = Watcher(port)
        wait_until_linked(watcher, process)
    finally:
        code = stop(process)
        _, err = process.communicate()
        if watcher is not None:
            watcher.close()
    assert code == 0, err[-2000:]
    assert f"started a private broker (mosquitto) on 127.0.0.1:{port}" in err
    assert f"broker 127.0.0.1, port {port}" in err, "how to point Home Assistant at it"
    assert not reachable("127.0.0.1", port), "stopped with the daemon"


def test_sim_broker_is_for_simulation_only(tmp_path):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-m", "device", "run", "--sim-broker", "--state-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "--sim-broker is for --simulate only" in result.stderr
