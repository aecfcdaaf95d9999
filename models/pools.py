"""Inference pools: a priority-ordered thread pool for Whisper, and per-pool statistics.

Under CPU pressure the order of work decides what a caller waits for. Whisper work is queued by
priority (lower runs first): the final transcript of a finished answer, then chunks of answers
still being spoken, then speculative transcriptions of pauses, which are cancelled before they run
when the candidate speaks again. A job can be promoted while it waits (a pause's speculative text
becomes urgent once the interview is waiting on it). Smart Turn and VAD, TTS and delivery
features each have their own small pool, so none of them queues ahead of a transcript.

Every pool records queue depth, wait and run times; ``/metrics`` exposes them.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any, TypeVar

T = TypeVar("T")

#: Upper bounds (seconds) of the latency histogram buckets (Prometheus ``le`` labels).
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Priority(IntEnum):
    """Order of Whisper work; lower runs first."""

    FINAL = 0  # the tail of a finished answer: the reply waits for it
    CHUNK = 1  # a committed chunk of an answer still being spoken
    SPECULATIVE = 2  # the words before a pause that may or may not end the answer


@dataclass
class Histogram:
    """Cumulative-bucket latency histogram (Prometheus semantics)."""

    counts: list[int] = field(default_factory=lambda: [0] * (len(BUCKETS) + 1))
    total: float = 0.0
    n: int = 0

    def observe(self, seconds: float) -> None:
        """Count one observation."""
        index = next((i for i, b in enumerate(BUCKETS) if seconds <= b), len(BUCKETS))
        self.counts[index] += 1
        self.total += seconds
        self.n += 1


class PoolStats:
    """Thread-safe counters of one pool: queued jobs, wait and run histograms per stage."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self.queued: dict[str, int] = {}
        self.wait: dict[str, Histogram] = {}
        self.run: dict[str, Histogram] = {}
        self.dropped = 0

    def enqueued(self, stage: str) -> None:
        with self._lock:
            self.queued[stage] = self.queued.get(stage, 0) + 1

    def started(self, stage: str, waited_s: float) -> None:
        with self._lock:
            self.queued[stage] = self.queued.get(stage, 0) - 1
            self.wait.setdefault(stage, Histogram()).observe(waited_s)

    def finished(self, stage: str, ran_s: float) -> None:
        with self._lock:
            self.run.setdefault(stage, Histogram()).observe(ran_s)

    def moved(self, old: str, new: str) -> None:
        with self._lock:
            self.queued[old] = self.queued.get(old, 0) - 1
            self.queued[new] = self.queued.get(new, 0) + 1

    def cancelled(self, stage: str) -> None:
        with self._lock:
            self.queued[stage] = self.queued.get(stage, 0) - 1
            self.dropped += 1

    def snapshot(self) -> dict[str, Any]:
        """A consistent copy for reporting."""
        with self._lock:
            return {
                "queued": dict(self.queued),
                "wait": {k: Histogram(list(v.counts), v.total, v.n) for k, v in self.wait.items()},
                "run": {k: Histogram(list(v.counts), v.total, v.n) for k, v in self.run.items()},
                "dropped": self.dropped,
            }

    @property
    def depth(self) -> int:
        """Jobs waiting (not yet running)."""
        with self._lock:
            return sum(self.queued.values())


class _Stage:
    """Wraps a callable so a plain executor's jobs are counted under one stage name."""

    def __init__(self, stats: PoolStats, stage: str, fn: Callable[..., Any]) -> None:
        self.stats, self.stage, self.fn = stats, stage, fn
        self.submitted = time.perf_counter()
        stats.enqueued(stage)

    def __call__(self, *args: Any) -> Any:
        start = time.perf_counter()
        self.stats.started(self.stage, start - self.submitted)
        try:
            return self.fn(*args)
        finally:
            self.stats.finished(self.stage, time.perf_counter() - start)


