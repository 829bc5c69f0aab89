"""Lamp: CPU time and duty writes of a real-time 60 s fade on gpiozero's mock PWM pin.

Three processes run side by side for the same 60 s, so the bench takes a
minute, not three: our perceptual fade 0 -> 100 %, gpiozero's own fade
(``PWMLED.blink(fade_in_time=60)``, 25 writes a second) and an idle process
that imports and builds the same things and then just sleeps. Each reports
the CPU time it used during those 60 s only (``time.process_time``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench.__main__ import figure

SECONDS = float(os.environ.get("BENCH_LAMP_SECONDS", "60"))
ROOT = Path(__file__).resolve().parent.parent


def child(mode: str, seconds: float) -> dict[str, float]:
    from gpiozero.pins.mock import MockFactory, MockPWMPin

    from device.hardware.lamp.fader import FadingLamp
    from device.hardware.lamp.gpio import GpioPwmOutput
    from device.runtime.clock import RealClock

    factory = MockFactory(pin_class=MockPWMPin)
    if mode == "gpiozero":
        from gpiozero import PWMLED

        led = PWMLED(18, pin_factory=factory)
    else:
        lamp = FadingLamp(GpioPwmOutput(18, 1000, factory), RealClock(), 0.002)
    pin = factory.pin(18)
    pin.clear_states()
    cpu0, wall0 = time.process_time(), time.monotonic()
    if mode == "ours":
        lamp.fade_to(100, seconds, "linear")
        lamp.wait_idle()
    elif mode == "gpiozero":
        led.blink(on_time=0, off_time=0, fade_in_time=seconds, fade_out_time=0, n=1, background=False)
    else:
        time.sleep(seconds)
    cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
    return {"cpu_s": cpu, "wall_s": wall, "writes": len(pin.states) - 1}


def run() -> list[dict[str, object]]:
    procs = {
        mode: subprocess.Popen(
            [sys.executable, "-m", "bench.bench_lamp", mode, str(SECONDS)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            env={**os.environ, "GPIOZERO_PIN_FACTORY": "mock", "GPIOZERO_MOCK_PIN_CLASS": "mockpwmpin"},
        )
        for mode in ("ours", "gpiozero", "idle")
    }
    got = {mode: json.loads(proc.communicate()[0]) for mode, proc in procs.items()}
    ours, theirs, idle = got["ours"], got["gpiozero"], got["idle"]
    span = f"{SECONDS:g} s real-time fade 0->100 % on a mock PWM pin"
    return [
        figure(
            "lamp_fade_cpu_vs_idle",
            ours["cpu_s"],
            "s",
            idle["cpu_s"],
            "lower",
            f"CPU time of a {span}, against an idle process sleeping as long",
        ),
        figure(
            "lamp_fade_cpu_vs_gpiozero_fade",
            ours["cpu_s"],
            "s",
            theirs["cpu_s"],
            "lower",
            f"CPU time of a {span}, against gpiozero's own PWMLED fade (25 writes/s, linear in duty)",
        ),
        figure(
            "lamp_fade_duty_writes",
            ours["writes"],
            "writes",
            theirs["writes"],
            "lower",
            f"duty writes of a {span} (each <= 1 ΔL*), against gpiozero's own fade over the same time",
        ),
    ]


if __name__ == "__main__":
    print(json.dumps(child(sys.argv[1], float(sys.argv[2]))))
