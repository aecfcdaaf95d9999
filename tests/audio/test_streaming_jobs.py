"""Streaming ASR job bookkeeping: dropping one transcription never loses another one's words."""

from __future__ import annotations

import asyncio
import threading

import pytest

from audio.asr import _Job, _result
from audio.frames import TranscriptSegment
from models.pools import Priority, PriorityPool


async def test_dropping_a_guess_that_waits_for_a_chunk_keeps_the_chunk() -> None:
    """A pause's speculative text awaits the chunk before it (its prompt); the candidate speaks
    on and the guess is dropped. The chunk must still deliver its words: a plain ``await`` of
    its task would have cancelled it too (its words then vanished from the answer under load)."""
    pool = PriorityPool(1, "test-asr")
    release = threading.Event()
    words = [TranscriptSegment("I moved into the customer care team.", 0.0, 2.0, -0.2)]

    def decode() -> list[TranscriptSegment]:
        release.wait(10)  # the chunk is still decoding (a busy machine)
        return words

    pool_job = pool.submit(Priority.CHUNK, decode)
    chunk = _Job(
        0, 32000, asyncio.ensure_future(asyncio.wrap_future(pool_job.future)), Priority.CHUNK
    )

    async def guess() -> list[TranscriptSegment]:
        await _result(chunk)  # the prompt: the text before the pause
        return []

    speculative = _Job(32000, 48000, asyncio.ensure_future(guess()), Priority.SPECULATIVE)
    await asyncio.sleep(0.05)
    speculative.task.cancel()  # the candidate spoke again: the guess is not needed
    assert await _result(speculative) == []
    release.set()
    assert await _result(chunk) == words
    assert not chunk.task.cancelled()
    pool.shutdown()


async def test_a_caller_cancelled_while_waiting_is_cancelled() -> None:
    """The shield protects the awaited job, not the caller: a cancelled caller still stops."""
    never = asyncio.get_running_loop().create_future()
    job = _Job(0, 1, asyncio.ensure_future(never), Priority.FINAL)
    waiter = asyncio.ensure_future(_result(job))
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiter
    assert not job.task.cancelled()
    job.task.cancel()
