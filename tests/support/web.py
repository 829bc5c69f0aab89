"""The page's app on a real loopback server, with the worker's side replaced by a list of posted events."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from device.config.load import parse_config
from device.core import events as ev
from device.web.app import WebApp, WebContext
from device.web.live import WebLink
from device.web.server import WebServer
from device.web.views import RecentWarnings

SNAPSHOT = {
    "triggers": ["rain", "ocean"],
    "broken_triggers": [],
    "settings": {"trigger": "", "never": [], "day_sleep": {}, "day_wake": {}, "dates_off": [], "session_minutes": 30},
    "routine": {"night": "2026-11-24"},
    "room": {"temperature_c": 19.5},
    "faults": {},
    "hub": {"connected": False},
}


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Site:
    app: WebApp
    server: WebServer
    link: WebLink
    posted: list[ev.Event]
    folder: Path
    state_dir: Path
    cookie: str = ""
    origin: str = field(init=False)

    def __post_init__(self) -> None:
        self.origin = f"http://127.0.0.1:{self.server.port}"

    def request(
        self, method: str, path: str, body: bytes | dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> Reply:
        sent = {"Host": f"127.0.0.1:{self.server.port}"}
        if isinstance(body, dict):
            body = json.dumps(body).encode()
            sent["Content-Type"] = "application/json"
        if method == "POST":
            sent["Origin"] = self.origin
        if self.cookie:
            sent["Cookie"] = f"hushlight_session={self.cookie}"
        sent.update(headers or {})
        connection = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        try:
            connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
            for key, value in sent.items():
                connection.putheader(key, value)
            if body is not None and "Content-Length" not in sent:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            connection.close()

    def sign_in(self) -> None:
        self.cookie = self.app.sessions.create()


@contextmanager
def running_site(tmp_path: Path, config_text: str = "", now: float | None = None) -> Iterator[Site]:
    config = parse_config(config_text)
    state_dir = tmp_path / "state"
    state_dir.mkdir(parents=True, exist_ok=True)
    folder = state_dir / "sounds"
    link = WebLink()
    link.publish_state(json.loads(json.dumps(SNAPSHOT)))
    posted: list[ev.Event] = []
    link.on_sign_in = lambda: posted.append(ev.Command("blink", None, "web"))
    clock = (lambda: now) if now is not None else time.time
    context = WebContext(config, state_dir, folder, dt.UTC, posted.append, link, RecentWarnings(), clock, False)
    app = WebApp(context)
    server = WebServer(app, "127.0.0.1", 0).start()
    try:
        yield Site(app, server, link, posted, folder, state_dir)
    finally:
        link.close()
        server.close()
