"""Sensirion SHT3x (SHT30/31/35) temperature and humidity sensor.

The chip has no register address: every command is a 16-bit word written on
its own, and the answer is read in a separate transaction, so both go through
``i2c_rdwr``. The Pi's I2C controller cannot clock-stretch, hence the
no-stretch measurement command and our own wait.
"""

from __future__ import annotations

import time

from smbus2 import i2c_msg

from device.hardware.sensors.base import Bus, Driver, Measurement, Sleep, register, sensirion_words

ADDRESSES = (0x44, 0x45)  # ADDR pin low / high
CMD_MEASURE_HIGH_NO_STRETCH = 0x2400  # single shot, high repeatability, clock stretching disabled
CMD_READ_STATUS = 0xF32D
CMD_CLEAR_STATUS = 0x3041
CMD_SOFT_RESET = 0x30A2
MEASURE_TIME_S = 0.016  # datasheet: 15.5 ms max at high repeatability
RESET_TIME_S = 0.002  # datasheet: 1.5 ms max after soft reset
COMMAND_GAP_S = 0.001  # datasheet: 1 ms min between a command and the next


def convert(raw_t: int, raw_rh: int) -> tuple[float, float]:
    """Datasheet conversion: T = −45 + 175·S/65535 °C, RH = 100·S/65535 %."""
    return -45.0 + 175.0 * raw_t / 65535.0, 100.0 * raw_rh / 65535.0


@register
class SHT3x(Driver):
    name = "sht3x"
    kind = "climate"
    addresses = ADDRESSES
    probe_order = 30  # after the SHT4x, which shares the addresses

    @classmethod
    def identify(cls, bus: Bus, address: int, sleep: Sleep = time.sleep) -> str | None:
        probe = cls(bus, address, sleep)
        try:
            (status,) = probe._command(CMD_READ_STATUS, 1, COMMAND_GAP_S)
        except OSError:
            return None
        return f"status 0x{status:04x}"

    def read(self) -> Measurement:
        raw_t, raw_rh = self._command(CMD_MEASURE_HIGH_NO_STRETCH, 2, MEASURE_TIME_S)
        temperature, humidity = convert(raw_t, raw_rh)
        return Measurement(
            temperature_c=self.check_range("temperature", temperature, -40.0, 125.0, "°C"),
            humidity=self.check_range("humidity", humidity, 0.0, 100.0, "%"),
        )

    def reset(self) -> None:
        self._write(CMD_SOFT_RESET)
        self.sleep(RESET_TIME_S)

    def _write(self, command: int) -> None:
        self.bus_call(self.bus.i2c_rdwr, i2c_msg.write(self.address, [command >> 8, command & 0xFF]))

    def _command(self, command: int, words: int, wait: float) -> list[int]:
        self._write(command)
        self.sleep(wait)
        answer = i2c_msg.read(self.address, 3 * words)
        self.bus_call(self.bus.i2c_rdwr, answer)
        return sensirion_words(self, bytes(answer), words)
