"""A real Home Assistant for the tests: pinned releases in cached virtual environments, a throwaway config.

Each release is installed once into ``~/.cache/hushlight/ha/<version>-py<X.Y>`` (``HUSHLIGHT_HA_CACHE``
moves it) with ``uv``, together with the requirements of every integration the test configuration
loads, so Home Assistant starts with ``--skip-pip`` and never reaches past loopback. Only the first
run pays for the install; a marker file says the venv is complete.

The configuration has no ``default_config``: MQTT as a config entry pointed at the test's broker,
``http`` on a free loopback port (MQTT depends on it), ``mqtt_statestream`` so that Home Assistant's
own view of every entity comes back over MQTT, and one automation that turns a JSON message on
``hatest/call`` into a service call, so the tests drive Home Assistant the way a dashboard does.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.broker import Broker, free_port


@dataclass(frozen=True)
class Release:
    """A Home Assistant release, the Python it runs on, and the discovery mode the device uses with it."""

    version: str
    python: str  # "3.13"
    discovery: str  # "component" or "device"


# The newest release each Python can install (read from PyPI's requires-python, 2026-12): 2024.3 is the
# last for 3.11 (and the last before device discovery); 3.13.0 stops at 2025.4 (later ones need 3.13.2).
COMPONENT_RELEASE = Release("2024.3.3", "3.11", "component")
DEVICE_RELEASES = {
    "3.13": Release("2025.4.4", "3.13", "device"),
    "3.12": Release("2025.1.4", "3.12", "device"),
}
STATESTREAM = "hastate"  # mqtt_statestream's base topic
CALL_TOPIC = "hatest/call"  # {"service": "light.turn_on", "entity_id": ..., "data": {...}}
INSTALL_TIMEOUT = 1800.0  # s, a cold install on a slow machine
START_TIMEOUT = 240.0  # s, the first start of a release compiles its bytecode


def cache_root() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "hushlight" / "ha"
    return Path(os.environ.get("HUSHLIGHT_HA_CACHE", default))


def _runs(command: list[str]) -> str | None:
    """The ``X.Y`` of an interpreter that really starts (a pyenv shim for a version not selected does not)."""
    try:
        done = subprocess.run(
            [*command, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def find_python(minor: str) -> str | None:
    """A path to a working ``python<minor>``: on PATH, or one of pyenv's installed versions."""
    candidates = [shutil.which(f"python{minor}")]
    if minor == f"{sys.version_info[0]}.{sys.version_info[1]}":
        candidates.insert(0, sys.executable)
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(str(p) for p in pyenv_root.glob(f"versions/{minor}.*/bin/python{minor}"))[::-1]
    for candidate in candidates:
        if candidate and _runs([candidate]) == minor:
            return candidate
    return None


def device_release() -> Release | None:
    """The device-discovery release for the newest Python found here, or None."""
    for minor, release in DEVICE_RELEASES.items():
        if find_python(minor):
            return release
    return None


def _uv() -> str:
    found = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if not Path(found).exists():
        raise RuntimeError("uv is missing: it comes with the dev extras (pip install -e '.[dev]')")
    return found


# Run with Home Assistant's own interpreter: the requirements of the integrations a configuration
# loads (Home Assistant's default set plus ``argv``), following each manifest's dependencies.
_REQUIREMENTS_SCRIPT = """
import json, pathlib, sys
import homeassistant, homeassistant.bootstrap as b
root = pathlib.Path(homeassistant.__file__).parent / "components"
todo = set(sys.argv[1:]) | set(getattr(b, "DEFAULT_INTEGRATIONS", ())) | set(getattr(b, "CORE_INTEGRATIONS", ()))
todo |= set(getattr(b, "LOGGING_INTEGRATIONS", ())) | set(getattr(b, "FRONTEND_INTEGRATIONS", ()))
seen, reqs = set(), set()
while todo:
    domain = todo.pop()
    manifest = root / domain / "manifest.json"
    if domain in seen or not manifest.exists():
        continue
    seen.add(domain)
    data = json.loads(manifest.read_text())
    reqs.update(data.get("requirements", []))
    todo.update(data.get("dependencies", []) + data.get("after_dependencies", []))
print(json.dumps(sorted(reqs)))
"""
# What the test configuration sets up, and the entity platforms MQTT discovery loads (camera among them).
INTEGRATIONS = ("mqtt", "mqtt_statestream", "automation", "http", "camera", "light", "number", "select", "switch",
                "button", "sensor", "binary_sensor", "event", "text")  # fmt: skip


