"""The page's routes (Bottle): the static page, sign-in, the live state, commands, sounds, journal, status.

Every request first passes :meth:`WebApp.guard` (allowed network, a Host that
names the device). Everything under ``/api/`` but the sign-in needs a session
cookie; every state change is a same-origin JSON POST (an upload is a
same-origin POST of the file's bytes). Commands are parsed by the hub's own
parsers (:mod:`device.hub.commands`) and go to the worker like the hub's.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bottle

from device.config.schema import Config
from device.core import events as ev
from device.errors import HushlightError
from device.hub import commands
from device.persist import JsonStateFile
from device.web import security, uploads, views
from device.web.live import WebLink

log = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
STATIC_FILES = {
    "app.js": "text/javascript",
    "screens.js": "text/javascript",
    "app.css": "text/css",
    "icon.svg": "image/svg+xml",
}
MAX_JSON = 16 * 1024
MAX_STREAMS = 6
# Commands only the page sends (the rest are the hub's own command topics).
WEB_COMMANDS = {
    "preview/set",
    "preview_stop/set",
    "pin/set",
    "never/set",
    "ends_before/set",
    "sunrise_minutes/set",
    "rate_night/set",
}
MINUTES = {"ends_before": (0, 24 * 60), "sunrise_minutes": (1, 120)}  # as the config's ranges
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@dataclass
class WebContext:
    config: Config
    state_dir: Path
    sounds_folder: Path
    tz: dt.tzinfo
    post: Callable[[ev.Event], None]
    link: WebLink
    warnings: views.RecentWarnings
    now: Callable[[], float]  # the device clock (simulated in simulation)
    simulated: bool = False


class Refused(HushlightError):
    """A request the page answers with an error: ``status`` and a message the user can act on."""

    def __init__(self, status: int, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.retry_after = status, message, retry_after


class WebApp:
    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx
        self.allowed = security.networks(ctx.config.web.allowed_networks)
        hostname = socket.gethostname()
        self.host_names = {"localhost", hostname, f"{hostname}.local", f"{ctx.config.device.id}.local"}
        self.sessions = security.Sessions(JsonStateFile(ctx.state_dir / security.SESSIONS_FILE))
        self.password_file = JsonStateFile(ctx.state_dir / security.PASSWORD_FILE)
        self.limiter = security.SignInLimiter()
        self._streams = threading.BoundedSemaphore(MAX_STREAMS)
        self.app = bottle.Bottle()
        self.app.config["json.enable"] = False  # the routes write their JSON themselves
        self._routes()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        refusal = self.guard(environ)
        if refusal is not None:
            start_response(refusal, [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")])
            return [b"Refused: this page answers only its own local network.\n"]
        return self.app(environ, start_response)

    def guard(self, environ: dict[str, Any]) -> str | None:
        if not security.client_allowed(environ.get("REMOTE_ADDR", ""), self.allowed):
            return "403 Forbidden"
        if not security.host_allowed(environ.get("HTTP_HOST", ""), self.host_names):
            return "421 Misdirected Request"
        return None

    # -- plumbing ------------------------------------------------------------------------

    def _routes(self) -> None:
        app = self.app
        app.route("/", "GET", self.index)
        app.route("/static/<name>", "GET", self.static)
        app.route("/api/me", "GET", self.api(self.me, signed_in=False))
        app.route("/api/signin/password", "POST", self.api(self.sign_in_password, signed_in=False))
        app.route("/api/signin/button", "POST", self.api(self.sign_in_button, signed_in=False))
        app.route("/api/signout", "POST", self.api(self.sign_out))
        app.route("/api/state", "GET", self.api(self.state))
        app.route("/api/stream", "GET", self.stream)
        app.route("/api/command", "POST", self.api(self.command))
        app.route("/api/sounds", "GET", self.api(self.sounds))
        app.route("/api/sounds/upload", "POST", self.api(self.upload, json_body=False))
        app.route("/api/sounds/remove", "POST", self.api(self.remove))
        app.route("/api/journal", "GET", self.api(self.journal))
        app.route("/api/journal.csv", "GET", self.journal_csv)
        app.route("/api/status", "GET", self.api(self.status))

    def _headers(self) -> None:
        for key, value in HEADERS.items():
            bottle.response.set_header(key, value)

    def _signed_in(self) -> bool:
        return self.sessions.valid(bottle.request.get_cookie(security.COOKIE) or "")

    def api(self, handler: Callable[..., Any], signed_in: bool = True, json_body: bool = True) -> Callable[[], str]:
        """Wrap a handler: session and same-origin checks, a bounded JSON body, JSON out, errors as JSON."""

        def route() -> str:
            self._headers()
            bottle.response.content_type = "application/json"
            request = bottle.request
            try:
                if request.method == "POST":
                    if not security.same_origin(request.environ):
                        raise Refused(403, "refused: the request did not come from this page")
                    if json_body and request.content_type.split(";")[0].strip() != "application/json":
                        raise Refused(415, "send JSON (Content-Type: application/json)")
                if signed_in and not self._signed_in():
                    raise Refused(401, "sign in first")
                result = handler(self._json()) if request.method == "POST" and json_body else handler()
            except Refused as exc:
                bottle.response.status = exc.status
                if exc.retry_after is not None:
                    bottle.response.set_header("Retry-After", str(max(1, round(exc.retry_after))))
                return json.dumps({"error": exc.message})
            except Exception:  # a bug behind one screen must not look like a dead device
                log.exception("web: %s %s failed", request.method, request.path)
                bottle.response.status = 500
                return json.dumps({"error": "the device could not do that (the log says why: see Status)"})
            return json.dumps(result, default=str)

        return route

    def _json(self) -> Any:
        length = bottle.request.content_length
        if length < 0 or length > MAX_JSON:
            raise Refused(413, f"a request body must be JSON of at most {MAX_JSON} bytes")
        raw = bottle.request.environ["wsgi.input"].read(length)
        try:
            text = raw.decode("utf-8")
            return commands.load_json(text) if text.strip() else {}
        except UnicodeDecodeError:
            raise Refused(400, "the body is not UTF-8") from None
        except commands.Rejected as exc:
            raise Refused(400, str(exc)) from None

    # -- the page ------------------------------------------------------------------------

    def index(self) -> bytes:
        self._headers()
        bottle.response.content_type = "text/html; charset=utf-8"
        return (STATIC / "index.html").read_bytes()

    def static(self, name: str) -> bytes:
        if name not in STATIC_FILES:  # a fixed list: nothing else on the disk is reachable
            bottle.abort(404, "no such file")
        self._headers()
        bottle.response.set_header("Cache-Control", "max-age=3600")
        bottle.response.content_type = STATIC_FILES[name]
        return (STATIC / name).read_bytes()

    # -- signing in ----------------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        return {
            "signed_in": self._signed_in(),
            "password": self.password_file.load() is not None,
            "simulated": self.ctx.simulated,
            "device": self.ctx.config.device.name,
        }

    def _grant(self) -> dict[str, Any]:
        token = self.sessions.create()
        bottle.response.set_cookie(
            security.COOKIE,
            token,
            max_age=security.SESSION_DAYS * 86400,
            path="/",
            httponly=True,
            samesite="strict",
        )
        return {"signed_in": True}

    def _client(self) -> str:
        return bottle.request.environ.get("REMOTE_ADDR", "")

    def sign_in_password(self, body: Any) -> dict[str, Any]:
        password = body.get("password") if isinstance(body, dict) else None
        if not isinstance(password, str):
            raise Refused(400, 'send {"password": "..."}')
        wait = self.limiter.wait(self._client())
        if wait > 0:
            raise Refused(429, f"too many tries: wait {max(1, round(wait))} s", wait)
        if not security.check_password(password, self.password_file.load()):
            wait = self.limiter.failed(self._client())
            log.warning("web: a wrong password from %s", self._client())
            raise Refused(401, f"wrong password: try again in {max(1, round(wait))} s", wait)
        self.limiter.succeeded(self._client())
        log.info("web: signed in with the password from %s", self._client())
        return self._grant()

    def sign_in_button(self, body: Any) -> dict[str, Any]:
        if self.ctx.config.buttons.long_press_ms == 0:
            raise Refused(409, "long presses are off on this device ([buttons] long_press_ms = 0): use the password")
        ticket = self.ctx.link.request_button()
        if ticket is None:
            raise Refused(409, "someone else is signing in with the button: try again in a minute")
        log.info("web: %s asks to sign in by the button", self._client())
        if not self.ctx.link.wait_button(ticket):
            raise Refused(408, "no long press within 60 s: try again")
        log.info("web: signed in by the button from %s", self._client())
        return self._grant()

    def sign_out(self, body: Any) -> dict[str, Any]:
        self.sessions.end(bottle.request.get_cookie(security.COOKIE) or "")
        bottle.response.delete_cookie(security.COOKIE, path="/")
        return {"signed_in": False}

    # -- state ---------------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        snapshot = self.ctx.link.snapshot
        return {"state": snapshot, "week": views.week(self.ctx.config, snapshot.get("settings", {}))}

    def stream(self) -> Iterator[bytes] | str:
        """Server-sent events: the state each time it changes (the thread sleeps in between)."""
        if not self._signed_in():
            bottle.response.status = 401
            return json.dumps({"error": "sign in first"})
        if not self._streams.acquire(blocking=False):
            bottle.response.status = 503
            return json.dumps({"error": "too many pages open"})
        self._headers()
        bottle.response.content_type = "text/event-stream"
        return self._events()

    def _events(self) -> Iterator[bytes]:
        try:
            seen = -1
            yield b"retry: 3000\n\n"
            while not self.ctx.link.closed:
                change = self.ctx.link.wait_change(seen)
                if change is None:
                    yield b": still here\n\n"
                    continue
                seen, snapshot = change
                data: dict[str, Any] = {
                    "state": snapshot,
                    "week": views.week(self.ctx.config, snapshot.get("settings", {})),
                }
                data["rejected"] = self.ctx.link.last_rejection()
                yield b"data: " + json.dumps(data, default=str).encode() + b"\n\n"
        finally:
            self._streams.release()

    def command(self, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("command"), str):
            raise Refused(400, 'send {"command": "volume/set", "payload": "40"}')
        topic, payload = body["command"], body.get("payload", "")
        text = payload if isinstance(payload, str) else json.dumps(payload)
        triggers = tuple(self.ctx.link.snapshot.get("triggers", ()))
        try:
            command = self._web_command(topic, text, triggers)
            if command is None:
                limits = commands.Limits.from_config(self.ctx.config)
                command = commands.parse(topic, text.encode(), limits, triggers)
        except commands.Rejected as exc:
            raise Refused(400, str(exc)) from None
        self.ctx.post(ev.Command(command.action, command.value, "web"))
        return {"ok": True, "action": command.action}

    def _web_command(self, topic: str, text: str, triggers: tuple[str, ...]) -> ev.Command | None:
        if topic not in WEB_COMMANDS:
            return None
        action = topic.split("/")[0]
        if action == "preview_stop":
            return ev.Command(action)
        if action in MINUTES:
            minutes = commands.number(text, action.replace("_", " "), *MINUTES[action])
            if not minutes.is_integer():
                raise commands.Rejected(f"{action.replace('_', ' ')} must be whole minutes, not {minutes:g}")
            return ev.Command(action, int(minutes))
        if action == "rate_night":  # a night the morning went by unrated; the core checks the date's range
            value = commands.load_json(text)
            if not isinstance(value, dict) or not isinstance(value.get("night"), str):
                raise commands.Rejected('rate_night takes {"night": "2026-11-24", "rating": "good" or "bad"}')
            if value.get("rating") not in ("good", "bad"):
                raise commands.Rejected("rating must be good or bad")
            return ev.Command("rate", {"night": value["night"], "rating": value["rating"]})
        if action == "never":
            value = commands.load_json(text)
            if not isinstance(value, dict) or not isinstance(value.get("never"), bool):
                raise commands.Rejected('never takes {"trigger": name, "never": true or false}')
            if value.get("trigger") not in triggers and value["never"]:
                raise commands.Rejected("unknown trigger")
            return ev.Command(action, {"trigger": str(value.get("trigger")), "never": value["never"]})
        if text not in triggers and not (action == "pin" and text == ""):
            raise commands.Rejected(f"unknown trigger {text[:64]!r}")
        return ev.Command(action, text)

    # -- sounds --------------------------------------------------------------------------

    def sounds(self) -> dict[str, Any]:
        snapshot = self.ctx.link.snapshot
        limit = self.ctx.config.web.max_upload_mb
        return {"sounds": views.sounds(snapshot, self.ctx.sounds_folder), "max_upload_mb": limit}

    def upload(self) -> dict[str, Any]:
        environ = bottle.request.environ
        name = urllib.parse.unquote(environ.get("HTTP_X_FILENAME", ""))  # percent-encoded: headers are Latin-1
        length = bottle.request.content_length
        if length < 0:
            raise Refused(411, "the upload needs a Content-Length")
        limit = self.ctx.config.web.max_upload_mb * 1_000_000
        try:
            path = uploads.receive(self.ctx.sounds_folder, name, environ["wsgi.input"], length, limit)
        except uploads.UploadRefused as exc:
            raise Refused(exc.status, str(exc)) from None  # an unread body goes with the connection
        log.info("web: recording %s uploaded (%d bytes)", path.name, length)
        self.ctx.post(ev.Command("rescan_triggers", None, "web"))
        return {"ok": True, "name": path.stem}

    def remove(self, body: Any) -> dict[str, Any]:
        name = body.get("name") if isinstance(body, dict) else None
        if not isinstance(name, str):
            raise Refused(400, 'send {"name": "..."}')
        try:
            path = uploads.remove(self.ctx.sounds_folder, name)
        except uploads.UploadRefused as exc:
            raise Refused(exc.status, str(exc)) from None
        log.info("web: recording %s removed", path.name)
        self.ctx.post(ev.Command("rescan_triggers", None, "web"))
        return {"ok": True}

    # -- journal and status ----------------------------------------------------------------

    def journal(self) -> dict[str, Any]:
        last_start = self.ctx.link.snapshot.get("session", {}).get("last_started_at")
        return views.journal(self.ctx.config, self.ctx.state_dir, self.ctx.tz, self.ctx.now(), last_start)

    def journal_csv(self) -> str:
        if not self._signed_in():
            bottle.response.status = 401
            return "sign in first\n"
        self._headers()
        bottle.response.content_type = "text/csv; charset=utf-8"
        bottle.response.set_header("Content-Disposition", 'attachment; filename="hushlight-journal.csv"')
        return views.journal_csv(self.ctx.config, self.ctx.state_dir, self.ctx.tz)

    def status(self) -> dict[str, Any]:
        return views.status(self.ctx.config, self.ctx.link.snapshot, self.ctx.warnings)
