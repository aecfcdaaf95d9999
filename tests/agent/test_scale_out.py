"""Scale-out: three ``screenline serve`` workers over one PostgreSQL database and one Redis.

Each worker is a real subprocess with its own data directory (journals, report files), as the
compose file runs them; they share the database (keys, calls, reports, outbox), the Redis
monitor bus and the signing secret. One interview runs on each worker at once, as a load
balancer would spread them, and two workers get SIGTERM in the middle of their calls: the
first ends its call at once (``limits.drain_calls_s`` 0), the second lets it finish
(``drain_calls_s`` 300) while refusing new connections, then exits.

Nothing may be lost: every call has its report in the shared database; every report's
``interview.completed`` event reaches the HR endpoint exactly once (the first worker runs no
outbox worker, so its call's event can only leave through the others); the cut-off call ends
cleanly (``call_ended`` with its report id, ``end_reason: shutdown``, its answer kept) and the
other two finish their interviews. While the calls run, a QA client on one worker sees all
three calls (the bus is shared), and a call token minted by one worker is accepted by another
(the secret is shared).
"""

from __future__ import annotations

import asyncio
import json
import signal
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from agent.devtools.simulate import simulate
from tests.abuse.test_crash import ServerProcess
from tests.conftest import fresh_postgres
from tests.delivery.conftest import HR_SECRET, HrEndpoint, serving_hr_endpoint, wait_for
from tests.helpers import stored_reports

pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]

REDIS_URL = "redis://127.0.0.1:6379/0"
WORKERS = 3


@pytest.fixture
def shared_database() -> Iterator[str]:
    yield from fresh_postgres("screenline_scale")


@pytest_asyncio.fixture
async def hr() -> AsyncIterator[HrEndpoint]:
    async with serving_hr_endpoint() as endpoint:
        yield endpoint


@pytest.fixture
def workers(tmp_path: Path, shared_database: str, hr: HrEndpoint) -> Iterator[list[ServerProcess]]:
    """Three workers of one deployment: the settings a compose file gives every replica."""
    shared = {
        "SCREENLINE_DATABASE_URL": shared_database,
        "SCREENLINE_REDIS_URL": REDIS_URL,
        # This test's own keys on the shared Redis, so a parallel run cannot see its calls.
        "SCREENLINE_MONITOR__REDIS_PREFIX": f"screenline-scale-{uuid.uuid4().hex[:8]}:",
        "SCREENLINE_AUTH__SECRET": "scale-out-test-" + uuid.uuid4().hex,
        "SCREENLINE_DELIVERY__ENDPOINTS": json.dumps(
            [{"name": "hr", "url": hr.url, "secret": HR_SECRET}]
        ),
    }
    # The first worker delivers nothing itself: what its calls announce must reach the
    # endpoint through the others. The second lets its calls finish when stopped.
    own = [
        {"SCREENLINE_DELIVERY__IN_SERVER": "false"},
        {"SCREENLINE_LIMITS__DRAIN_CALLS_S": "300"},
        {},
    ]
    started: list[ServerProcess] = []
    try:
        for i in range(WORKERS):
            started.append(
                ServerProcess(
                    tmp_path / f"worker{i}", tmp_path / f"worker{i}.log", {**shared, **own[i]}
                )
            )
        yield started
    finally:
        for worker in started:
            worker.stop()


def http_base(worker: ServerProcess) -> str:
    return f"http://127.0.0.1:{worker.port}"


async def watch_live_calls(worker: ServerProcess, want: int, seen: set[str]) -> None:
    """Poll one worker's ``/api/live-calls`` until it has listed ``want`` distinct calls."""
    headers = {"Authorization": f"Bearer {worker.key}"}
    async with httpx.AsyncClient(base_url=http_base(worker), headers=headers) as client:
        while len(seen) < want:
            answer = await client.get("/api/live-calls")
            assert answer.status_code == 200, answer.text
            seen.update(str(call["call_id"]) for call in answer.json()["calls"])
            await asyncio.sleep(0.5)


async def call_token(worker: ServerProcess) -> str:
    """A short-lived call token minted by ``worker`` (``POST /api/call-tokens``)."""
    headers = {"Authorization": f"Bearer {worker.key}"}
    async with httpx.AsyncClient(base_url=http_base(worker), headers=headers) as client:
        answer = await client.post("/api/call-tokens")
    assert answer.status_code == 201, answer.text
    return str(answer.json()["token"])


