"""The sensor drivers, one chip per module; every module here is imported by :func:`device.hardware.sensors.base.drivers`."""
