"""Bosch BME280 temperature, humidity and pressure sensor.

Calibration is read once per setup; each reading is one forced-mode
measurement (the chip sleeps in between), compensated with Bosch's integer
formulas from the datasheet (section 4.2.3 and 8.2), written here with C's
truncating division so the results match the reference code bit for bit.
"""

from __future__ import annotations

import struct
import time
from dataclasses import dataclass

from device.hardware.sensors.base import Bus, Driver, Measurement, Sleep, register

ADDRESSES = (0x76, 0x77)  # SDO to GND / VDDIO
REG_ID = 0xD0
CHIP_ID = 0x60  # a BMP280 says 0x58 and has no humidity
REG_RESET = 0xE0
RESET_WORD = 0xB6
REG_CALIB_TP = 0x88  # 0x88..0xA1: T1..T3, P1..P9, (0xA0 unused), H1
CALIB_TP_LEN = 26
REG_CALIB_H = 0xE1  # 0xE1..0xE7: H2..H6
CALIB_H_LEN = 7
REG_CTRL_HUM = 0xF2
REG_STATUS = 0xF3
REG_CTRL_MEAS = 0xF4
REG_DATA = 0xF7  # press msb, lsb, xlsb, temp msb, lsb, xlsb, hum msb, lsb
DATA_LEN = 8
OSRS_X1 = 0b001
MODE_FORCED = 0b01
STATUS_MEASURING = 0x08
# Datasheet 9.1: t_max = 1.25 + 2.3·osrs_t + (2.3·osrs_p + 0.575) + (2.3·osrs_h + 0.575) ms.
MEASURE_TIME_S = (1.25 + 2.3 + 2.875 + 2.875) / 1000 + 0.001
STARTUP_TIME_S = 0.002  # datasheet: 2 ms after power-on or soft reset
SKIPPED_20BIT = 0x80000  # what the data registers hold for a measurement that did not run
SKIPPED_16BIT = 0x8000


@dataclass(frozen=True)
class Calibration:
    T1: int
    T2: int
    T3: int
    P1: int
    P2: int
    P3: int
    P4: int
    P5: int
    P6: int
    P7: int
    P8: int
    P9: int
    H1: int
    H2: int
    H3: int
    H4: int
    H5: int
    H6: int

    @classmethod
    def from_registers(cls, tp: bytes, h: bytes) -> Calibration:
        """Decode registers 0x88..0xA1 (``tp``) and 0xE1..0xE7 (``h``)."""
        t1, t2, t3, p1, p2, p3, p4, p5, p6, p7, p8, p9 = struct.unpack("<HhhHhhhhhhhh", tp[:24])
        h1 = tp[25]
        h2, h3, e4, e5, e6, h6 = struct.unpack("<hBbBbb", h[:7])
        h4 = e4 * 16 | (e5 & 0x0F)
        h5 = e6 * 16 | (e5 >> 4)
        return cls(t1, t2, t3, p1, p2, p3, p4, p5, p6, p7, p8, p9, h1, h2, h3, h4, h5, h6)


