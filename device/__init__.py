"""Hushlight: firmware for a Raspberry Pi bedside sleep device."""

__version__ = "0.1.0"
