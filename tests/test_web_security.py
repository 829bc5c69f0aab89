"""The page's defences, over real HTTP on loopback: networks, Host, sessions, origins, uploads, sign-in limits."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import pytest

from device.core import events as ev
from device.web import security
from device.web.live import WebLink
from tests.support.web import Site, running_site

WAV_HEAD = b"RIFF\x24\x00\x00\x00WAVEfmt "


@pytest.fixture
def site(tmp_path: Path) -> Site:
    with running_site(tmp_path) as running:
        yield running


def test_nothing_but_the_page_itself_without_a_session(site: Site) -> None:
    assert site.request("GET", "/").status == 200
    assert site.request("GET", "/api/me").json()["signed_in"] is False
    for method, path in [
        ("GET", "/api/state"),
        ("GET", "/api/stream"),
        ("GET", "/api/sounds"),
        ("GET", "/api/journal"),
        ("GET", "/api/journal.csv"),
        ("GET", "/api/status"),
    ]:
        assert site.request(method, path).status == 401, path
    reply = site.request("POST", "/api/command", {"command": "session/set", "payload": "ON"})
    assert reply.status == 401 and site.posted == []
    site.cookie = "made-up-token"
    assert site.request("GET", "/api/state").status == 401


def _wsgi(site: Site, address: str, host: str = "192.168.1.5:8080") -> str:
    environ: dict[str, object] = {"REMOTE_ADDR": address, "HTTP_HOST": host, "PATH_INFO": "/api/me"}
    setup_testing_defaults(environ)
    seen: list[str] = []
    site.app(environ, lambda status, headers, exc_info=None: seen.append(status))
    return seen[0]


def test_refused_from_an_address_outside_the_private_networks(site: Site, tmp_path: Path) -> None:
    for address in ("203.0.113.9", "8.8.8.8", "::ffff:8.8.8.8", "2001:db8::1", "not-an-address"):
        assert _wsgi(site, address).startswith("403"), address
    for address in ("192.168.1.20", "10.1.2.3", "172.20.0.4", "127.0.0.1", "fe80::1%eth0", "::ffff:192.168.1.2"):
        assert _wsgi(site, address).startswith("200"), address
    with running_site(tmp_path / "narrow", '[web]\nallowed_networks = ["10.0.0.0/8"]\n') as narrow:
        reply = narrow.request("GET", "/")
        assert reply.status == 403 and b"local network" in reply.body


def test_a_host_that_is_not_the_device_is_refused_against_dns_rebinding(site: Site) -> None:
    assert site.request("GET", "/", headers={"Host": "attacker.example"}).status == 421
    assert _wsgi(site, "192.168.1.20", "evil.example:8080").startswith("421")
    assert _wsgi(site, "192.168.1.20", "localhost:8080").startswith("200")
    assert _wsgi(site, "192.168.1.20", "[fe80::1]:8080").startswith("200")


def test_a_cross_origin_or_non_json_post_is_refused(site: Site) -> None:
    site.sign_in()
    body = {"command": "session/set", "payload": "ON"}
    for headers in (
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Origin": f"{site.origin}", "Sec-Fetch-Site": "cross-site"},
        {"Origin": "http://127.0.0.1:1"},
    ):
        assert site.request("POST", "/api/command", body, headers).status == 403, headers
    no_origin = site.request("POST", "/api/command", body, {"Origin": ""})
    assert no_origin.status == 403
    form = site.request("POST", "/api/command", b"command=session/set", {"Content-Type": "text/plain"})
    assert form.status == 415
    assert site.posted == []
    ok = site.request("POST", "/api/command", body)
    assert ok.status == 200 and site.posted == [ev.Command("session", True, "web")]


def test_commands_go_through_the_hubs_parsers(site: Site) -> None:
    site.sign_in()
    assert site.request("POST", "/api/command", {"command": "sleep/tuesday/set", "payload": "22:15"}).status == 200
    assert site.posted[-1] == ev.Command("day_sleep", {"day": "tuesday", "sleep": "22:15"}, "web")
    bad = site.request("POST", "/api/command", {"command": "sleep/tuesday/set", "payload": "25:00"})
    assert bad.status == 400 and "HH:MM" in bad.json()["error"]
    assert site.request("POST", "/api/command", {"command": "trigger/set", "payload": "../x"}).status == 400
    assert site.request("POST", "/api/command", {"command": "preview/set", "payload": "nope"}).status == 400
    assert site.request("POST", "/api/command", {"command": "nothing/set"}).status == 400
    never = {"command": "never/set", "payload": {"trigger": "rain", "never": True}}
    assert site.request("POST", "/api/command", never).status == 200
    assert site.posted[-1] == ev.Command("never", {"trigger": "rain", "never": True}, "web")
    huge = site.request("POST", "/api/command", {"command": "volume/set", "payload": "1" * 20000})
    assert huge.status == 413
    assert len(site.posted) == 2


def test_uploads_stay_in_the_sounds_folder_and_within_the_limit(tmp_path: Path) -> None:
    with running_site(tmp_path, "[web]\nmax_upload_mb = 1\n") as site:
        site.sign_in()

        def upload(name: str, body: bytes) -> int:
            headers = {"Content-Type": "application/octet-stream", "X-Filename": name}
            return site.request("POST", "/api/sounds/upload", body, headers).status

        outside = tmp_path / "state" / "evil.wav"
        for name in ("../evil.wav", "..%2Fevil.wav", "%2E%2E%5Cevil.wav", "/etc/evil.wav", ".hidden.wav", "evil"):
            assert upload(name, WAV_HEAD + b"\0" * 100) in (400, 409), name
        assert not outside.exists()
        assert upload("big.wav", WAV_HEAD + b"\0" * 1_000_001) == 413
        assert upload("fake.wav", b"<html>not a sound</html>") == 415
        assert upload("rain.wav", WAV_HEAD + b"\0" * 100) == 409  # a built-in's name
        assert list(site.folder.iterdir()) == []  # nothing left behind, not even a part file
        assert upload("My Rain (2).WAV", WAV_HEAD + b"\0" * 100) == 200
        assert [p.name for p in site.folder.iterdir()] == ["my-rain-2.wav"]
        assert site.posted == [ev.Command("rescan_triggers", None, "web")]
        removal = site.request("POST", "/api/sounds/remove", {"name": "../../hushlight"})
        assert removal.status == 404
        assert site.request("POST", "/api/sounds/remove", {"name": "my-rain-2"}).status == 200
        assert list(site.folder.iterdir()) == []


def test_static_files_are_a_fixed_list(site: Site) -> None:
    assert site.request("GET", "/static/app.js").status == 200
    for path in ("/static/..%2Fapp.py", "/static/../app.py", "/static/index.html", "/static/%2e%2e/security.py"):
        assert site.request("GET", path).status == 404, path


class FakeMonotonic:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_wrong_password_slows_the_next_try_down_and_nothing_secret_is_logged(
    site: Site, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    clock = FakeMonotonic()
    site.app.limiter = security.SignInLimiter(now=clock)
    site.app.password_file.save(security.hash_password("correct horse"))

    def sign_in(password: str) -> tuple[int, str]:
        reply = site.request("POST", "/api/signin/password", {"password": password})
        return reply.status, reply.headers.get("retry-after", "")

    assert sign_in("wrong guess") == (401, "1")
    assert sign_in("correct horse") == (429, "1")  # even the right one waits
    clock.now += 1.1
    assert sign_in("wrong again") == (401, "2")
    clock.now += 1.0
    assert sign_in("correct horse")[0] == 429
    clock.now += 1.1
    reply = site.request("POST", "/api/signin/password", {"password": "correct horse"})
    assert reply.status == 200
    cookie = reply.headers["set-cookie"]
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower()
    token = cookie.split("=", 1)[1].split(";", 1)[0]
    assert token and token not in caplog.text
    assert "correct horse" not in caplog.text and "wrong guess" not in caplog.text and "wrong again" not in caplog.text
    assert token not in (site.state_dir / security.SESSIONS_FILE).read_text()
    assert "correct horse" not in (site.state_dir / security.PASSWORD_FILE).read_text()


def test_sign_in_by_a_long_press_within_the_window(site: Site) -> None:
    replies: list[int] = []
    asking = threading.Thread(target=lambda: replies.append(site.request("POST", "/api/signin/button", {}).status))
    asking.start()
    while site.link._ticket == "":
        threading.Event().wait(0.01)
    assert site.request("POST", "/api/signin/button", {}).status == 409  # one at a time
    site.link.publish_event("button", {"button": "main", "gesture": "single"})
    assert asking.is_alive()
    site.link.publish_event("button", {"button": "main", "gesture": "long"})
    asking.join(10)
    assert replies == [200] and site.posted == [ev.Command("blink", None, "web")]


def test_sign_in_by_the_button_is_refused_at_once_when_long_presses_are_off(tmp_path: Path) -> None:
    with running_site(tmp_path, "[buttons]\nlong_press_ms = 0\n") as site:
        reply = site.request("POST", "/api/signin/button", {})
        assert reply.status == 409 and "long presses are off" in reply.json()["error"]
        assert site.link._ticket == ""  # nobody is left waiting for a press that cannot come


def test_a_press_after_the_window_grants_nothing() -> None:
    clock = FakeMonotonic()
    link = WebLink(monotonic=clock)
    ticket = link.request_button()
    assert ticket is not None
    clock.now += 61
    assert link.wait_button(ticket) is False
    link.publish_event("button", {"gesture": "long"})
    assert link.request_button() is not None  # the window closed, a new one may open


def test_sessions_survive_a_restart_and_sign_out_ends_them(tmp_path: Path) -> None:
    with running_site(tmp_path) as site:
        site.sign_in()
        token = site.cookie
    with running_site(tmp_path) as again:
        again.cookie = token
        assert again.request("GET", "/api/state").status == 200
        assert again.request("POST", "/api/signout", {}).status == 200
        assert again.request("GET", "/api/state").status == 401


def test_the_stream_sends_the_state_as_it_changes(site: Site) -> None:
    import http.client

    site.sign_in()
    connection = http.client.HTTPConnection("127.0.0.1", site.server.port, timeout=10)
    connection.request("GET", "/api/stream", headers={"Cookie": f"hushlight_session={site.cookie}"})
    response = connection.getresponse()
    assert response.status == 200 and response.getheader("Content-Type") == "text/event-stream"
    assert response.readline() == b"retry: 3000\n"
    response.readline()
    first = response.readline()
    assert first.startswith(b"data: ") and b'"night": "2026-11-24"' in first
    site.link.publish_state({**site.link.snapshot, "routine": {"night": "2026-11-25"}})
    response.readline()
    assert b'"night": "2026-11-25"' in response.readline()
    connection.close()


def test_password_rules_and_checks() -> None:
    stored = security.hash_password("long enough")
    assert stored["algorithm"] == "scrypt" and security.check_password("long enough", stored)
    assert not security.check_password("long enougH", stored)
    assert not security.check_password("x" * 300, stored)
    assert not security.check_password("long enough", {**stored, "salt": "zz"})
    assert not security.check_password("long enough", None)
    assert security.password_problem("short") and not security.password_problem("eight ch")


def test_the_recent_warnings_keep_only_warnings() -> None:
    from device.web.views import RecentWarnings

    handler = RecentWarnings(size=2)
    logger = logging.getLogger("test.web.warnings")
    logger.setLevel(logging.DEBUG)  # whatever an earlier test left the root logger at
    logger.addHandler(handler)
    try:
        logger.info("quiet")
        for n in range(3):
            logger.warning("warn %d", n)
    finally:
        logger.removeHandler(handler)
    assert [w["message"] for w in handler.recent()] == ["warn 1", "warn 2"]
