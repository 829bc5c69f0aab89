"""Start a private mosquitto for a test: a free loopback port, never the system's 1883."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def mosquitto_binary() -> str:
    found = shutil.which("mosquitto") or next(
        (
            p
            for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto", "/opt/homebrew/sbin/mosquitto")
            if Path(p).exists()
        ),
        None,
    )
    if not found:
        raise RuntimeError("mosquitto is not installed: `make test` installs it, or run `apt-get install mosquitto`")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class TlsFiles:
    """A CA, and a server and a client certificate signed by it (PEM files)."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _openssl(folder: Path, *args: str) -> None:
    subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)


def make_tls(folder: Path) -> TlsFiles:
    """A throw-away CA and certificates for 127.0.0.1 / localhost, made with the ``openssl`` CLI."""
    folder.mkdir(parents=True, exist_ok=True)
    _openssl(folder, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
             "-days", "2", "-subj", "/CN=Hushlight test CA")  # fmt: skip
    (folder / "server.ext").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    for name, ext in (("server", ["-extfile", "server.ext"]), ("client", [])):
        _openssl(folder, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr",
                 "-subj", f"/CN={'localhost' if name == 'server' else 'hushlight-test-client'}")  # fmt: skip
        _openssl(folder, "x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", f"{name}.crt", "-days", "2", *ext)  # fmt: skip
    return TlsFiles(*(folder / n for n in ("ca.crt", "server.crt", "server.key", "client.crt", "client.key")))


def make_password_file(folder: Path, users: dict[str, str]) -> Path:
    """A mosquitto password file (hashed with ``mosquitto_passwd``) for ``users``."""
    path = folder / "passwords"
    binary = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"
    for i, (user, password) in enumerate(users.items()):
        flags = ["-c"] if i == 0 else []
        subprocess.run([binary, "-b", *flags, str(path), user, password], check=True, capture_output=True)
    return path


@dataclass
class Broker:
    """A running mosquitto; ``restart()`` keeps the port (and, with ``persistence``, the sessions)."""

    folder: Path
    port: int
    extra_config: str = ""
    host: str = "127.0.0.1"
    password_file: Path | None = None
    tls: TlsFiles | None = None
    require_client_cert: bool = False
    persistence: bool = False
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def config_file(self) -> Path:
        return self.folder / "mosquitto.conf"

    def _config(self) -> str:
        lines = [f"listener {self.port} 127.0.0.1"]
        if os.geteuid() == 0:  # mosquitto would drop to its own user, who cannot read the test's files
            lines.append("user root")
        if self.tls is not None:
            lines += [f"cafile {self.tls.ca}", f"certfile {self.tls.server_cert}", f"keyfile {self.tls.server_key}"]
            if self.require_client_cert:
                lines.append("require_certificate true")
        if self.password_file is not None:
            lines += ["allow_anonymous false", f"password_file {self.password_file}"]
        else:
            lines.append("allow_anonymous true")
        if self.persistence:
            lines += ["persistence true", f"persistence_location {self.folder}/", "autosave_interval 1"]
        else:
            lines.append("persistence false")
        return "\n".join(lines) + f"\n{self.extra_config}\n"

    def start(self) -> None:
        self.config_file.write_text(self._config())
        log = open(self.folder / "mosquitto.log", "ab")  # noqa: SIM115 - kept for the process's lifetime
        self.process = subprocess.Popen(
            [mosquitto_binary(), "-c", str(self.config_file)], stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mosquitto exited: {(self.folder / 'mosquitto.log').read_text()[-2000:]}")
            with contextlib.suppress(OSError), socket.create_connection((self.host, self.port), timeout=0.2):
                return
            time.sleep(0.05)
        raise RuntimeError("mosquitto did not accept connections within 10 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


@contextlib.contextmanager
def start_broker(folder: Path, extra_config: str = "", port: int | None = None, **options: Any) -> Iterator[Broker]:
    """A mosquitto for the block; ``options`` are :class:`Broker` fields (password_file, tls, persistence)."""
    broker = Broker(folder=folder, port=port or free_port(), extra_config=extra_config, **options)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()
