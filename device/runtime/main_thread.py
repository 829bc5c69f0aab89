"""The main thread's wait for the worker, woken by every signal whichever thread the kernel hands it to.

Python runs signal handlers on the main thread only. The kernel delivers a signal sent to the
process to any thread that does not block it, and it passes the main thread over when that thread
is busy with another signal. The signal then lands on, say, gpiozero's or paho's thread; CPython
notes it there and waits for the main thread to run the handler. A main thread asleep in
``Thread.join()`` does not wake for a signal that went elsewhere, so the handler never ran: a
SIGINT was lost in CI, and under systemd a lost SIGTERM is a SIGKILL 15 s later, with no fade and
no ``offline``.

``signal.set_wakeup_fd`` makes CPython's C-level handler, on whatever thread it runs, write a byte to
a socket that the main thread is waiting on (asyncio does the same). The thread's own end writes
one too, so the wait costs nothing while the device runs: no polling, no timer.
"""

from __future__ import annotations

import contextlib
import select
import signal
import socket
import threading
from collections.abc import Callable


def run_until_done(target: Callable[[], None], name: str) -> None:
    """Run ``target`` on a thread of its own; the main thread waits for it and still runs every signal
    handler at once. Call it from the main thread."""
    wake_reader, wake_writer = socket.socketpair()
    wake_reader.setblocking(False)
    wake_writer.setblocking(False)

    done = threading.Event()

    def run() -> None:
        try:
            target()
        finally:
            done.set()  # before the byte: the thread itself is still alive for a while after it
            _wake(wake_writer)

    previous = signal.set_wakeup_fd(wake_writer.fileno(), warn_on_full_buffer=False)
    thread = threading.Thread(target=run, name=name, daemon=True)
    try:
        thread.start()
        while not done.is_set():
            # A signal on this thread interrupts the select (its handler runs before the retry); on
            # another thread it writes a byte here. Either way control is back in Python, where any
            # pending handler runs before the next line.
            select.select([wake_reader], [], [])
            _drain(wake_reader)
        thread.join()  # the rest of the thread's end (an error's report) is short
    finally:
        signal.set_wakeup_fd(previous)
        wake_reader.close()
        wake_writer.close()


def _wake(writer: socket.socket) -> None:
    with contextlib.suppress(OSError):  # full: the reader is awake anyway
        writer.send(b"\0")


def _drain(reader: socket.socket) -> None:
    try:
        while reader.recv(4096):
            pass
    except BlockingIOError:
        pass
