"""The pure core: state, events, effects and the controller that links them.

Nothing in this package reads a clock, sleeps, starts a thread or does I/O:
time comes in as an argument (seconds since the epoch, from an injected clock).
"""
