"""What the room means for sleep: the comfort band, and light that is not the lamp's.

Pure functions over :class:`RoomState`, called by the controller when a
reading arrives and when a session starts.

**The lamp's own light.** The light sensor sits next to the lamp, so with the
lamp on it mostly measures the lamp. The room's own light is estimated as:

- lamp off (level 0 when the reading was taken): the reading as it is;
- lamp on and ``[room] lamp_lux_at_full`` set (what the sensor reads from the
  lamp alone at 100 %, measured once in the dark): the reading minus that
  times the lamp's relative light output at its level (CIE 1931: perceived
  level → luminance, which is what the lamp's duty follows);
- lamp on and no calibration (the default): unknown, so the last estimate
  taken with the lamp off stands, and so does the ``too_bright`` flag.

Flags have a little hysteresis so that a reading wobbling on a threshold does
not make them (and the hub's binary sensors) flap.
"""

from __future__ import annotations

from device.config.schema import RoomConfig
from device.core import effects as fx
from device.core import events as ev
from device.core.state import RoomState

HYSTERESIS_C = 0.3  # °C a flag's value must come back inside the band before it clears
HYSTERESIS_RH = 2.0  # % relative humidity
HYSTERESIS_LUX = 0.2  # fraction of max_lux
REASONS = ("too_warm", "too_cold", "too_humid", "too_dry", "too_bright")


def luminance(level: float) -> float:
    """Relative light output (0..1) at a perceived level (0..100 %), by CIE 1931 lightness."""
    level = min(max(level, 0.0), 100.0)
    return ((level + 16) / 116) ** 3 if level > 8 else level / 903.3


def lamp_free_lux(lux: float | None, lamp_level: float, lamp_lux_at_full: float) -> float | None:
    """The room's light without the lamp's, or None when it cannot be told apart."""
    if lux is None:
        return None
    if lamp_level <= 0:
        return lux
    if lamp_lux_at_full <= 0:
        return None
    return max(0.0, lux - lamp_lux_at_full * luminance(lamp_level))


def _above(value: float | None, limit: float, was: bool, margin: float) -> bool:
    if value is None:
        return False
    return value > (limit - margin if was else limit)


def _below(value: float | None, limit: float, was: bool, margin: float) -> bool:
    if value is None:
        return False
    return value < (limit + margin if was else limit)


def take_reading(room: RoomState, reading: ev.RoomReading, config: RoomConfig, lamp_level: float) -> None:
    """Keep a reading's values and what they mean; ``lamp_level`` is the lamp's when it was taken."""
    room.temperature_c, room.humidity = reading.temperature_c, reading.humidity
    room.pressure_hpa, room.lux, room.at = reading.pressure_hpa, reading.lux, reading.at
    room.sources = dict(reading.sources)
    evaluate(room, config, lamp_level)


def evaluate(room: RoomState, config: RoomConfig, lamp_level: float) -> None:
    """Update the room's flags and ``not_ready`` from its latest values.

    ``lamp_level`` is the lamp's perceived level when the reading was taken.
    """
    t, rh = room.temperature_c, room.humidity
    room.too_warm = _above(t, config.max_temp_c, room.too_warm, HYSTERESIS_C)
    room.too_cold = _below(t, config.min_temp_c, room.too_cold, HYSTERESIS_C)
    room.too_humid = _above(rh, config.max_humidity, room.too_humid, HYSTERESIS_RH)
    room.too_dry = _below(rh, config.min_humidity, room.too_dry, HYSTERESIS_RH)
    if room.lux is None:
        room.lamp_free_lux, room.too_bright = None, False
    else:
        estimate = lamp_free_lux(room.lux, lamp_level, config.lamp_lux_at_full)
        if estimate is not None:
            room.lamp_free_lux = estimate
            room.too_bright = _above(estimate, config.max_lux, room.too_bright, HYSTERESIS_LUX * config.max_lux)
    room.not_ready = tuple(reason for reason in REASONS if getattr(room, reason))


def session_start_effects(room: RoomState) -> list[fx.Effect]:
    """A ``room_not_ready`` event with the reasons, if the room is not ready for sleep."""
    if not room.not_ready:
        return []
    data = {
        "reasons": list(room.not_ready),
        "temperature_c": room.temperature_c,
        "humidity": room.humidity,
        "lux": room.lamp_free_lux,
        "at": room.at,
    }
    return [fx.PublishEvent("room_not_ready", data)]
