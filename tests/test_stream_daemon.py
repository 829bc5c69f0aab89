"""The real daemon with a folder of long unmeasured recordings: ready at once, the hub sees them as they are measured."""

from __future__ import annotations

import shutil
from pathlib import Path

from device.audio import synth
from tests.support.audio import long_recording
from tests.support.broker import Broker
from tests.support.daemon import DaemonProcess
from tests.support.hub import Watcher

CONFIG = """
[device]
id = "stream"
log_level = "info"
[mqtt]
host = "{host}"
port = {port}
[routine]
enabled = false
"""


def test_ready_comes_before_long_recordings_are_measured_and_the_hub_lists_them_as_they_are(
    tmp_path: Path, broker: Broker, sound_cache: Path
) -> None:
    state = tmp_path / "state"
    shutil.copytree(sound_cache, state / "cache")  # built-ins rendered already: only the recordings are measured
    names = [f"long night {i}" for i in range(3)]
    (state / "sounds").mkdir()
    for i, name in enumerate(names):
        long_recording(state / "sounds" / f"{name}.flac", 4 * 60.0, rate=22050, channels=1, seed=i)
    config = tmp_path / "hushlight.toml"
    config.write_text(CONFIG.format(host=broker.host, port=broker.port))
    watcher = Watcher(broker, topics=("hushlight/stream/state",))
    daemon = DaemonProcess(config, state)
    try:
        daemon.wait_for("hushlight ready", timeout=30)
        ready_at = len(daemon.lines)
        state_message = watcher.wait_for(lambda m: set(names) <= set(m.json().get("triggers", ())), timeout=60)
        whole = [daemon.wait_for(f"measured {name!r} whole: ", timeout=60) for name in names]
        code = daemon.stop(timeout=30)
    finally:
        daemon.kill()
        watcher.close()
    assert code == 0
    assert set(synth.BUILTINS) <= set(state_message.json()["triggers"])
    assert all(daemon.lines.index(line) >= ready_at for line in whole), "ready never waits for a measurement"
    assert "Traceback" not in "\n".join(daemon.lines)
