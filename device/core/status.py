"""What the adapters report about themselves: the trigger library, faults, the hub link, the journal's counts.

Plain bookkeeping in the device state; nothing here decides anything.
"""

from __future__ import annotations

from device.core import events as ev
from device.core.state import DeviceState

STATUS_EVENTS = (ev.TriggersAvailable, ev.AdapterFailed, ev.AdapterRecovered, ev.HubConnection, ev.JournalStats)


def note(state: DeviceState, event: ev.Event) -> None:
    """Keep what a status event (one of :data:`STATUS_EVENTS`) reports."""
    if isinstance(event, ev.TriggersAvailable):
        state.triggers, state.broken_triggers = event.names, event.broken
    elif isinstance(event, ev.AdapterFailed):
        state.faults[event.adapter] = event.error
    elif isinstance(event, ev.AdapterRecovered):
        state.faults.pop(event.adapter, None)
    elif isinstance(event, ev.HubConnection):
        state.hub_connected = event.connected
    elif isinstance(event, ev.JournalStats):
        state.rating_counts, state.favourite_trigger = event.counts, event.favourite
        state.routine_streak, state.routine_streak_until = event.streak, event.streak_until
