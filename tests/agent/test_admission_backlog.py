"""Admission by measured headroom: a waiting transcript refuses new calls, a dropped guess does not.

A real :class:`PriorityPool` with its one worker held by a gated job stands in for a server whose
Whisper work queues behind itself; nothing is mocked but the work each job does.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from agent.calls.admission import Admission, Refused
from models.pools import Priority, PriorityPool


@pytest.fixture
def held_pool() -> Iterator[tuple[PriorityPool, threading.Event]]:
    pool = PriorityPool(1, "asr-test")
    gate = threading.Event()
    pool.submit(Priority.FINAL, gate.wait)  # takes the only worker until the gate opens
    yield pool, gate
    gate.set()
    pool.shutdown()


def _wait_backlog(pool: PriorityPool, seconds: float) -> None:
    deadline = time.monotonic() + 10
    while pool.backlog_s() <= seconds:
        assert time.monotonic() < deadline, "the waiting job's age never grew"
        time.sleep(0.02)


@pytest.mark.parametrize("priority", [Priority.FINAL, Priority.CHUNK])
def test_a_waiting_transcript_refuses_new_calls(
    held_pool: tuple[PriorityPool, threading.Event], priority: Priority
) -> None:
    pool, gate = held_pool
    admission = Admission(10, backlog=pool.backlog_s, max_backlog_s=0.2)
    live = admission.admit("ws")  # nothing waits yet: admitted
    job = pool.submit(priority, lambda: "text")
    _wait_backlog(pool, 0.2)
    assert admission.overloaded and not admission.can_admit()
    with pytest.raises(Refused) as refused:
        admission.admit("twilio")
    assert refused.value.reason == "overloaded" and "overloaded" in str(refused.value)
    assert admission.refused["twilio:overloaded"] == 1
    snap = admission.snapshot()
    assert snap["overloaded"] is True and snap["backlog_s"] > 0.2
    gate.set()  # the backlog clears: calls are admitted again
    assert job.future.result(timeout=10) == "text"
    assert pool.backlog_s() == 0.0
    admission.admit("ws").release()
    live.release()


def test_speculative_work_and_a_zero_limit_never_refuse(
    held_pool: tuple[PriorityPool, threading.Event],
) -> None:
    pool, _gate = held_pool
    guess = pool.submit(Priority.SPECULATIVE, lambda: "maybe")
    time.sleep(0.3)
    assert pool.backlog_s() == 0.0  # guesses are dropped under pressure: no caller waits on them
    assert pool.backlog_s(Priority.SPECULATIVE) > 0.2
    assert Admission(10, backlog=pool.backlog_s, max_backlog_s=0.2).can_admit()
    pool.promote(guess, Priority.FINAL)  # ... until the interview waits on it
    _wait_backlog(pool, 0.2)
    assert not Admission(10, backlog=pool.backlog_s, max_backlog_s=0.2).can_admit()
    assert Admission(10, backlog=pool.backlog_s, max_backlog_s=0).can_admit()  # check off
    assert pool.cancel(guess)
    assert pool.backlog_s() == 0.0
