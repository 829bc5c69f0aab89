"""The reliability issue's figures, each against a baseline measured in the same run.

- **Button edge → first lamp write**, p50/p99 over ``PRESSES`` presses through the real path
  (gpiozero mock pin → BedsideButtons → Worker.post_or_run → core → fader → PWMLED pin), against a
  bare gpiozero callback that writes the pin. Twice: a button set as a plain switch (double and long
  presses off), whose press is decided on its edge and timed from it; and a button with all three
  gestures, whose single press is known only once the double-press window has closed, timed from
  then (the gesture's own wait is policy, not cost). The clock runs 100× so that the presses take seconds.
- **Process start → ``online``** on a real mosquitto, against a process that imports the same
  libraries and publishes ``online`` itself (median of ``STARTS``).
- **Resident memory** of the simulated daemon after start and after a simulated week of nights
  with sessions (``--speed 10000``), against a process that imports the same libraries.
- **Fan-out**: ``DEVICES`` devices on one mosquitto, one volume command to each; the time until
  every new state is back, p99 over ``ROUNDS``, against as many bare paho echo clients.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt

from bench.__main__ import figure
from bench.bench_daemon import BASELINE, rss_mib

PRESSES = int(os.environ.get("BENCH_PRESSES", "1000"))
STARTS = int(os.environ.get("BENCH_STARTS", "3"))
DEVICES = int(os.environ.get("BENCH_DEVICES", "50"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "100"))
WEEK_SPEED = 10000.0
ROOT = Path(__file__).resolve().parent.parent
ENV = {**os.environ, "SDL_AUDIODRIVER": "dummy", "PYGAME_HIDE_SUPPORT_PROMPT": "1"}


def simulated_daemon(config: Path, state: Path) -> list[str]:
    return [sys.executable, "-m", "device", "run", "--simulate", "--config", str(config), "--state-dir", str(state)]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


# -- button edge to lamp ------------------------------------------------------------------------------


BARE_BUTTON, BARE_LED, LAMP_PIN = 16, 18, 23


def _timed_factory() -> tuple[Any, dict[str, Any]]:
    from gpiozero.pins.mock import MockFactory, MockPWMPin

    marks: dict[str, Any] = {"armed": None, "at": None, "written": threading.Event()}

    class TimedPin(MockPWMPin):  # type: ignore[misc]
        def _set_state(self, value: Any) -> None:
            super()._set_state(value)
            if marks["armed"] == self.number:  # a write, even of the level the pin already has
                marks["armed"], marks["at"] = None, time.perf_counter()
                marks["written"].set()

    return MockFactory(pin_class=TimedPin), marks


class TimedLamp:
    """The real lamp, noting when the worker hands it a command."""

    def __init__(self, inner: Any, marks: dict[str, Any]) -> None:
        self.inner = inner
        self.marks = marks
        self.commanded: float | None = None

    def fade_to(self, level: float, duration: float, curve: str = "linear") -> None:
        if self.commanded is None:
            self.commanded = time.perf_counter()
            self.marks["armed"] = LAMP_PIN  # the next write to the lamp's pin is this command's
        self.inner.fade_to(level, duration, curve)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class BareButton:
    """The floor: a gpiozero Button whose callback writes a PWMLED, on the same mock factory."""

    def __init__(self, factory: Any, marks: dict[str, Any]) -> None:
        from gpiozero import PWMLED, Button

        self.marks = marks
        self.led = PWMLED(BARE_LED, pin_factory=factory)
        self.button = Button(BARE_BUTTON, pin_factory=factory, bounce_time=None)
        self.button.when_pressed = lambda: setattr(self.led, "value", 0.0 if self.led.value else 0.5)
        self.pin = factory.pin(BARE_BUTTON)

    def press(self) -> float:
        self.marks["written"].clear()
        self.marks["armed"] = BARE_LED
        started = time.perf_counter()
        self.pin.drive_low()
        if not self.marks["written"].wait(5):
            raise RuntimeError("the bare callback did not write")
        took = float(self.marks["at"]) - started
        self.pin.drive_high()
        return took

    def close(self) -> None:
        self.button.close()
        self.led.close()


SWITCH = "double_press_ms = 0\nlong_press_ms = 0\n"  # a plain lamp switch: the press is decided on its edge
GESTURES = "double_press_ms = 100\n"  # single, double and long: a single press is decided when the window closes


def _presses(buttons: str) -> list[dict[str, object]]:
    """PRESSES single presses (lamp_toggle) through the daemon's path, each beside a bare callback's press
    (who goes first alternates, and both rest alike between presses: a callback timed in a tight loop
    runs with every cache warm, which no bedside press ever does)."""
    from device.audio.player import SilentPlayer
    from device.config import parse_config
    from device.core import events as ev
    from device.core.controller import Controller, settings_from_config
    from device.core.lamp_actions import LAMP_ON_FADE
    from device.hardware.buttons import BedsideButtons
    from device.hub.base import NullHub
    from device.journal.base import MemoryJournal
    from device.runtime import wiring
    from device.runtime.clock import ScaledClock
    from device.runtime.worker import Adapters, Worker

    factory, marks = _timed_factory()
    speed = 100.0
    text = f'[routine]\nenabled = false\n[lamp]\nbackend = "gpio"\npin = {LAMP_PIN}\n'
    text += f'[buttons]\n{buttons}[buttons.main]\npin = 17\nsingle = "lamp_toggle"\n'
    config = parse_config(text)
    on_edge = config.buttons.double_press_ms == 0 and config.buttons.long_press_ms == 0
    clock = ScaledClock(speed, dt.datetime(2026, 11, 24, 20, 0, tzinfo=dt.UTC).timestamp())
    commanded, written, floor = [], [], []
    bare = BareButton(factory, marks)
    with tempfile.TemporaryDirectory() as tmp:
        lamp = TimedLamp(wiring.build_lamp(config, False, clock, factory, Path(tmp)), marks)
        worker = Worker(
            Controller(config, settings_from_config(config), dt.UTC),
            Adapters(lamp, SilentPlayer(), NullHub(), MemoryJournal()),  # type: ignore[arg-type]
            clock,
        )
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        buttons = BedsideButtons(config.buttons, worker.post_or_run, clock, factory)  # as the daemon wires it
        window = config.buttons.double_press_ms / 1000 / speed  # the gesture's own wait, in real seconds
        debounce = config.buttons.debounce_ms / 1000 / speed
        fade = LAMP_ON_FADE / speed
        pin = factory.pin(17)
        try:
            while not worker._running:  # the worker has published its first state
                threading.Event().wait(0.01)
            for i in range(PRESSES):
                if i % 2 == 0:
                    floor.append(bare.press())
                    threading.Event().wait(fade + 2 * window + 4 * debounce)
                marks["written"].clear()
                lamp.commanded = None
                pressed = time.perf_counter()
                pin.drive_low()
                threading.Event().wait(2 * debounce)
                released = time.perf_counter()
                pin.drive_high()
                wrote = marks["written"].wait(2)
                if lamp.commanded is None:
                    raise RuntimeError(f"the lamp never answered press {len(commanded) + 1}")
                decided = pressed if on_edge else released + window
                commanded.append(lamp.commanded - decided)
                if wrote:  # a fade to the level the lamp already has writes nothing
                    written.append(float(marks["at"]) - decided)
                threading.Event().wait(fade + 2 * window + 2 * debounce)  # the fade is over before the next press
                if i % 2 == 1:
                    floor.append(bare.press())
                    threading.Event().wait(fade + 2 * window + 4 * debounce)
        finally:
            bare.close()
            buttons.close()
            worker.post(ev.Shutdown("bench"))
            thread.join(5)
            lamp.close()
            factory.reset()
    if on_edge:
        name = "button press"
        note = (
            f"{PRESSES} presses of a button set as a plain switch ([buttons] double_press_ms = 0, long_press_ms = 0, "
            "single = lamp_toggle), counted from the press's edge; the first write is the fade's first step; "
            "baseline: a bare gpiozero callback writing a PWMLED"
        )
    else:
        name = "button single press"
        note = (
            f"{PRESSES} single presses with double and long presses on (lamp_toggle), counted from the end of the "
            "double-press window (the gesture's own wait, which is policy); baseline: a bare gpiozero callback"
        )
    out = []
    for what, values in (("lamp command", commanded), ("first lamp write", written)):
        for label, p in (("p50", 50.0), ("p99", 99.0)):
            value, base = percentile(values, p) * 1000, percentile(floor, p) * 1000
            out.append(figure(f"{name} to {what} {label}", value, "ms", base, "lower", note))
    return out


def button_to_lamp() -> list[dict[str, object]]:
    return [*_presses(SWITCH), *_presses(GESTURES)]


# -- start to online ----------------------------------------------------------------------------------


class Availability:
    def __init__(self, port: int, topic: str) -> None:
        self.topic = topic
        self.online = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-availability")
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.subscribe(topic, qos=1)
        self.client.loop_start()

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        if msg.payload == b"online":
            self.online.set()

    def reset(self) -> None:
        self.client.publish(self.topic, b"", qos=1, retain=True).wait_for_publish(5)
        time.sleep(0.2)
        self.online.clear()

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _time_to_online(command: list[str], watch: Availability) -> float:
    watch.reset()
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        if not watch.online.wait(60):
            raise RuntimeError(f"no online from {command[:4]}")
        return time.perf_counter() - started
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def start_to_online() -> list[dict[str, object]]:
    from device.sim.broker import PrivateBroker, free_port, mosquitto_binary

    binary = mosquitto_binary()
    if binary is None:
        return []
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        broker = PrivateBroker(Path(tmp) / "mosquitto", port, binary).start()
        config = Path(tmp) / "hushlight.toml"
        config.write_text(
            f'[device]\nid = "boot"\n[mqtt]\nhost = "127.0.0.1"\nport = {port}\n[routine]\nenabled = false\n'
        )
        state = Path(tmp) / "state"
        daemon = simulated_daemon(config, state)
        imports = BASELINE.replace(" time.sleep(1e6)", "")
        bare = (
            f"{imports} c = paho.mqtt.client.Client(paho.mqtt.client.CallbackAPIVersion.VERSION2);"
            f" c.connect('127.0.0.1', {port}); c.loop_start();"
            " c.publish('hushlight/boot/availability', b'online', qos=1, retain=True).wait_for_publish(10); time.sleep(30)"
        )
        watch = Availability(port, "hushlight/boot/availability")
        try:
            _time_to_online(daemon, watch)  # the first start renders the built-in sounds: not the figure
            ours = [_time_to_online(daemon, watch) for _ in range(STARTS)]
            floor = [_time_to_online([sys.executable, "-c", bare], watch) for _ in range(STARTS)]
        finally:
            watch.close()
            broker.stop()
    note = f"median of {STARTS} starts (sounds already cached); baseline: the same imports, then connect and publish online"
    return [figure("process start to online", statistics.median(ours), "s", statistics.median(floor), "lower", note)]


# -- memory over a simulated week ---------------------------------------------------------------------


def week_memory() -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "hushlight.toml"
        config.write_text('[device]\nid = "week"\ntimezone = "UTC"\n[mqtt]\nenabled = false\n')
        state = Path(tmp) / "state"
        command = simulated_daemon(config, state)
        warm = subprocess.Popen(
            command, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        _wait_ready(warm)
        from bench.bench_daemon import wait_for_cache

        wait_for_cache(state)  # render the built-ins once, before the measured run
        warm.terminate()
        warm.wait(30)
        week = [*command, "--speed", f"{WEEK_SPEED:g}", "--start", "2026-11-23 12:00"]
        daemon = subprocess.Popen(week, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        idle = subprocess.Popen([sys.executable, "-c", BASELINE], cwd=ROOT, env=ENV)
        try:
            _wait_ready(daemon)
            time.sleep(3.0)
            after_start, imports = rss_mib(daemon.pid), rss_mib(idle.pid)
            time.sleep(7 * 86400 / WEEK_SPEED)
            after_week = rss_mib(daemon.pid)
        finally:
            for proc in (daemon, idle):
                proc.terminate()
            for proc in (daemon, idle):
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(20)
    note = f"simulated daemon, MQTT off, routine on (a session each night), --speed {WEEK_SPEED:g}; baseline: the imports alone"
    return [
        figure("resident memory after start", after_start, "MiB", imports, "lower", note),
        figure("resident memory after a simulated week", after_week, "MiB", imports, "lower", note),
        figure("resident memory growth over a simulated week", after_week - after_start, "MiB", 0.0, "lower", note),
    ]


def _wait_ready(proc: subprocess.Popen[str]) -> None:
    assert proc.stderr is not None
    for line in proc.stderr:
        if "hushlight ready" in line:
            threading.Thread(target=proc.stderr.read, daemon=True).start()  # keep the pipe drained
            return
    raise RuntimeError("the daemon exited before it was ready")


# -- 50 devices, one command each ---------------------------------------------------------------------


class FanOut:
    """Sends one value to every device and times until every state carries it."""

    def __init__(self, port: int, state_topic: str, matches: Any) -> None:
        self.matches = matches
        self.done = threading.Event()
        self.waiting: set[str] = set()
        self.value = ""
        self.lock = threading.Lock()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="bench-fanout", protocol=mqtt.MQTTv5)
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.subscribe(state_topic, qos=1)
        self.client.loop_start()
        time.sleep(0.5)

    def _on_message(self, client: mqtt.Client, userdata: Any, msg: mqtt.MQTTMessage) -> None:
        with self.lock:
            device = msg.topic.split("/")[1]
            if device in self.waiting and self.matches(msg.payload, self.value):
                self.waiting.discard(device)
                if not self.waiting:
                    self.done.set()

    def round(self, devices: list[str], value: str, command: str) -> float:
        with self.lock:
            self.value, self.waiting = value, set(devices)
            self.done.clear()
        started = time.perf_counter()
        for device in devices:
            self.client.publish(command.format(device=device), value, qos=1)
        if not self.done.wait(10):
            raise RuntimeError(f"states missing from {sorted(self.waiting)[:5]}")
        return time.perf_counter() - started

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def _echo_clients(port: int, names: list[str]) -> list[mqtt.Client]:
    clients = []
    for name in names:
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"echo-{name}", protocol=mqtt.MQTTv5)
        client.on_message = lambda c, u, m: c.publish(m.topic.rsplit("/", 2)[0] + "/state", m.payload, qos=1)
        client.connect("127.0.0.1", port)
        client.subscribe(f"echo/{name}/volume/set", qos=1)
        client.loop_start()
        clients.append(client)
    return clients


def fan_out() -> list[dict[str, object]]:
    from tests.support.broker import start_broker
    from tests.support.hub import device_config, running_device

    names = [f"d{i:02d}" for i in range(DEVICES)]
    values = [str(10 + i % 60) for i in range(ROUNDS)]
    with tempfile.TemporaryDirectory() as tmp, start_broker(Path(tmp), extra_config="set_tcp_nodelay true") as broker:
        echoes = _echo_clients(broker.port, names)
        probe = FanOut(broker.port, "echo/+/state", lambda payload, value: payload.decode() == value)
        floor = [probe.round(names, v, "echo/{device}/volume/set") for v in values]
        probe.close()
        for client in echoes:
            client.disconnect()
            client.loop_stop()
        with contextlib.ExitStack() as stack:
            for name in names:
                config = device_config(broker, Path(tmp) / name, device_id=name, max_commands_per_s=1000)
                stack.enter_context(running_device(config))
            key = b'"settings":{"volume":'
            probe = FanOut(broker.port, "hushlight/+/state", lambda payload, v: key + f"{float(v)}".encode() in payload)
            time.sleep(2.0)  # every device connected and published its first state
            ours = []
            for value in values:
                ours.append(probe.round(names, value, "hushlight/{device}/volume/set"))
                time.sleep(0.03)
            probe.close()
    note = f"{DEVICES} devices in one process on one mosquitto, {ROUNDS} rounds; baseline: {DEVICES} bare paho echo clients"
    name = f"{DEVICES} devices: one command each, all states back"
    return [
        figure(f"{name} {q}", percentile(ours, p) * 1000, "ms", percentile(floor, p) * 1000, "lower", note)
        for q, p in (("p99", 99.0), ("p50", 50.0))
    ]


def run() -> list[dict[str, object]]:
    return [*button_to_lamp(), *start_to_online(), *week_memory(), *fan_out()]
