"""Find ``min_duty``: the duty at which this LED, on this driver, just starts to glow.

Two ways, both stepping the duty up from the backend's smallest step in
geometric steps (each about 8 % more light than the last):

- by eye, in a dark room: the user presses the bedside button (or Enter)
  when they first see light; the duty shown a reaction time before the
  press is taken.
- with a light sensor near the lamp: the dark reading and its noise first,
  then up until the sensor sees the lamp twice in a row, then a bisection
  down to the backend's resolution. A light sensor is less sensitive than a
  dark-adapted eye, so this is an upper bound: the result is good for a
  lamp whose lowest level must always be visible.

Light sensors plug in through :func:`register_light_sensor` (the sensors
part registers its chips); a reader is any ``() -> float`` in lux.
"""

from __future__ import annotations

import math
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from device.errors import HushlightError
from device.hardware.lamp import DutyOutput
from device.persist import JsonStateFile
from device.runtime.clock import Clock

CALIBRATION_FILE = "lamp-calibration.json"
SEARCH_CEILING = 0.1  # no LED needs 10 % duty to glow: above it, something is wrong
STEP_RATIO = 1.08
REACTION_S = 0.35  # a typical time from seeing to pressing
DARK_SAMPLES = 5

LightReader = Callable[[], float]
LightSensorFactory = Callable[[Any, DutyOutput], LightReader]  # (config, the lamp's output) -> reader
LIGHT_SENSORS: dict[str, LightSensorFactory] = {}


class CalibrationError(HushlightError, RuntimeError):
    """Calibration could not find the glow point; the message says why."""


def register_light_sensor(name: str, factory: LightSensorFactory) -> None:
    """Make a light sensor usable as ``hushlight lamp calibrate --sensor NAME``."""
    LIGHT_SENSORS[name] = factory


@dataclass(frozen=True)
class Calibration:
    min_duty: float
    method: str  # "eye" or "sensor:<name>"
    backend: str
    frequency_hz: float
    at: str  # ISO time

    def save(self, state_dir: Path) -> Path:
        store = JsonStateFile(state_dir / CALIBRATION_FILE)
        store.save(asdict(self))
        return store.path


def check_calibration(data: dict[str, Any]) -> None:
    """The shape of the calibration file: a min_duty between 0 and 1 (ValueError otherwise)."""
    duty = data.get("min_duty")
    if isinstance(duty, bool) or not isinstance(duty, int | float) or not 0.0 <= duty <= 1.0:
        raise ValueError(f"min_duty: expected a duty between 0 and 1, found {str(duty)[:40]}")


def candidate_duties(quantum: float, ceiling: float = SEARCH_CEILING, ratio: float = STEP_RATIO) -> list[float]:
    """Duties on the backend's grid from one step up to ``ceiling``, each about ``ratio`` times the last."""
    out: list[float] = []
    count = 1
    while count * quantum <= ceiling + 1e-12:
        out.append(count * quantum)
        count = max(count + 1, math.ceil(count * ratio))
    return out


def calibrate_by_eye(
    output: DutyOutput,
    pressed: threading.Event,
    clock: Clock,
    dwell: float = 0.6,
    reaction: float = REACTION_S,
    on_step: Callable[[float], None] | None = None,
) -> float:
    """Step the duty up every ``dwell`` seconds until ``pressed`` is set; the duty seen ``reaction`` s before."""
    shown: list[tuple[float, float]] = []  # (when, duty)
    try:
        for duty in candidate_duties(output.quantum):
            output.write(duty)
            shown.append((clock.now(), duty))
            if on_step is not None:
                on_step(duty)
            if pressed.is_set() or clock.wait(pressed, dwell):
                break
        else:
            raise CalibrationError(f"no press up to duty {SEARCH_CEILING}: is the lamp wired and the room dark?")
    finally:
        output.write(0.0)
    seen_at = clock.now() - reaction
    earlier = [duty for when, duty in shown if when <= seen_at]
    return earlier[-1] if earlier else shown[0][1]


def calibrate_with_sensor(
    output: DutyOutput,
    read_light: LightReader,
    clock: Clock,
    settle: float = 0.3,
    min_delta: float = 0.05,
    on_step: Callable[[float, float], None] | None = None,
) -> float:
    """Step the duty up until ``read_light`` sees the lamp, then bisect to the backend's resolution."""
    never = threading.Event()

    def reading(duty: float) -> float:
        output.write(duty)
        clock.wait(never, settle)
        value = read_light()
        if on_step is not None:
            on_step(duty, value)
        return value

    try:
        dark = [reading(0.0) for _ in range(DARK_SAMPLES)]
        threshold = statistics.fmean(dark) + max(4 * statistics.pstdev(dark), min_delta)

        def seen(duty: float) -> bool:
            return reading(duty) > threshold and reading(duty) > threshold

        below = 0.0
        for duty in candidate_duties(output.quantum):
            if seen(duty):
                return _bisect(below, duty, output.quantum, seen)
            below = duty
        raise CalibrationError(
            f"the sensor never saw the lamp up to duty {SEARCH_CEILING} (dark reading {dark[-1]:g} lx): "
            "put it near the lamp, facing it, in a dark room"
        )
    finally:
        output.write(0.0)


def _bisect(unseen: float, seen_duty: float, quantum: float, seen: Callable[[float], bool]) -> float:
    lo, hi = round(unseen / quantum), round(seen_duty / quantum)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if seen(mid * quantum):
            hi = mid
        else:
            lo = mid
    return hi * quantum


def make_result(duty: float, method: str, backend: str, output: DutyOutput) -> Calibration:
    return Calibration(
        min_duty=round(duty, 6),
        method=method,
        backend=backend,
        frequency_hz=round(output.frequency_hz, 1),
        at=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    )


class WatchedOutput:
    """An output that remembers the last duty written (a simulated sensor needs to know it)."""

    def __init__(self, output: DutyOutput) -> None:
        self.output = output
        self.quantum = output.quantum
        self.frequency_hz = output.frequency_hz
        self.duty = 0.0

    def write(self, duty: float) -> None:
        self.output.write(duty)
        self.duty = duty

    def close(self) -> None:
        self.output.close()
