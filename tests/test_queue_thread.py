"""The queue thread the sound commands, the journal writer and the I2C guard share."""

from __future__ import annotations

import threading

from device.runtime.queue_thread import QueueThread


def test_items_are_handled_in_order_flush_waits_and_close_drains_then_refuses():
    seen: list[int] = []
    gate = threading.Event()

    def handle(items: list[int]) -> None:
        gate.wait(5)
        seen.extend(items)

    worker: QueueThread[int] = QueueThread("test-queue", handle)
    for i in range(5):
        assert worker.put(i)
    assert not worker.flush(timeout=0.05)  # the handler is held: not done yet
    gate.set()
    assert worker.flush()
    assert seen == [0, 1, 2, 3, 4]
    worker.put(5)
    assert worker.close() and worker.close()  # drained, joined, and safe twice
    assert seen == [0, 1, 2, 3, 4, 5]
    assert worker.put(6) is False and seen[-1] == 5


def test_a_failing_handler_is_logged_and_the_thread_goes_on(caplog):
    seen: list[str] = []

    def handle(items: list[str]) -> None:
        if "bad" in items:
            raise ValueError("bad item")
        seen.extend(items)

    worker: QueueThread[str] = QueueThread("test-queue", handle)
    worker.put("bad")
    worker.put("good")
    worker.close()
    assert seen == ["good"] and "handling 1 item(s) failed" in caplog.text


def test_with_batch_seconds_what_is_queued_goes_as_one_batch():
    batches: list[list[int]] = []
    started, gate = threading.Event(), threading.Event()

    def handle(items: list[int]) -> None:
        started.set()
        gate.wait(5)
        batches.append(items)

    worker: QueueThread[int] = QueueThread("test-queue", handle, batch_seconds=0.0)
    worker.put(0)
    assert started.wait(5)  # the first batch is being handled while more arrive
    for i in range(1, 4):
        worker.put(i)
    gate.set()
    worker.close()
    assert batches == [[0], [1, 2, 3]]