class CountingPool(Executor):
    """A ``ThreadPoolExecutor`` that records queue depth and latency for ``/metrics``."""

    def __init__(self, workers: int, name: str) -> None:
        self.stats = PoolStats(name)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        stage = getattr(fn, "__name__", "job")
        wrapped = _Stage(self.stats, stage, lambda: fn(*args, **kwargs))
        future = self._pool.submit(wrapped)
        future.add_done_callback(lambda f: self.stats.cancelled(stage) if f.cancelled() else None)
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


class Job:
    """One queued call in a :class:`PriorityPool`; ``future`` carries its result."""

    def __init__(self, priority: Priority, fn: Callable[[], Any]) -> None:
        self.priority = priority
        self.fn = fn
        self.future: Future[Any] = Future()
        self.submitted = time.perf_counter()
        self.taken = False


class PriorityPool:
    """Worker threads taking the most urgent job first (FIFO within one priority)."""

    def __init__(self, workers: int, name: str) -> None:
        self.stats = PoolStats(name)
        self._heap: list[tuple[int, int, Job]] = []
        self._seq = itertools.count()
        self._cv = threading.Condition()
        self._closed = False
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True)
            for i in range(workers)
        ]
        for thread in self._threads:
            thread.start()

    @property
    def workers(self) -> int:
        """Number of worker threads."""
        return len(self._threads)

    def submit(self, priority: Priority, fn: Callable[[], Any]) -> Job:
        """Queue ``fn`` at ``priority``."""
        job = Job(priority, fn)
        with self._cv:
            if self._closed:
                raise RuntimeError("pool is shut down")
            heapq.heappush(self._heap, (int(priority), next(self._seq), job))
            self.stats.enqueued(priority.name.lower())
            self._cv.notify()
        return job

    def promote(self, job: Job, priority: Priority) -> None:
        """Raise a waiting job to ``priority`` (no-op when it runs already or is as urgent)."""
        with self._cv:
            if job.taken or job.future.done() or priority >= job.priority:
                return
            self.stats.moved(job.priority.name.lower(), priority.name.lower())
            job.priority = priority
            # The old heap entry stays and is skipped when popped (its priority differs).
            heapq.heappush(self._heap, (int(priority), next(self._seq), job))
            self._cv.notify()

    def backlog_s(self, upto: Priority = Priority.CHUNK) -> float:
        """How long the oldest job waiting at ``upto`` or more urgent has waited (0: none).

        The default leaves speculative work out: it is dropped under pressure anyway, while a
        waiting final or chunk is a caller waiting (admission control reads this)."""
        now = time.perf_counter()
        with self._cv:
            ages = [
                now - job.submitted
                for priority, _seq, job in self._heap
                if not job.taken and priority == int(job.priority) and job.priority <= upto
            ]
        return max(ages, default=0.0)

    def cancel(self, job: Job) -> bool:
        """Drop a job that has not started; True when it will not run."""
        with self._cv:
            if job.taken:
                return False
            job.taken = True
            self.stats.cancelled(job.priority.name.lower())
        job.future.cancel()
        return True

    def _next(self) -> Job | None:
        with self._cv:
            while True:
                while self._heap:
                    priority, _seq, job = heapq.heappop(self._heap)
                    if job.taken or priority != int(job.priority):
                        continue  # cancelled, or a stale entry of a promoted job
                    job.taken = True
                    return job
                if self._closed:
                    return None
                self._cv.wait()

    def _work(self) -> None:
        while (job := self._next()) is not None:
            stage = job.priority.name.lower()
            start = time.perf_counter()
            self.stats.started(stage, start - job.submitted)
            if not job.future.set_running_or_notify_cancel():
                continue
            try:
                job.future.set_result(job.fn())
            except BaseException as exc:  # delivered to the awaiting coroutine
                job.future.set_exception(exc)
            finally:
                self.stats.finished(stage, time.perf_counter() - start)

    def shutdown(self) -> None:
        """Stop the workers after the running jobs; queued jobs are cancelled."""
        with self._cv:
            self._closed = True
            pending = [job for _p, _s, job in self._heap if not job.taken]
            self._heap.clear()
            self._cv.notify_all()
        for job in pending:
            job.taken = True
            job.future.cancel()
