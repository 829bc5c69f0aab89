"""Who may use the page: allowed networks, same-origin requests, sessions, the password, sign-in limits.

Nothing here logs a password, a token or a cookie. Session tokens are kept only
as SHA-256 digests (in memory and in ``web-sessions.json``), so neither the
state directory nor a log line lets anyone in.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import secrets
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from device.persist import JsonStateFile

PASSWORD_FILE = "web-password.json"
SESSIONS_FILE = "web-sessions.json"
COOKIE = "hushlight_session"
SESSION_DAYS = 30
MAX_SESSIONS = 32
MIN_PASSWORD = 8
MAX_PASSWORD = 256
# scrypt (RFC 7914, OpenSSL's through hashlib): 16 MiB and about 0.1 s on a Pi Zero 2 W per check.
SCRYPT = {"n": 2**14, "r": 8, "p": 1}

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(cidrs: Iterable[str]) -> list[Network]:
    return [ipaddress.ip_network(cidr, strict=False) for cidr in cidrs]


def client_allowed(address: str, allowed: list[Network]) -> bool:
    """Whether a client address lies in one of the allowed networks (IPv4-mapped IPv6 counts as IPv4)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in allowed)


def host_allowed(host: str, names: Iterable[str]) -> bool:
    """The Host header names the device (an IP literal, localhost or its own name): no DNS rebinding."""
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    name = name.strip("[]").lower()
    if not name:
        return False
    try:
        ipaddress.ip_address(name)
        return True
    except ValueError:
        return name in {n.lower() for n in names}


def same_origin(environ: dict[str, Any]) -> bool:
    """A state change must come from the page itself: its Origin is this Host, and the fetch says same-origin."""
    origin = environ.get("HTTP_ORIGIN", "")
    host = environ.get("HTTP_HOST", "")
    if not origin or not host or origin not in (f"http://{host}", f"https://{host}"):
        return False
    return environ.get("HTTP_SEC_FETCH_SITE", "same-origin") == "same-origin"


# -- the password -------------------------------------------------------------------


def hash_password(password: str) -> dict[str, Any]:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, maxmem=64 * 2**20, **SCRYPT)
    return {"algorithm": "scrypt", **SCRYPT, "salt": salt.hex(), "hash": digest.hex()}


def check_password(password: str, stored: dict[str, Any] | None) -> bool:
    if not stored or stored.get("algorithm") != "scrypt" or len(password) > MAX_PASSWORD:
        return False
    try:
        params = {k: int(stored[k]) for k in ("n", "r", "p")}
        salt, expected = bytes.fromhex(stored["salt"]), bytes.fromhex(stored["hash"])
        digest = hashlib.scrypt(password.encode(), salt=salt, dklen=len(expected), maxmem=64 * 2**20, **params)
    except (KeyError, TypeError, ValueError):
        return False
    return hmac.compare_digest(digest, expected)


def password_problem(password: str) -> str:
    """Why a new password will not do, or ""."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        return f"a password must have {MIN_PASSWORD} to {MAX_PASSWORD} characters"
    return ""


# -- sessions -----------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    """Signed-in browsers: token digests with their expiry, kept across restarts."""

    def __init__(self, store: JsonStateFile, now: Any = time.time) -> None:
        self._store = store
        self._now = now
        self._lock = threading.Lock()
        stored = store.load() or {}
        entries = stored.get("sessions", {})
        self._expiry: dict[str, float] = {
            k: float(v) for k, v in entries.items() if isinstance(k, str) and isinstance(v, int | float)
        }

    def create(self) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            now = self._now()
            self._expiry = {k: v for k, v in self._expiry.items() if v > now}
            while len(self._expiry) >= MAX_SESSIONS:  # the oldest goes
                del self._expiry[min(self._expiry, key=self._expiry.__getitem__)]
            self._expiry[_digest(token)] = now + SESSION_DAYS * 86400
            self._save()
        return token

    def valid(self, token: str) -> bool:
        if not token or len(token) > 128:
            return False
        with self._lock:
            return self._expiry.get(_digest(token), 0.0) > self._now()

    def end(self, token: str) -> None:
        with self._lock:
            if self._expiry.pop(_digest(token), None) is not None:
                self._save()

    def _save(self) -> None:
        with contextlib.suppress(OSError):  # sessions still work until the next restart
            self._store.save({"sessions": self._expiry})


# -- sign-in limits -----------------------------------------------------------------


@dataclass
class _Failures:
    count: int = 0
    until: float = 0.0


@dataclass
class SignInLimiter:
    """Each wrong password doubles a client's wait (1, 2, 4... up to 60 s); all clients share a budget."""

    max_wait: float = 60.0
    per_minute: int = 10
    now: Any = time.monotonic
    _clients: dict[str, _Failures] = field(default_factory=dict)
    _recent: list[float] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, client: str) -> float:
        """Seconds before ``client`` may try again (0: now); counts the attempt when it is allowed."""
        with self._lock:
            now = self.now()
            self._recent = [t for t in self._recent if t > now - 60]
            failures = self._clients.get(client)
            if failures is not None and failures.until > now:
                return failures.until - now
            if len(self._recent) >= self.per_minute:
                return self._recent[0] + 60 - now
            self._recent.append(now)
            return 0.0

    def failed(self, client: str) -> float:
        """A wrong password from ``client``: returns its new wait."""
        with self._lock:
            failures = self._clients.setdefault(client, _Failures())
            failures.count += 1
            wait = min(self.max_wait, 2.0 ** (failures.count - 1))
            failures.until = self.now() + wait
            if len(self._clients) > 1024:  # bounded whatever the traffic
                self._clients = {k: v for k, v in self._clients.items() if v.until > self.now()}
            return wait

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._clients.pop(client, None)