def _div(a: int, b: int) -> int:
    """C's integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def compensate_t(c: Calibration, adc_t: int) -> tuple[int, int]:
    """Temperature in 0.01 °C and t_fine (BME280_compensate_T_int32)."""
    var1 = (((adc_t >> 3) - (c.T1 << 1)) * c.T2) >> 11
    var2 = (((((adc_t >> 4) - c.T1) * ((adc_t >> 4) - c.T1)) >> 12) * c.T3) >> 14
    t_fine = var1 + var2
    return (t_fine * 5 + 128) >> 8, t_fine


def compensate_p(c: Calibration, adc_p: int, t_fine: int) -> int:
    """Pressure in Pa as Q24.8 (BME280_compensate_P_int64); 0 if the calibration would divide by zero."""
    var1 = t_fine - 128000
    var2 = var1 * var1 * c.P6
    var2 = var2 + ((var1 * c.P5) << 17)
    var2 = var2 + (c.P4 << 35)
    var1 = ((var1 * var1 * c.P3) >> 8) + ((var1 * c.P2) << 12)
    var1 = (((1 << 47) + var1) * c.P1) >> 33
    if var1 == 0:
        return 0
    p = 1048576 - adc_p
    p = _div(((p << 31) - var2) * 3125, var1)
    var1 = (c.P9 * (p >> 13) * (p >> 13)) >> 25
    var2 = (c.P8 * p) >> 19
    return ((p + var1 + var2) >> 8) + (c.P7 << 4)


def compensate_h(c: Calibration, adc_h: int, t_fine: int) -> int:
    """Relative humidity in %RH as Q22.10 (bme280_compensate_H_int32)."""
    v = t_fine - 76800
    v = ((((adc_h << 14) - (c.H4 << 20) - (c.H5 * v)) + 16384) >> 15) * (
        ((((((v * c.H6) >> 10) * (((v * c.H3) >> 11) + 32768)) >> 10) + 2097152) * c.H2 + 8192) >> 14
    )
    v = v - (((((v >> 15) * (v >> 15)) >> 7) * c.H1) >> 4)
    v = min(max(v, 0), 419430400)
    return v >> 12


@register
class BME280(Driver):
    name = "bme280"
    kind = "climate"
    addresses = ADDRESSES
    probe_order = 10

    def __init__(self, bus: Bus, address: int, sleep: Sleep = time.sleep) -> None:
        super().__init__(bus, address, sleep)
        self.calibration: Calibration | None = None

    @classmethod
    def identify(cls, bus: Bus, address: int, sleep: Sleep = time.sleep) -> str | None:
        try:
            chip_id = bus.read_byte_data(address, REG_ID)
        except OSError:
            return None
        return f"chip id 0x{chip_id:02x}" if chip_id == CHIP_ID else None

    def setup(self) -> None:
        chip_id = self.bus_call(self.bus.read_byte_data, self.address, REG_ID)
        if chip_id != CHIP_ID:
            hint = " (a BMP280: no humidity)" if chip_id == 0x58 else ""
            raise self.error("id", f"chip id 0x{chip_id:02x}{hint}, expected 0x{CHIP_ID:02x}")
        tp = bytes(self.bus_call(self.bus.read_i2c_block_data, self.address, REG_CALIB_TP, CALIB_TP_LEN))
        h = bytes(self.bus_call(self.bus.read_i2c_block_data, self.address, REG_CALIB_H, CALIB_H_LEN))
        calibration = Calibration.from_registers(tp, h)
        if calibration.T1 == 0 or calibration.P1 == 0:
            raise self.error("range", "calibration reads as zero (chip not ready?)")
        self.calibration = calibration

    def read(self) -> Measurement:
        if self.calibration is None:
            self.setup()
        assert self.calibration is not None
        # ctrl_hum only takes effect after the next write to ctrl_meas, so it goes first.
        self.bus_call(self.bus.write_byte_data, self.address, REG_CTRL_HUM, OSRS_X1)
        ctrl = OSRS_X1 << 5 | OSRS_X1 << 2 | MODE_FORCED
        self.bus_call(self.bus.write_byte_data, self.address, REG_CTRL_MEAS, ctrl)
        self.sleep(MEASURE_TIME_S)
        if self.bus_call(self.bus.read_byte_data, self.address, REG_STATUS) & STATUS_MEASURING:
            self.sleep(MEASURE_TIME_S)
        data = bytes(self.bus_call(self.bus.read_i2c_block_data, self.address, REG_DATA, DATA_LEN))
        return self.convert(data)

    def convert(self, data: bytes) -> Measurement:
        """Compensated values from the 8 data bytes, range-checked."""
        assert self.calibration is not None
        adc_p = data[0] << 12 | data[1] << 4 | data[2] >> 4
        adc_t = data[3] << 12 | data[4] << 4 | data[5] >> 4
        adc_h = data[6] << 8 | data[7]
        if adc_t == SKIPPED_20BIT or adc_p == SKIPPED_20BIT or adc_h == SKIPPED_16BIT:
            raise self.error("range", "the chip returned its 'not measured' value")
        t_centi, t_fine = compensate_t(self.calibration, adc_t)
        pressure = compensate_p(self.calibration, adc_p, t_fine) / 256.0 / 100.0
        humidity = compensate_h(self.calibration, adc_h, t_fine) / 1024.0
        return Measurement(
            temperature_c=self.check_range("temperature", t_centi / 100.0, -40.0, 85.0, "°C"),
            humidity=self.check_range("humidity", humidity, 0.0, 100.0, "%"),
            pressure_hpa=self.check_range("pressure", pressure, 300.0, 1100.0, "hPa"),
        )

    def reset(self) -> None:
        self.calibration = None
        self.bus_call(self.bus.write_byte_data, self.address, REG_RESET, RESET_WORD)
        self.sleep(STARTUP_TIME_S)
