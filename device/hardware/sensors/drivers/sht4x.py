"""Sensirion SHT4x (SHT40/41/45) temperature and humidity sensor, the SHT3x's successor.

Commands are single bytes; the answer (two CRC-protected words) is read in a
separate transaction after the measurement time. The serial-number command
0x89 tells it from an SHT3x at the same address: an SHT3x takes 16-bit
commands and has nothing to say after a lone 0x89.
"""

from __future__ import annotations

import time

from smbus2 import i2c_msg

from device.hardware.sensors.base import Bus, Driver, Measurement, Sleep, register, sensirion_words

ADDRESSES = (0x44, 0x45)  # SHT40-AD1B / SHT40-BD1B (0x46 exists but is rare)
CMD_MEASURE_HIGH = 0xFD  # high precision (repeatability)
CMD_READ_SERIAL = 0x89
CMD_SOFT_RESET = 0x94
MEASURE_TIME_S = 0.010  # datasheet: 8.3 ms max at high precision
SERIAL_TIME_S = 0.001  # the answer is ready within a millisecond
RESET_TIME_S = 0.001  # datasheet: 1 ms max after soft reset


def convert(raw_t: int, raw_rh: int) -> tuple[float, float]:
    """Datasheet conversion: T = −45 + 175·S/65535 °C, RH = −6 + 125·S/65535 % clamped to 0..100."""
    humidity = -6.0 + 125.0 * raw_rh / 65535.0
    return -45.0 + 175.0 * raw_t / 65535.0, min(100.0, max(0.0, humidity))


@register
class SHT4x(Driver):
    name = "sht4x"
    kind = "climate"
    addresses = ADDRESSES
    probe_order = 20

    @classmethod
    def identify(cls, bus: Bus, address: int, sleep: Sleep = time.sleep) -> str | None:
        probe = cls(bus, address, sleep)
        try:
            high, low = probe._command(CMD_READ_SERIAL, SERIAL_TIME_S)
        except OSError:
            return None
        return f"serial 0x{high << 16 | low:08x}"

    def read(self) -> Measurement:
        raw_t, raw_rh = self._command(CMD_MEASURE_HIGH, MEASURE_TIME_S)
        temperature, humidity = convert(raw_t, raw_rh)
        return Measurement(
            temperature_c=self.check_range("temperature", temperature, -40.0, 125.0, "°C"), humidity=humidity
        )

    def reset(self) -> None:
        self.bus_call(self.bus.write_byte, self.address, CMD_SOFT_RESET)
        self.sleep(RESET_TIME_S)

    def _command(self, command: int, wait: float) -> list[int]:
        self.bus_call(self.bus.write_byte, self.address, command)
        self.sleep(wait)
        answer = i2c_msg.read(self.address, 6)
        self.bus_call(self.bus.i2c_rdwr, answer)
        return sensirion_words(self, bytes(answer), 2)
