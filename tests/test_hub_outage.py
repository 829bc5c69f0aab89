"""The broker vanishes for 30 s in the middle of a session (the one long test of the hub)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from device.core import events as ev
from tests.support.broker import start_broker
from tests.support.hub import Watcher, device_config, running_device

OUTAGE_S = 30.0
DISCOVERY = "homeassistant/device/hushlight_bedroom/config"


@pytest.mark.slow
def test_broker_stopped_for_30_s_mid_session(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    with start_broker(tmp_path_factory.mktemp("outage"), persistence=True) as broker:
        watcher = Watcher(broker)
        with running_device(device_config(broker, tmp_path)) as dev:
            watcher.wait_for(lambda m: m.topic == f"{dev.base}/availability" and m.payload == b"online")
            watcher.publish(f"{dev.base}/session/set", "ON")
            watcher.wait_for(lambda m: m.topic == f"{dev.base}/state" and m.json()["session"]["active"])
            lamp_before = list(dev.lamp.history)
            trigger_before = dev.controller.state.session.trigger
            # what a broker keeps across its restart must not pass for the device's fresh messages:
            # the availability a last will would have left, and no discovery at all
            watcher.publish(f"{dev.base}/availability", "offline", retain=True).wait_for_publish(2)
            watcher.publish(DISCOVERY, b"", retain=True).wait_for_publish(2)
            watcher.close()

            broker.stop()
            time.sleep(1.0)
            assert not dev.hub.client.is_connected()
            dev.worker.post(ev.Command("volume", 30.0, "button"))  # the device works on without the broker
            time.sleep(OUTAGE_S - 1.0)
            broker.start()
            restarted = time.monotonic()

            # a QoS 1 command sent while the device is (almost always) still away: the broker keeps it
            # in the device's session; either way it must be carried out exactly once
            sender = Watcher(broker, client_id="test-sender", topics=())
            sender.publish(f"{dev.base}/next_trigger/set", "PRESS", qos=1).wait_for_publish(2)
            sender.close()

            back = Watcher(broker, client_id="test-back")
            back.wait_for(lambda m: m.topic == f"{dev.base}/availability" and m.payload == b"online")
            back.wait_for(lambda m: m.topic == DISCOVERY and m.payload.startswith(b"{"))
            state = back.wait_for(
                lambda m: m.topic == f"{dev.base}/state" and m.json()["session"]["trigger"] != trigger_before
            )
            assert time.monotonic() - restarted < 5.0  # online, discovery and state within 5 s
            assert state.json()["session"]["active"] and state.json()["settings"]["volume"] == 30.0
            time.sleep(1.0)
            crossfades = [c for c in dev.player.calls if c[0] == "crossfade"]
            assert len(crossfades) == 1  # carried out once, not twice
            assert dev.controller.state.session.active  # the session ran on through the outage
            assert dev.lamp.history[: len(lamp_before)] == lamp_before
            assert all(entry[3] == "sunset" for entry in dev.lamp.history[len(lamp_before) :])
            back.close()