def install(release: Release) -> Path:
    """The venv of ``release`` (installing it the first time); returns its ``hass`` executable."""
    venv = cache_root() / f"{release.version}-py{release.python}"
    marker = venv / ".hushlight-complete"
    hass = venv / "bin" / "hass"
    if marker.exists():
        return hass
    python = find_python(release.python)
    if python is None:
        raise RuntimeError(f"no python{release.python} for Home Assistant {release.version}")
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f".{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second test run waits for the first one's install
        if marker.exists():
            return hass
        shutil.rmtree(venv, ignore_errors=True)
        uv = _uv()

        def run(*args: str) -> str:
            done = subprocess.run(args, capture_output=True, text=True, timeout=INSTALL_TIMEOUT)
            if done.returncode != 0:
                raise RuntimeError(
                    f"installing Home Assistant {release.version} failed: {' '.join(args)}\n{done.stderr}"
                )
            return done.stdout

        run(uv, "venv", "--quiet", "--python", python, str(venv))
        py = str(venv / "bin" / "python")
        run(uv, "pip", "install", "--quiet", "--python", py, f"homeassistant=={release.version}")
        requirements = json.loads(run(py, "-c", _REQUIREMENTS_SCRIPT, *INTEGRATIONS))
        constraints = next(iter(venv.glob("lib/python*/site-packages/homeassistant/package_constraints.txt")), None)
        extra = ["--constraint", str(constraints)] if constraints else []
        run(uv, "pip", "install", "--quiet", "--python", py, *extra, *requirements)
        marker.write_text(json.dumps({"version": release.version, "requirements": requirements}))
    return hass


# HA's own view of every MQTT entity, registry included (a ghost is a registry entry with no config behind
# it), published on VIEW_TOPIC; "view " keeps HA from reading the rendered JSON back as a list.
_VIEW = (
    'view {"registry": {{ integration_entities("mqtt") | tojson }}, "states": ['
    "{% for s in expand(integration_entities('mqtt')) %}"
    "{{ {'entity_id': s.entity_id, 'state': s.state, 'attributes': s.attributes} | tojson }}"
    "{{ ',' if not loop.last }}{% endfor %}]}"
)
VIEW_REQUEST, VIEW_TOPIC = "hatest/dump", "hatest/view"


def _configuration(http_port: int) -> str:
    """configuration.yaml, written as JSON (which YAML reads); no default_config, nothing beyond loopback."""
    call = {
        "id": "hushlight_test_call",
        "alias": "service call over MQTT",
        "mode": "queued",
        "trigger": [{"platform": "mqtt", "topic": CALL_TOPIC}],
        "action": [
            {
                "service": "{{ trigger.payload_json.service }}",
                "target": {"entity_id": "{{ trigger.payload_json.entity_id }}"},
                "data": "{{ trigger.payload_json.data | default({}) }}",
            }
        ],
    }
    view = {
        "id": "hushlight_test_view",
        "alias": "HA's view over MQTT",
        "mode": "queued",
        "trigger": [{"platform": "mqtt", "topic": VIEW_REQUEST}],
        "action": [{"service": "mqtt.publish", "data": {"topic": VIEW_TOPIC, "payload": _VIEW}}],
    }
    home = {"name": "Hushlight test home", "latitude": 52.37, "longitude": 4.89, "elevation": 0}
    home |= {"unit_system": "metric", "time_zone": "UTC", "currency": "EUR", "country": "NL"}
    config = {
        "homeassistant": home,
        "http": {"server_host": "127.0.0.1", "server_port": http_port},
        "logger": {
            "default": "warning",
            "logs": {"homeassistant.bootstrap": "info", "homeassistant.components.mqtt": "info"},
        },
        # every change of the light, attributes included (brightness must never bounce); the light only, as
        # streaming every entity's attributes (QoS 1, one message each) keeps HA 2024.3's MQTT client busy
        "mqtt_statestream": {"base_topic": STATESTREAM, "publish_attributes": True, "include": {"domains": ["light"]}},
        "automation": [call, view],
    }
    return json.dumps(config, indent=1)


