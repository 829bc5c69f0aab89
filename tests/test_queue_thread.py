"""The queue thread the sound commands, the journal writer, the I2C guard and the hub's publisher share."""

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


def test_wakes_asked_for_while_one_is_pending_are_one_call():
    calls: list[list[int]] = []
    started, gate = threading.Event(), threading.Event()

    def handle(items: list[int]) -> None:
        started.set()
        gate.wait(5)
        calls.append(items)

    worker: QueueThread[int] = QueueThread("test-queue", handle)
    worker.wake()
    assert started.wait(5)  # the first wake is being handled
    for _ in range(1000):  # a burst of changes while the thread is busy
        worker.wake()
    assert worker._queue.qsize() == 1  # one entry for the whole burst: memory stays bounded
    gate.set()
    assert worker.flush()
    assert calls == [[], [], []]  # the first wake, the burst's one, the flush
    worker.close()
    worker.wake()  # once closed: nothing, and no error
    assert len(calls) == 4  # the stop's call


def test_wake_after_gives_the_handler_its_timed_calls_and_finish_runs_once_after_the_last():
    order: list[str] = []
    third = threading.Event()

    def handle(items: list[str]) -> None:
        order.append(",".join(items) or "timed")
        if order.count("timed") == 3:
            third.set()

    def wake_after() -> float | None:
        return 0.001 if order.count("timed") < 3 else None  # then only items wake it

    worker: QueueThread[str] = QueueThread(
        "test-queue", handle, wake_after=wake_after, finish=lambda: order.append("end")
    )
    assert third.wait(5)
    worker.put("a")
    assert worker.close() and worker.close()
    assert order[:3] == ["timed"] * 3 and order[-1] == "end" and order.count("end") == 1
    assert "a" in order and order.index("a") < order.index("end")


def test_a_failing_wake_after_or_finish_is_logged_and_items_still_go(caplog):
    seen: list[int] = []

    def wake_after() -> float | None:
        raise RuntimeError("broken deadline")

    def finish() -> None:
        raise RuntimeError("broken finish")

    worker: QueueThread[int] = QueueThread("test-queue", seen.extend, wake_after=wake_after, finish=finish)
    worker.put(1)
    worker.put(2)
    assert worker.close()
    assert seen == [1, 2] and "when to wake failed" in caplog.text and "its last work failed" in caplog.text
