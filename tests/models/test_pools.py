"""The Whisper pool runs the most urgent work first, drops what is no longer needed and counts
everything for /metrics."""

from __future__ import annotations

import threading

from models.pools import CountingPool, Priority, PriorityPool


def _blocked_pool() -> tuple[PriorityPool, threading.Event]:
    """A one-worker pool whose worker is busy until the event is set."""
    pool = PriorityPool(1, "test")
    gate = threading.Event()
    started = threading.Event()

    def block() -> None:
        started.set()
        gate.wait(10)

    pool.submit(Priority.FINAL, block)
    assert started.wait(10)
    return pool, gate


def test_most_urgent_first_fifo_within_a_priority() -> None:
    pool, gate = _blocked_pool()
    order: list[str] = []
    jobs = [
        pool.submit(priority, lambda name=name: order.append(name))
        for name, priority in [
            ("spec-1", Priority.SPECULATIVE),
            ("chunk-1", Priority.CHUNK),
            ("final-1", Priority.FINAL),
            ("chunk-2", Priority.CHUNK),
            ("spec-2", Priority.SPECULATIVE),
        ]
    ]
    assert pool.stats.depth == 5
    gate.set()
    for job in jobs:
        job.future.result(10)
    assert order == ["final-1", "chunk-1", "chunk-2", "spec-1", "spec-2"]
    snapshot = pool.stats.snapshot()
    assert snapshot["wait"]["speculative"].n == 2 and snapshot["run"]["chunk"].n == 2
    pool.shutdown()


def test_promoted_job_runs_before_older_work_and_cancelled_job_never_runs() -> None:
    pool, gate = _blocked_pool()
    order: list[str] = []
    chunk = pool.submit(Priority.CHUNK, lambda: order.append("chunk"))
    pause = pool.submit(Priority.SPECULATIVE, lambda: order.append("pause"))
    stale = pool.submit(Priority.SPECULATIVE, lambda: order.append("stale"))
    pool.promote(pause, Priority.FINAL)
    assert pool.cancel(stale)
    assert pool.stats.snapshot()["queued"] == {"final": 1, "chunk": 1, "speculative": 0}
    gate.set()
    chunk.future.result(10)
    pause.future.result(10)
    assert order == ["pause", "chunk"]
    assert stale.future.cancelled()
    assert pool.stats.dropped == 1
    pool.shutdown()


def test_errors_reach_the_caller() -> None:
    pool = PriorityPool(1, "test")

    def fail() -> None:
        raise ValueError("boom")

    job = pool.submit(Priority.CHUNK, fail)
    try:
        job.future.result(10)
    except ValueError as exc:
        assert str(exc) == "boom"
    else:
        raise AssertionError("no error")
    pool.shutdown()


def test_counting_pool_counts_by_function_name() -> None:
    pool = CountingPool(1, "tts")

    def synthesize(x: int) -> int:
        return x * 2

    assert pool.submit(synthesize, 21).result(10) == 42
    snapshot = pool.stats.snapshot()
    assert snapshot["run"]["synthesize"].n == 1
    assert snapshot["queued"]["synthesize"] == 0
    pool.shutdown()