def _config_entries(broker: Broker) -> dict[str, object]:
    """MQTT as a stored config entry (Home Assistant no longer takes the broker from YAML); HA migrates it."""
    entry = {
        "entry_id": "hushlighttestmqttentry0000000000",
        "version": 1,
        "minor_version": 1,
        "domain": "mqtt",
        "title": "test broker",
        "data": {"broker": broker.host, "port": broker.port, "discovery": True},
        "options": {},
        "pref_disable_new_entities": False,
        "pref_disable_polling": False,
        "source": "user",
        "unique_id": None,
        "disabled_by": None,
    }
    return {"version": 1, "minor_version": 1, "key": "core.config_entries", "data": {"entries": [entry]}}


class HomeAssistant:
    """One Home Assistant process on a throwaway config dir; ``restart()`` keeps the dir (its registries)."""

    def __init__(self, release: Release, broker: Broker, folder: Path) -> None:
        self.release = release
        self.broker = broker
        self.folder = folder
        self.hass = install(release)
        storage = folder / ".storage"
        storage.mkdir(parents=True, exist_ok=True)
        (folder / "configuration.yaml").write_text(_configuration(free_port()))
        (storage / "core.config_entries").write_text(json.dumps(_config_entries(broker)))
        self.log_path = folder / "hass-output.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_offset = 0

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV", "COV_"))}
        env["PYTHONDONTWRITEBYTECODE"] = ""
        with open(self.log_path, "ab") as out:
            self._log_offset = out.tell()
            self._proc = subprocess.Popen(
                [str(self.hass), "--config", str(self.folder), "--skip-pip", "--log-no-color"],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )

    def wait_started(self, timeout: float = START_TIMEOUT) -> None:
        """Until Home Assistant says it has started (its core state ``running``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise AssertionError(f"Home Assistant exited with {self._proc.returncode}:\n{self.log()[-4000:]}")
            if "Home Assistant initialized in" in self.log():
                return
            time.sleep(0.2)
        raise AssertionError(f"Home Assistant did not start within {timeout} s:\n{self.log()[-4000:]}")

    def log(self) -> str:
        """What this run of Home Assistant has logged so far."""
        with contextlib.suppress(OSError), open(self.log_path, "rb") as f:
            f.seek(self._log_offset)
            return f.read().decode(errors="replace")
        return ""

    def problems(self) -> list[str]:
        """Log lines at WARNING and above that concern MQTT (discovery errors, invalid configs, templates)."""
        lines = re.split(r"\n(?=\d{4}-\d{2}-\d{2} )", self.log())
        bad = [ln for ln in lines if re.search(r" (WARNING|ERROR|CRITICAL) ", ln.split("\n")[0])]
        return [ln for ln in bad if "mqtt" in ln.lower() or "template" in ln.lower()]

    def stop(self) -> None:
        if self._proc is None or self._proc.poll() is not None:
            return
        self._proc.terminate()
        try:
            self._proc.wait(30)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(10)

    def restart(self) -> None:
        self.stop()
        self.start()
        self.wait_started()


@contextlib.contextmanager
def running_home_assistant(release: Release, broker: Broker, folder: Path) -> Iterator[HomeAssistant]:
    ha = HomeAssistant(release, broker, folder)
    ha.start()
    try:
        ha.wait_started()
        yield ha
    finally:
        ha.stop()
