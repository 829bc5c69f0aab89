"""Adapters for the physical parts: lamp, buttons, room sensors. One part, one file."""
