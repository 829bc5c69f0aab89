"""The daemon's main-thread wait runs a signal's handler even when the kernel gave the signal to another thread."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator

import pytest

from device.runtime.main_thread import run_until_done


@pytest.fixture
def usr1_handler() -> Iterator[threading.Event]:
    handled = threading.Event()
    previous = signal.signal(signal.SIGUSR1, lambda signum, frame: handled.set())
    yield handled
    signal.signal(signal.SIGUSR1, previous)


def test_a_signal_delivered_to_another_thread_is_handled_at_once(usr1_handler: threading.Event) -> None:
    """What CI saw: SIGINT on a non-main thread, the main thread asleep in join(), the handler never run.

    The worker here ends only when the handler has run (or after 10 s); with a bare join() the
    handler waits for the worker and the worker for the handler, so this takes the full 10 s."""
    started = time.monotonic()
    sent_at: list[float] = []

    def worker() -> None:
        time.sleep(0.2)  # the main thread is asleep in its wait by now
        sent_at.append(time.monotonic())
        signal.pthread_kill(threading.get_ident(), signal.SIGUSR1)  # to this thread, not the main one
        usr1_handler.wait(10)

    run_until_done(worker, "test-worker")
    assert usr1_handler.is_set()
    assert time.monotonic() - sent_at[0] < 2.0
    assert time.monotonic() - started < 5.0


def test_a_signal_on_the_main_thread_is_handled_and_the_wait_goes_on(usr1_handler: threading.Event) -> None:
    main = threading.main_thread().ident
    assert main is not None
    finished = threading.Event()

    def worker() -> None:
        time.sleep(0.2)
        signal.pthread_kill(main, signal.SIGUSR1)
        usr1_handler.wait(10)
        time.sleep(0.2)  # the wait must not end with the handler: only with this thread
        finished.set()

    run_until_done(worker, "test-worker")
    assert usr1_handler.is_set()
    assert finished.is_set()


def test_the_wait_ends_with_the_thread_and_leaves_no_wakeup_fd() -> None:
    previous = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(previous)
    ran: list[str] = []
    run_until_done(lambda: ran.append(threading.current_thread().name), "test-worker")
    assert ran == ["test-worker"]
    assert signal.set_wakeup_fd(previous) == previous  # what was there before is back


def test_an_error_on_the_thread_still_ends_the_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    reported: list[BaseException | None] = []
    monkeypatch.setattr(threading, "excepthook", lambda args: reported.append(args.exc_value))

    def worker() -> None:
        time.sleep(0.1)
        raise RuntimeError("boom")

    started = time.monotonic()
    run_until_done(worker, "test-worker")
    assert time.monotonic() - started < 2.0
    assert [str(exc) for exc in reported] == ["boom"]  # reported as any thread's error is
