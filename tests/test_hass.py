"""The hub against real Home Assistant releases: discovery accepted, HA's own view, HA's service calls, restarts.

Per-component discovery runs against the newest HA for Python 3.11 (2024.3, the last that needs
``color_mode: true``); device discovery against the newest HA that the newest Python here can run,
where the switch to per-component discovery and back (HA's migrate_discovery handshake) is checked
too. Each HA starts once per module (tests/support/hass.py); the tests in a module share it and the
device, in file order. Without a suitable Python they skip, and under CI a skip is a failure.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from device.config.schema import Config
from device.hub import entities
from tests.support import hass
from tests.support.broker import Broker, start_broker
from tests.support.hub import Device, Watcher, device_config, running_device

VIEW_TIMEOUT = 60.0  # s: HA on a busy two-core machine can take a while to set up thirty entities
COLOR_MODE_DEPRECATION = "The 'color_mode' option has been removed"  # 2025.3+, per-component light (for old HA)
# The rollback empties the device config after HA has unloaded its components: HA notes there was nothing left.
ROLLBACK_NOTICE = "No device components to cleanup for hushlight_bedroom"


def _release_or_skip(release: hass.Release | None, why: str) -> hass.Release:
    if release is None or hass.find_python(release.python) is None:
        reason = f"no Python for Home Assistant here: {why}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (under CI this is a failure)")
        pytest.skip(reason)
    return release


@dataclass
class Home:
    """One Home Assistant, one broker, one device (restartable with another discovery mode) and a watcher."""

    ha: hass.HomeAssistant
    broker: Broker
    watcher: Watcher
    state_dir: Path
    device: Device | None = None
    _stack: contextlib.ExitStack | None = None

    def config(self, mode: str) -> Config:
        return device_config(self.broker, self.state_dir, discovery=mode, max_commands_per_s=1000)

    def start_device(self, mode: str) -> Device:
        self.stop_device()
        self._stack = contextlib.ExitStack()
        self.device = self._stack.enter_context(running_device(self.config(mode)))
        return self.device

    def stop_device(self) -> None:
        if self._stack is not None:
            self._stack.close()
            self._stack = None
            self.device = None

    def expected(self) -> list[entities.Entity]:
        assert self.device is not None
        return entities.entities(self.device.config, tuple(self.device.controller.state.triggers))

    def view(self) -> dict[str, Any]:
        """HA's view of its MQTT entities right now: ``registry`` (entity ids) and ``states``."""
        for _ in range(10):  # asked again: HA's MQTT triggers subscribe a little after it says it has started
            mark = self.watcher.mark()
            self.watcher.publish(hass.VIEW_REQUEST, "now")
            with contextlib.suppress(AssertionError):
                msg = self.watcher.wait_for(lambda m: m.topic == hass.VIEW_TOPIC, after=mark, timeout=3)
                break
        else:
            raise AssertionError(f"HA does not answer on {hass.VIEW_TOPIC}:\n{self.ha.log()[-3000:]}")
        data: dict[str, Any] = json.loads(msg.payload.decode().removeprefix("view "))
        data["by_id"] = {s["entity_id"]: s for s in data["states"]}
        return data

    def view_until(self, check: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
        deadline = time.monotonic() + VIEW_TIMEOUT
        while True:
            view = self.view()
            if check(view):
                return view
            if time.monotonic() > deadline:
                states = {s["entity_id"]: s["state"] for s in view["states"]}
                raise AssertionError(f"HA never showed {what}; its view: {states}\nlog:\n{self.ha.log()[-3000:]}")
            time.sleep(0.5)

    def all_available(self, count: int) -> dict[str, Any]:
        """Until HA has ``count`` MQTT entities, each with a state other than unavailable."""

        def ready(view: dict[str, Any]) -> bool:
            states = view["states"]
            return len(states) == count and all(s["state"] != "unavailable" for s in states)

        return self.view_until(ready, f"{count} available entities")

    def call(self, service: str, entity_id: str, **data: Any) -> None:
        payload = {"service": service, "entity_id": entity_id, "data": data}
        self.watcher.publish(hass.CALL_TOPIC, json.dumps(payload))

    def problems(self, allowed: tuple[str, ...] = ()) -> list[str]:
        return [line for line in self.ha.problems() if not any(a in line for a in allowed)]


def entity_id(view: dict[str, Any], platform: str, name: str | None) -> str:
    """The entity id HA gave the entity of ``platform`` with this friendly name suffix (None: the device's own)."""
    found = []
    for s in view["states"]:
        if not s["entity_id"].startswith(f"{platform}."):
            continue
        friendly = s["attributes"].get("friendly_name", "")
        if (name is None and friendly == "Hushlight bedroom") or (name and friendly == f"Hushlight bedroom {name}"):
            found.append(s["entity_id"])
    assert len(found) == 1, (platform, name, found)
    return found[0]


@contextlib.contextmanager
def home(release: hass.Release, tmp: pytest.TempPathFactory, mode: str) -> Iterator[Home]:
    folder = tmp.mktemp(f"ha-{release.version}")
    (folder / "broker").mkdir()
    (folder / "device").mkdir()
    with start_broker(folder / "broker") as broker:
        watcher = Watcher(broker, client_id="ha-test-watcher")
        try:
            with hass.running_home_assistant(release, broker, folder / "config") as ha:
                h = Home(ha, broker, watcher, folder / "device")
                h.start_device(mode)
                try:
                    yield h
                finally:
                    h.stop_device()
        finally:
            watcher.close()


@pytest.fixture(scope="module", params=["component", "device"])
def house(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Home]:
    if request.param == "component":
        release = _release_or_skip(hass.COMPONENT_RELEASE, "python3.11 for HA 2024.3")
    else:
        release = _release_or_skip(hass.device_release(), "python3.12 or python3.13 for HA 2025.1 or later")
    with home(release, tmp_path_factory, request.param) as h:
        yield h


def test_home_assistant_accepts_every_announced_entity(house: Home) -> None:
    view = house.all_available(len(house.expected()))
    assert sorted(view["registry"]) == sorted(view["by_id"])  # nothing in HA's registry but what was announced
    assert not house.problems(), house.problems()
    if house.ha.release.discovery == "component":  # entity ids as the device chose them (object_id)
        wanted = {
            f"{e.platform}.hushlight_bedroom" + ("" if e.key == "lamp" else f"_{e.key}") for e in house.expected()
        }
        assert set(view["by_id"]) == wanted


def test_home_assistants_view_is_what_the_device_meant(house: Home) -> None:
    view = house.all_available(len(house.expected()))
    lamp = view["by_id"][entity_id(view, "light", None)]
    assert lamp["state"] == "off" and lamp["attributes"]["supported_color_modes"] == ["brightness"]
    assert lamp["attributes"]["effect_list"] == ["none", "breathe"]
    assert lamp["attributes"]["level"] == 0.0 and lamp["attributes"]["fade_remaining"] == 0.0
    volume = view["by_id"][entity_id(view, "number", "Volume")]
    assert float(volume["state"]) == house.device.controller.state.settings.volume  # type: ignore[union-attr]
    assert volume["attributes"]["max"] == 80.0 and volume["attributes"]["unit_of_measurement"] == "%"
    trigger = view["by_id"][entity_id(view, "select", "Trigger")]
    assert trigger["attributes"]["options"] == ["rain", "brushing", "tapping"]
    assert view["by_id"][entity_id(view, "switch", "Session")]["state"] == "off"
    sleep = view["by_id"][entity_id(view, "text", "Sleep time Monday")]
    assert re.fullmatch(r"\d\d:\d\d|off", sleep["state"])
    assert view["by_id"][entity_id(view, "sensor", "Temperature")]["state"] == "unknown"  # no reading yet


def _streamed(house: Home, entity: str, attribute: str, after: int) -> list[str]:
    domain, object_id = entity.split(".")
    topic = f"{hass.STATESTREAM}/{domain}/{object_id}/{attribute}"
    return [m.payload.decode() for m in house.watcher.on(topic, after=after)]


def test_home_assistants_service_calls_reach_the_device_without_bouncing(house: Home) -> None:
    view = house.all_available(len(house.expected()))
    dev = house.device
    assert dev is not None
    light = entity_id(view, "light", None)
    mark = house.watcher.mark()
    house.call("light.turn_on", light, brightness=128, transition=2)
    view = house.view_until(lambda v: v["by_id"][light]["attributes"].get("brightness") == 128, "brightness 128")
    dev.settled()
    assert dev.lamp.history[-1][1:3] == (pytest.approx(50.2, abs=0.01), 2.0)
    assert view["by_id"][light]["attributes"]["fade_remaining"] > 0  # HA shows the target while the lamp fades
    house.view_until(lambda v: v["by_id"][light]["attributes"]["level"] == 50.2, "the fade's end")
    assert set(_streamed(house, light, "brightness", mark)) == {"128"}  # HA's light never showed another value
    house.call("light.turn_off", light)
    house.view_until(lambda v: v["by_id"][light]["state"] == "off", "the light off")
    assert dev.controller.state.lamp.target == 0.0
    house.call("light.turn_on", light, effect="breathe")
    house.view_until(lambda v: v["by_id"][light]["attributes"].get("effect") == "breathe", "the breathing light")
    house.call("light.turn_off", light)

    volume = entity_id(view, "number", "Volume")
    house.call("number.set_value", volume, value=55)
    house.view_until(lambda v: float(v["by_id"][volume]["state"]) == 55.0, "volume 55")
    assert dev.controller.state.settings.volume == 55.0
    trigger = entity_id(view, "select", "Trigger")
    house.call("select.select_option", trigger, option="tapping")
    house.view_until(lambda v: v["by_id"][trigger]["state"] == "tapping", "trigger tapping")
    session = entity_id(view, "switch", "Session")
    house.view_until(lambda v: v["by_id"][session]["state"] == "on", "the session on (a chosen trigger starts it)")
    house.call("switch.turn_off", session)
    house.view_until(lambda v: v["by_id"][session]["state"] == "off", "the session off")
    assert not dev.controller.state.session.active
    house.call("button.press", entity_id(view, "button", "Next trigger"))
    house.view_until(lambda v: v["by_id"][session]["state"] == "on", "a session from the Next trigger button")
    house.call("switch.turn_off", session)
    house.view_until(lambda v: v["by_id"][session]["state"] == "off", "the session off again")
    assert not house.problems(), house.problems()


@pytest.mark.parametrize("house", ["device"], indirect=True)  # HA's migrate_discovery handshake is 2024.11+
def test_switching_discovery_modes_keeps_entity_ids_and_leaves_no_ghosts(house: Home) -> None:
    count = len(house.expected())
    before = sorted(house.all_available(count)["by_id"])
    for mode in ("component", "device"):  # a rollback to per-component discovery, then the migration back
        house.start_device(mode)
        time.sleep(1.0)  # let HA handle the handshake before looking (the view would pass mid-way otherwise)
        view = house.all_available(count)
        assert sorted(view["by_id"]) == before, f"entity ids changed on the switch to {mode}"
        assert sorted(view["registry"]) == before, f"ghosts in HA's registry after the switch to {mode}"
    assert not house.problems(allowed=(COLOR_MODE_DEPRECATION, ROLLBACK_NOTICE)), house.problems()


def test_entities_come_back_after_home_assistant_restarts(house: Home) -> None:
    count = len(house.expected())
    before = sorted(house.all_available(count)["by_id"])
    mark = house.watcher.mark()
    house.ha.restart()
    house.watcher.wait_for(lambda m: m.topic == "homeassistant/status" and m.payload == b"online", 30, mark)
    config = house.device.hub.topics.device_config()  # type: ignore[union-attr]
    if house.ha.release.discovery == "device":  # the device answered HA's birth message
        house.watcher.wait_for(lambda m: m.topic == config, after=mark, timeout=10)
    view = house.all_available(count)
    assert sorted(view["by_id"]) == before
    assert not house.problems(), house.problems()
