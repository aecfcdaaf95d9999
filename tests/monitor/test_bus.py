"""The live-monitor bus: in-process fan-out, slow subscribers dropped, and the same over the
real Redis on 127.0.0.1:6379 between two buses standing for two server processes."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from agent.monitor.bus import MonitorBus, RedisBus
from agent.monitor.events import EventType, make_event

REDIS_URL = "redis://127.0.0.1:6379/0"


class Control:
    """A call's command side, as the bus sees it."""

    def __init__(self) -> None:
        self.commands: list[dict[str, Any]] = []
        self.mic_frames: list[bytes] = []
        self.got = asyncio.Event()

    async def command(self, command: dict[str, Any]) -> None:
        self.commands.append(command)
        self.got.set()

    def mic(self, pcm: bytes) -> None:
        self.mic_frames.append(pcm)
        self.got.set()


def started(call_id: str, **fields: Any) -> dict[str, Any]:
    return make_event(
        EventType.STARTED, call_id, 0.0, candidate_id="c-" + call_id, transport="ws", **fields
    )


async def next_of(sub: Any, kind: str, timeout: float = 10.0) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            event = await sub.get()
            assert event is not None, "subscription ended"
            if event["type"] == kind:
                return dict(event)


async def test_local_bus_fans_out_and_tracks_live_calls() -> None:
    bus = MonitorBus()
    one, two = bus.subscribe(), bus.subscribe()
    bus.publish(started("a"))
    bus.publish(make_event(EventType.STATE, "a", 1.5, state="q:experience"))
    for sub in (one, two):
        assert (await sub.get())["type"] == "started"  # type: ignore[index]
        assert (await sub.get())["state"] == "q:experience"  # type: ignore[index]
    [live] = await bus.live_calls()
    assert live["call_id"] == "a" and live["state"] == "q:experience"
    bus.publish(make_event(EventType.ENDED, "a", 3.0, report_id="a", outcome="completed"))
    assert await bus.live_calls() == []


async def test_slow_subscriber_is_dropped_and_publishing_never_waits() -> None:
    bus = MonitorBus(queue_size=8)
    slow, fast = bus.subscribe(), bus.subscribe()
    bus.publish(started("a"))
    for i in range(20):
        bus.publish(make_event(EventType.TRANSCRIPT, "a", i, text=f"w{i}", final=False))
        assert await fast.get() is not None  # a reader that keeps up stays subscribed
    assert slow.dropped and slow.closed
    assert await slow.get() is None  # its iterator ends: the page reconnects
    assert not fast.dropped


async def test_listeners_get_audio_only_while_listening_and_are_dropped_when_slow() -> None:
    bus = MonitorBus(audio_queue_size=4)
    assert not bus.listening("a")
    ear = bus.listen("a")
    assert bus.listening("a")
    for _ in range(10):
        bus.publish_audio("a", b"\x01\x00" * 320)
    assert ear.dropped
    assert not bus.listening("a")  # a dropped listener costs the call nothing more


async def test_commands_and_mic_reach_the_local_call() -> None:
    bus = MonitorBus()
    control = Control()
    bus.attach("a", control)
    await bus.command("a", {"cmd": "flag", "note": "x"})
    bus.send_mic("a", b"\x00\x01")
    assert control.commands == [{"cmd": "flag", "note": "x"}]
    assert control.mic_frames == [b"\x00\x01"]
    bus.detach("a")
    await bus.command("a", {"cmd": "end"})  # a call that is over: nothing happens
    assert len(control.commands) == 1


@pytest_asyncio.fixture(loop_scope="session")
async def two_processes() -> AsyncIterator[tuple[RedisBus, RedisBus]]:
    """Two Redis buses (as two server processes) on a prefix of their own."""
    prefix = f"test-{uuid.uuid4().hex[:10]}:"
    first = RedisBus(REDIS_URL, prefix=prefix, ttl_s=1.5)
    second = RedisBus(REDIS_URL, prefix=prefix, ttl_s=1.5)
    await first.start()
    await second.start()
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()
        import redis.asyncio as redis

        client = redis.Redis.from_url(REDIS_URL)
        keys = [k async for k in client.scan_iter(f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


@pytest.mark.asyncio(loop_scope="session")
async def test_redis_bus_shares_events_calls_and_commands(
    two_processes: tuple[RedisBus, RedisBus],
) -> None:
    worker, qa = two_processes
    events = qa.subscribe()
    control = Control()
    worker.attach("call-1", control)
    worker.publish(started("call-1", script_id="short_en"))
    worker.publish(make_event(EventType.PROMPT, "call-1", 0.2, text="Hello", state="greeting"))
    assert (await next_of(events, "started"))["candidate_id"] == "c-call-1"
    assert (await next_of(events, "bot_said"))["text"] == "Hello"

    async with asyncio.timeout(10):  # the registry is written by the sender task
        while not await qa.live_calls():
            await asyncio.sleep(0.05)
    [live] = await qa.live_calls()
    assert live["call_id"] == "call-1" and live["state"] == "greeting"
    assert await qa.is_live("call-1")

    # A command from the QA side's process runs in the call's process.
    await qa.command("call-1", {"cmd": "flag", "note": "check this", "by": "k1"})
    async with asyncio.timeout(10):
        await control.got.wait()
    assert control.commands[0]["note"] == "check this"

    # Listening: the call mixes audio only once someone on any process listens.
    assert not worker.listening("call-1")
    ear = qa.listen("call-1")
    async with asyncio.timeout(10):
        while not worker.listening("call-1"):
            await asyncio.sleep(0.02)
    worker.publish_audio("call-1", b"\x10\x00" * 320)
    async with asyncio.timeout(10):
        assert await ear.get() == b"\x10\x00" * 320

    # The QA person's microphone reaches the call's process.
    control.got.clear()
    qa.send_mic("call-1", b"\x02\x00" * 320)
    async with asyncio.timeout(10):
        while not control.mic_frames:
            await asyncio.sleep(0.02)
    assert control.mic_frames == [b"\x02\x00" * 320]

    worker.publish(make_event(EventType.ENDED, "call-1", 9.0, report_id="call-1"))
    worker.detach("call-1")
    await next_of(events, "call_ended")
    async with asyncio.timeout(10):  # the QA process's listener ends with the call
        assert await ear.get() is None
    async with asyncio.timeout(10):
        while await qa.live_calls():
            await asyncio.sleep(0.05)


@pytest.mark.asyncio(loop_scope="session")
async def test_a_dead_process_calls_leave_the_list_after_the_ttl(
    two_processes: tuple[RedisBus, RedisBus],
) -> None:
    worker, qa = two_processes
    worker.publish(started("call-2"))
    async with asyncio.timeout(10):
        while not await qa.live_calls():
            await asyncio.sleep(0.05)
    for task in worker._tasks:  # the process dies: no heartbeat, no goodbye
        task.cancel()
    worker._own.clear()
    async with asyncio.timeout(15):
        while await qa.live_calls():
            await asyncio.sleep(0.2)
