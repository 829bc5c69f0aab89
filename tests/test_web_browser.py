"""The web page in a real headless Chromium against the real simulated daemon (a subprocess) and a real broker.

One daemon and one browser for the module, driven the way a person would:
sign in with the (simulated) bedside button, change Tuesday's sleep time and
find it in ``hushlight plan`` and the hub's state, start and stop a session,
rate a night, upload a recording and find it listed, and see that no request
left the device. Set HUSHLIGHT_SCREENSHOTS=<folder> to keep a PNG of each screen.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import os
import struct
import subprocess
import sys
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.broker import free_port, start_broker
from tests.support.browser import chromium, need_chromium, requested_urls
from tests.support.sim import Watcher, daemon_command, daemon_env, seed_sound_cache, stop, write_config

pytestmark = pytest.mark.slow
START = "2026-11-24 07:30"  # a Tuesday morning


class Page:
    def __init__(self, driver: Any, url: str, watcher: Watcher, config: Path, state_dir: Path) -> None:
        from selenium.webdriver.support.ui import WebDriverWait

        self.driver, self.url, self.watcher = driver, url, watcher
        self.config, self.state_dir = config, state_dir
        self.wait = WebDriverWait(driver, 15)

    def find(self, css: str) -> Any:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def until(self, script: str, *args: Any) -> Any:
        """Wait until a JavaScript expression (given ``args`` as ``arguments``) is truthy; returns it."""
        return self.wait.until(lambda d: d.execute_script(f"return {script};", *args))

    def text(self, css: str) -> str:
        return str(self.find(css).text)

    def screen(self, name: str, shot: str = "") -> None:
        self.driver.get(f"{self.url}#{name}")
        self.until(f"!document.getElementById('{name}').hidden")
        self.driver.execute_script("window.scrollTo(0, 0)")  # a click lower down on the last screen scrolled it
        self.until("document.getElementById('session-line').textContent !== '–'")  # the first state arrived
        folder = os.environ.get("HUSHLIGHT_SCREENSHOTS")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            height = self.driver.execute_script("return document.body.scrollHeight")
            self.driver.set_window_size(412, max(915, height + 40))
            self.driver.save_screenshot(str(Path(folder) / f"{shot or 'web-' + name}.png"))
            self.driver.set_window_size(412, 915)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory, sound_cache: Path) -> Iterator[Page]:
    need_chromium()
    folder = tmp_path_factory.mktemp("web-browser")
    state_dir = folder / "state"
    seed_sound_cache(sound_cache, state_dir)
    seed_unrated_night(state_dir)
    web_port = free_port()
    (folder / "mosquitto").mkdir()
    with start_broker(folder / "mosquitto") as broker:
        config = write_config(folder, broker.port, f"[web]\nport = {web_port}\n")
        watcher = Watcher(broker.port)
        command = daemon_command(config, state_dir, 1, START)
        process = subprocess.Popen(command, env=daemon_env(), stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            watcher.wait_for("availability", lambda m: m.payload == b"online", 30)
            with chromium() as driver:
                yield Page(driver, f"http://127.0.0.1:{web_port}/", watcher, config, state_dir)
        finally:
            watcher.close()
            assert stop(process) == 0


OLDER_NIGHT = "2026-11-20"  # a Friday four nights before START, with a session and no rating


def seed_unrated_night(state_dir: Path) -> None:
    from device.journal.store import JOURNAL_FILE
    from device.journal.writer import SqliteJournal

    start = dt.datetime(2026, 11, 20, 22, 30, tzinfo=dt.UTC).timestamp()
    journal = SqliteJournal(state_dir / JOURNAL_FILE)
    journal.record("session_start", {"night": OLDER_NIGHT, "trigger": "rain", "source": "routine", "start": start,
                                     "planned": 1800})  # fmt: skip
    journal.record("session_end", {"night": OLDER_NIGHT, "trigger": "rain", "reason": "time_limit",
                                   "end": start + 1800, "actual": 1800})  # fmt: skip
    assert journal.flush()
    journal.close()


def hub_state(page: Page, test: Any, after: int = 0) -> dict[str, Any]:
    return dict(page.watcher.wait_for("state", lambda m: test(m.json()), 15, after).json())


def test_signing_in_with_the_simulated_bedside_button_blinks_the_lamp(page: Page) -> None:
    page.driver.get(page.url)
    page.until("!document.getElementById('signin').hidden")
    assert page.find("#tabs").is_displayed() is False
    mark = page.watcher.mark()
    page.find("#signin-button").click()
    page.until("document.getElementById('signin-wait').textContent.includes('press and hold')")
    page.watcher.publish("sim/button", "long")
    page.until("!document.getElementById('tabs').hidden && !document.getElementById('tonight').hidden")
    # The lamp blinks to confirm: it swings up and back three times.
    peaks = 0
    for _ in range(60):
        levels = [m.json()["level"] for m in page.watcher.messages[mark:] if m.topic.endswith("/sim/lamp")]
        rising = [b > a for a, b in itertools.pairwise(levels) if b != a]
        peaks = sum(1 for up, next_up in itertools.pairwise(rising) if up and not next_up)
        if peaks >= 3:
            break
        page.watcher.wait_for("sim/lamp", lambda m: True, 5, page.watcher.mark())
    assert peaks == 3
    cookie = page.driver.get_cookie("hushlight_session")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    page.screen("tonight")


def test_tuesdays_sleep_time_reaches_the_plan_and_the_hub(page: Page) -> None:
    page.screen("week")
    mark = page.watcher.mark()
    page.until("document.getElementById('sleep-tuesday') !== null")
    page.driver.execute_script(
        "const el = document.getElementById('sleep-tuesday'); el.focus(); el.value = '22:15';"
        "el.dispatchEvent(new Event('change')); el.blur();"
    )
    state = hub_state(page, lambda s: s["settings"]["day_sleep"].get("tuesday") == "22:15", mark)
    assert state["settings"]["day_sleep"] == {"tuesday": "22:15"}
    page.until("document.getElementById('sleep-tuesday').value === '22:15'")
    plan = subprocess.run(
        [sys.executable, "-m", "device", "plan", "--config", str(page.config), "--state-dir", str(page.state_dir)],
        capture_output=True,
        text=True,
        env=daemon_env(),
        check=True,
    ).stdout
    tuesdays = [line for line in plan.splitlines() if line.startswith("Tue")]
    assert tuesdays and all(line.split()[3] == "22:15" for line in tuesdays), plan
    page.screen("week")


def test_a_session_starts_and_stops_from_the_page(page: Page) -> None:
    page.screen("tonight")
    mark = page.watcher.mark()
    page.find("#session-toggle").click()
    state = hub_state(page, lambda s: s["session"]["active"], mark)
    assert state["session"]["started_by"] == "web"
    page.until("document.getElementById('session-line').textContent.startsWith('Playing')")
    page.until("document.getElementById('session-toggle').textContent === 'Stop the session'")
    page.screen("tonight", "web-tonight-session")
    page.until("document.getElementById('session-line').textContent.startsWith('Playing')")
    page.find("#session-toggle").click()
    hub_state(page, lambda s: not s["session"]["active"], page.watcher.mark())
    page.until("document.getElementById('session-line').textContent === 'No session'")


def test_rating_a_night_reaches_the_journal(page: Page) -> None:
    page.screen("journal")
    page.until("!document.getElementById('rate-card').hidden")
    page.find("#rate-good").click()
    page.until("[...document.querySelectorAll('#nights td')].some(td => td.textContent === 'good')")
    export = page.driver.execute_script(
        "return fetch('/api/journal.csv', {credentials: 'same-origin'}).then(r => r.text());"
    )
    assert export.startswith("night,rating") and ",good," in export
    page.screen("journal")


def test_an_older_unrated_night_is_rated_from_the_journal(page: Page) -> None:
    page.screen("journal")
    button = f"#nights button[data-night='{OLDER_NIGHT}'][data-rating='bad']"
    page.until(f'document.querySelector("{button}") !== null')
    mark = page.watcher.mark()
    page.find(button).click()
    rated = page.watcher.wait_for("event", lambda m: m.json().get("event") == "rated", 15, mark).json()
    assert rated["night"] == OLDER_NIGHT and rated["rating"] == "bad" and rated["source"] == "web"
    page.until(
        "[...document.querySelectorAll('#nights tr')].some(tr => tr.cells[0].textContent === arguments[0]"
        " && tr.cells[3].textContent === 'bad')",
        OLDER_NIGHT,
    )
    export = page.driver.execute_script(
        "return fetch('/api/journal.csv', {credentials: 'same-origin'}).then(r => r.text());"
    )
    assert f"{OLDER_NIGHT},bad," in export


def _wav(path: Path, seconds: float = 1.5) -> Path:
    frames = b"".join(
        struct.pack("<hh", v, v) for i in range(int(44100 * seconds)) if (v := int(8000 * math.sin(i / 20))) or True
    )
    with wave.open(str(path), "wb") as out:
        out.setnchannels(2)
        out.setsampwidth(2)
        out.setframerate(44100)
        out.writeframes(frames)
    return path


def test_an_uploaded_recording_is_listed_and_can_be_removed(page: Page, tmp_path: Path) -> None:
    page.screen("sounds")
    page.until("document.querySelector('#sound-list li[data-name=rain]') !== null")
    mark = page.watcher.mark()
    page.find("#sound-list li[data-name='rain'] button[aria-label='Preview rain for 15 s']").click()
    assert hub_state(page, lambda s: s["preview"] == "rain", mark)["session"]["active"] is False
    page.find("#sound-list li[data-name='rain'] button[aria-label='Never play rain']").click()
    hub_state(page, lambda s: s["settings"]["never"] == ["rain"], mark)
    page.until("document.querySelector('#sound-list li[data-name=rain]').textContent.includes('never')")
    page.find("#upload-file").send_keys(str(_wav(tmp_path / "My Rain!.wav")))
    page.find("#upload button").click()
    item = "document.querySelector('#sound-list li[data-name=\"my-rain\"]')"
    page.until(f"{item} && {item}.textContent.includes('yours') && {item}.textContent.includes('Preview')")
    assert (page.state_dir / "sounds" / "my-rain.wav").is_file()
    page.screen("sounds")
    page.driver.execute_script("window.confirm = () => true;")
    page.find("#sound-list li[data-name='my-rain'] button:last-child").click()
    page.until(f"{item} === null")
    assert not (page.state_dir / "sounds" / "my-rain.wav").exists()


def test_status_and_no_request_left_the_device(page: Page) -> None:
    page.screen("status")
    page.until("document.getElementById('status-list').textContent.includes('connected to')")
    urls = requested_urls(page.driver)
    assert urls, "the DevTools log saw no request at all"
    network = [u for u in urls if u.split(":", 1)[0] in ("http", "https", "ws", "wss")]  # not chrome://, data:
    assert any(u.endswith("/static/app.js") for u in network)
    assert [u for u in network if not u.startswith(page.url)] == []
    # The page knows nothing of the sign-in once signed out.
    page.find("#signout").click()
    page.until("!document.getElementById('signin').hidden")
    assert json.loads(page.driver.execute_script("return fetch('/api/state').then(r => r.status + '')")) == 401