async def test_three_workers_one_stopped_mid_call_lose_nothing(
    workers: list[ServerProcess],
    shared_database: str,
    hr: HrEndpoint,
    persona: Any,
    candidate_voice: Any,
) -> None:
    await asyncio.gather(*(worker.ready() for worker in workers))
    stopped, finishing = workers[0], workers[1]
    events: list[list[dict[str, Any]]] = [[] for _ in workers]
    closed_while_live: list[bool] = []

    async def wait_closed(worker: ServerProcess, call: int) -> None:
        """Poll until ``worker`` refuses connections; note whether its call was still live."""
        # A new connection each time: a kept-alive one would outlive the closed listener.
        headers = {"Connection": "close"}
        async with httpx.AsyncClient(base_url=http_base(worker), headers=headers) as client:
            while True:
                try:
                    await client.get("/health")
                except httpx.TransportError:
                    break
                await asyncio.sleep(0.2)
        closed_while_live.append(not any(e.get("type") == "call_ended" for e in events[call]))

    watchers: list[asyncio.Task[None]] = []

    def recorder(i: int) -> Any:
        def on_event(msg: dict[str, Any]) -> None:
            events[i].append(msg)
            # Mid-interview on the first two workers: their first answer has been transcribed.
            final = msg.get("type") == "transcript" and msg.get("final")
            if i < 2 and final and workers[i].proc.poll() is None:
                workers[i].proc.send_signal(signal.SIGTERM)
                if i == 1 and not watchers:
                    watchers.append(asyncio.create_task(wait_closed(finishing, 1)))

        return on_event

    # The third call authenticates with a token the second worker minted: any worker's token
    # is good on any other.
    token = await call_token(workers[1])
    urls = [w.url for w in workers[:2]]
    urls.append(f"ws://127.0.0.1:{workers[2].port}/ws/call?token={token}")

    seen: set[str] = set()
    # On the worker that is never stopped, so it can watch for as long as the calls run.
    watcher = asyncio.create_task(watch_live_calls(workers[2], WORKERS, seen))
    results = await asyncio.gather(
        *(
            simulate(url, persona=persona, voice=candidate_voice, speed=2, on_event=recorder(i))
            for i, url in enumerate(urls)
        )
    )
    watcher.cancel()

    call_ids = [next(e["call_id"] for e in evs if e.get("type") == "ready") for evs in events]
    ended = [[e for e in evs if e.get("type") == "call_ended"] for evs in events]
    assert all(len(e) == 1 for e in ended), ended
    assert len(set(call_ids)) == WORKERS
    # One worker's QA view listed every worker's call while they ran (the shared bus).
    assert set(call_ids) <= seen, (call_ids, seen)
    # Both stopped workers drained and exited cleanly (uvicorn may re-raise the signal); the
    # second had stopped taking connections while its call still ran.
    for worker in (stopped, finishing):
        assert await asyncio.to_thread(worker.proc.wait, 60) in (0, -signal.SIGTERM)
    assert workers[2].proc.poll() is None
    await asyncio.wait_for(watchers[0], 30)
    assert closed_while_live == [True]

    # Every call's report is in the shared database, whichever worker wrote it.
    rows = stored_reports(shared_database)
    report_ids = [e[0]["report_id"] for e in ended]
    assert sorted(rows) == sorted(report_ids)
    first = rows[report_ids[0]]
    assert first["end_reason"] == "shutdown" and first["complete"] is False
    assert any(t["speaker"] == "candidate" for t in first["turns"])  # its answer was kept
    for report_id, result in zip(report_ids[1:], results[1:], strict=True):
        assert rows[report_id]["complete"] is True, rows[report_id]["end_reason"]
        assert result.report_id == report_id

    # Each report's event reached the HR endpoint once, the stopped worker's through the others.
    await wait_for(lambda: len(hr.processed) >= WORKERS, timeout_s=90)
    delivered = {doc["data"]["report_id"]: event_id for event_id, doc in hr.processed.items()}
    assert sorted(delivered) == sorted(report_ids)
    assert all(hr.tries(event_id) == 1 for event_id in delivered.values()), hr.requests
    assert hr.bad_signatures == 0
