"""The running daemon: clock, worker loop, adapter wiring, signals."""
