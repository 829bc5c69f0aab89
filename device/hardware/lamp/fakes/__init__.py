"""Fakes that behave like the real parts at their interface, for tests and ``--simulate``.

They record what was done to them (every duty, every register write), so
tests assert on history rather than on mock calls.
"""
