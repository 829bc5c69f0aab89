"""`hushlight web password`, and the page as the daemon starts it: the address, a busy port, closing twice."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import socket
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

from device.cli import main
from device.config.load import parse_config
from device.core import events as ev
from device.web import security, start_page
from device.web.live import TeeHub, WebLink
from tests.support.broker import free_port


def _args(tmp_path: Path) -> list[str]:
    (tmp_path / "hushlight.toml").write_text("[mqtt]\nenabled = false\n")
    return ["--config", str(tmp_path / "hushlight.toml"), "--state-dir", str(tmp_path / "state")]


def test_web_password_is_stored_as_a_scrypt_hash_and_can_be_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert main(["web", "password", "--stdin", *_args(tmp_path)]) == 0
    stored = json.loads((tmp_path / "state" / security.PASSWORD_FILE).read_text())
    assert stored["algorithm"] == "scrypt" and "a long password" not in json.dumps(stored)
    assert security.check_password("a long password", stored)
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["web", "password", "--stdin", *_args(tmp_path)]) == 1
    assert security.check_password(
        "a long password", json.loads((tmp_path / "state" / security.PASSWORD_FILE).read_text())
    )
    answers = iter(["one password", "another one"])
    monkeypatch.setattr("getpass.getpass", lambda prompt: next(answers))
    assert main(["web", "password", *_args(tmp_path)]) == 1
    assert "differ" in capsys.readouterr().err
    assert main(["web", "password", "--remove", *_args(tmp_path)]) == 0
    assert not (tmp_path / "state" / security.PASSWORD_FILE).exists()


def _worker(posted: list[ev.Event]) -> SimpleNamespace:
    return SimpleNamespace(post=posted.append, clock=SimpleNamespace(now=lambda: 1_795_000_000.0))


def test_simulation_serves_on_loopback_and_a_busy_port_is_no_reason_to_stop(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        config = parse_config(f'[web]\nbind = "0.0.0.0"\nport = {port}\n')
        posted: list[ev.Event] = []
        link = WebLink()
        page = start_page(config, tmp_path, dt.UTC, link, _worker(posted), simulate=True)  # type: ignore[arg-type]
        assert page is not None and page.url.startswith("http://127.0.0.1:") and f":{port}/" not in page.url
        with urllib.request.urlopen(page.url, timeout=5) as reply:
            assert b"Hushlight" in reply.read()
        link.publish_event("button", {"gesture": "long"})  # no sign-in pending: nothing happens
        assert posted == []
        page.close()
        page.close()


def test_on_the_device_a_taken_port_leaves_the_daemon_without_the_page(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        config = parse_config(f'[web]\nbind = "127.0.0.1"\nport = {busy.getsockname()[1]}\n')
        assert start_page(config, tmp_path, dt.UTC, WebLink(), _worker([]), simulate=False) is None  # type: ignore[arg-type]
    assert "running without it" in caplog.text


def test_ipv6_any_serves_ipv4_too(tmp_path: Path) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 on this machine")
    config = parse_config(f'[web]\nbind = "::"\nport = {free_port()}\n')
    try:
        page = start_page(config, tmp_path, dt.UTC, WebLink(), _worker([]), simulate=False)  # type: ignore[arg-type]
    except OSError:
        pytest.skip("IPv6 sockets are off here")
    assert page is not None and page.url.endswith(f".local:{config.web.port}/")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{config.web.port}/api/me", timeout=5) as reply:
            assert json.loads(reply.read())["signed_in"] is False
    finally:
        page.close()


def test_the_tee_tells_the_page_and_the_hub_the_same() -> None:
    from device.hub.base import NullHub

    hub, link = NullHub(), WebLink()
    tee = TeeHub(hub, link)
    tee.publish_state({"a": 1})
    tee.publish_event("rated", {"rating": "good"})
    tee.reject("volume", "too loud")
    assert hub.state == link.snapshot == {"a": 1} and hub.events == [("rated", {"rating": "good"})]
    assert hub.rejections == [("volume", "too loud")] and link.last_rejection() == {
        "action": "volume",
        "reason": "too loud",
    }
    tee.close()
    assert hub.closed and link.closed and link.wait_change(link.version) is None


def test_bad_web_config_names_the_key() -> None:
    from device.errors import ConfigError

    with pytest.raises(ConfigError, match=r"web\.bind"):
        parse_config('[web]\nbind = "my-pi"\n')
    with pytest.raises(ConfigError, match=r"web\.allowed_networks"):
        parse_config('[web]\nallowed_networks = ["192.168.1.0/33"]\n')
    with pytest.raises(ConfigError, match=r"web\.port"):
        parse_config("[web]\nport = 0\n")
    logging.getLogger(__name__).debug("config errors checked")
