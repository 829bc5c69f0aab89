"""A private Mosquitto for the simulator, so the hub link is live on the first `make run`.

Started only in simulation, only when asked (``hushlight run --simulate
--sim-broker``, which ``make run`` passes), only for a loopback broker in the
config, and only when nothing answers there and a ``mosquitto`` binary exists.
It listens on loopback only, keeps nothing on disk but its config, log and pid in
the state directory, and is stopped when the daemon exits, however it exits: the kernel
ends it when the daemon dies (:mod:`device.runtime.lifeline`). One still running from an
earlier run (its pid file says so) is stopped and replaced, never silently reused.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from device.config.schema import Config
from device.runtime import lifeline

log = logging.getLogger(__name__)

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "ip6-localhost")
SEARCH_PATHS = ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/opt/homebrew/sbin/mosquitto")
START_TIMEOUT = 10.0
PID_FILE = "mosquitto.pid"


def mosquitto_binary() -> str | None:
    """Where the ``mosquitto`` binary is, or None."""
    return shutil.which("mosquitto") or next((p for p in SEARCH_PATHS if Path(p).exists()), None)


def reachable(host: str, port: int, timeout: float = 0.5) -> bool:
    """Whether something accepts TCP connections at ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as mosquitto does: TIME_WAIT is no obstacle
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PrivateBroker:
    """A running mosquitto on 127.0.0.1:``port``; :meth:`stop` is safe to call twice."""

    folder: Path
    port: int
    binary: str
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def log_file(self) -> Path:
        return self.folder / "mosquitto.log"

    @property
    def pid_file(self) -> Path:
        return self.folder / PID_FILE

    def start(self) -> PrivateBroker:
        self.folder.mkdir(parents=True, exist_ok=True)
        conf = self.folder / "mosquitto.conf"
        # Started as root, mosquitto drops to its own user, and a change of user clears the kernel's
        # parent-death signal: stay who we are, so the broker still ends with the daemon.
        stay = "user root\n" if os.geteuid() == 0 else ""
        conf.write_text(f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n{stay}")
        with open(self.log_file, "ab") as out:
            self.process = subprocess.Popen(
                lifeline.command([self.binary, "-c", str(conf)]),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C is for the daemon: the broker must outlive the hub's goodbye
            )
        self.pid_file.write_text(f"{self.process.pid}\n")
        atexit.register(self.stop)  # the last net, should the daemon fail before its own close
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                tail = self.log_file.read_text(errors="replace")[-500:]
                self.process = None
                raise RuntimeError(f"mosquitto exited at start: {tail.strip()}")
            if reachable("127.0.0.1", self.port, 0.2):
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"mosquitto did not accept connections on 127.0.0.1:{self.port} within {START_TIMEOUT:g} s")

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self.pid_file.unlink(missing_ok=True)
        log.info("private broker on 127.0.0.1:%d stopped", self.port)


def stop_stray(folder: Path) -> None:
    """Stop a private broker an earlier run left running (its pid file, still a mosquitto with our config)."""
    pid_file = folder / PID_FILE
    try:
        pid = int(pid_file.read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        pid_file.unlink(missing_ok=True)
        return
    pid_file.unlink(missing_ok=True)
    if b"mosquitto" not in cmdline[0] or str(folder / "mosquitto.conf").encode() not in cmdline:
        return  # the pid is someone else's by now
    log.warning("a private broker (pid %d) from an earlier run is still running: stopping it, starting afresh", pid)
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        return
    deadline = time.monotonic() + 5.0
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def ensure_broker(config: Config, state_dir: Path) -> tuple[Config, PrivateBroker | None]:
    """Start a private broker when the configured loopback one is not there; returns the config to use.

    The config is unchanged when the configured broker answers, is not on this
    machine, or when no mosquitto binary is found (the hub then keeps retrying).
    """
    mqtt_config = config.mqtt
    if not mqtt_config.enabled:
        return config, None
    if mqtt_config.host not in LOOPBACK_HOSTS or mqtt_config.tls_ca_file:
        log.info("broker %s:%d is not a plain loopback one: no private broker", mqtt_config.host, mqtt_config.port)
        return config, None
    stop_stray(state_dir / "mosquitto")
    if reachable(mqtt_config.host, mqtt_config.port):
        log.info("using the broker already running at %s:%d", mqtt_config.host, mqtt_config.port)
        return config, None
    binary = mosquitto_binary()
    if binary is None:
        log.warning(
            "no broker at %s:%d and no mosquitto binary to start one: the hub link stays down "
            "(install mosquitto: 'sudo apt-get install mosquitto' or 'brew install mosquitto')",
            mqtt_config.host,
            mqtt_config.port,
        )
        return config, None
    port = mqtt_config.port if port_free(mqtt_config.port) else free_port()
    try:
        broker = PrivateBroker(state_dir / "mosquitto", port, binary).start()
    except (OSError, RuntimeError) as exc:
        log.error("could not start a private broker: %s; the hub link stays down", exc)
        return config, None
    # The private broker is anonymous: the configured credentials are for another one.
    private = msgspec.structs.replace(mqtt_config, host="127.0.0.1", port=port, username="", password_file="")
    log.info("started a private broker (mosquitto) on 127.0.0.1:%d for the simulator", port)
    log.info("%s", home_assistant_hint(port))
    return msgspec.structs.replace(config, mqtt=private), broker


def home_assistant_hint(port: int) -> str:
    """How to point Home Assistant at the private broker."""
    return (
        f"Home Assistant on this machine: Settings > Devices & services > Add integration > MQTT, "
        f"broker 127.0.0.1, port {port}, no user (or bridge your own broker to it)"
    )
