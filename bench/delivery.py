"""Delivery bench: how long from an event's commit (a call's end) to its acknowledged receipt
at a local HR endpoint, through the real outbox worker, database and HTTP.

Scenarios, each over ``--events`` events enqueued ``--gap-ms`` apart (one transaction each,
as call ends are), with the product's default retry settings:

- ``wake``: the worker in the same process, woken by the commit (the server's case);
- ``poll``: the same without the in-process wake-up (an event written by another process,
  found by the ``poll_s`` poll);
- ``fails_twice``: the endpoint answers 503 twice per event before accepting it (the issue's
  "within 10 s" case: two backoff waits with full jitter, ``backoff_base_s`` 2 s).

Prints JSON: per scenario p50/p95/max seconds, events per second, attempts; the ratios of
``poll`` and ``fails_twice`` to ``wake`` are the machine-independent figures.

    .venv/bin/python bench/delivery.py [--events 200] [--database-url postgresql://...] [--out F]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from agent.cli import serve_app
from agent.delivery import wakeup
from agent.delivery.signing import EVENT_ID_HEADER, SIGNATURE_HEADER, verify
from agent.delivery.sinks import WebhookSink
from agent.delivery.worker import DeliveryWorker
from agent.settings import DeliverySettings, WebhookEndpoint
from agent.store.db import Database
from agent.store.outbox import enqueue
from agent.store.tables import Base

SECRET = "bench-secret"


class Receiver:
    """The HR endpoint: verifies, optionally fails the first tries, notes arrival times."""

    def __init__(self) -> None:
        self.fail_first = 0
        self.tries: dict[str, int] = {}
        self.arrived: dict[str, float] = {}

    async def handle(self, request: Request) -> JSONResponse:
        body = await request.body()
        verify(SECRET, body, request.headers.get(SIGNATURE_HEADER), now=time.time())
        event_id = request.headers[EVENT_ID_HEADER]
        self.tries[event_id] = self.tries.get(event_id, 0) + 1
        if self.tries[event_id] <= self.fail_first:
            return JSONResponse({"error": "busy"}, status_code=503)
        self.arrived.setdefault(event_id, time.monotonic())
        return JSONResponse({"ok": True})


def _empty(db: Database) -> None:
    from sqlalchemy import delete

    with db.session() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def scenario(
    db: Database, receiver: Receiver, url: str, name: str, events: int, gap_s: float
) -> dict[str, Any]:
    _empty(db)
    receiver.tries.clear()
    receiver.arrived.clear()
    receiver.fail_first = 2 if name == "fails_twice" else 0
    settings = DeliverySettings(endpoints=[WebhookEndpoint(name="hr", url=url, secret=SECRET)])
    worker = DeliveryWorker(db, [WebhookSink(e) for e in settings.endpoints], settings)
    task = asyncio.create_task(worker.run())
    await asyncio.sleep(0.2)
    if name == "poll":
        wakeup.unregister(worker.wake)  # as if the events came from another process
    sent: dict[str, float] = {}
    started = time.monotonic()
    for i in range(events):

        def write(i: int = i) -> str:
            with db.session() as session:
                return enqueue(session, "interview.completed", {"n": i}, f"{name}-{i}")

        event_id = await asyncio.to_thread(write)
        sent[event_id] = time.monotonic()  # just after the commit returned
        await asyncio.sleep(gap_s)
    deadline = time.monotonic() + 120
    while len(receiver.arrived) < events and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    elapsed = time.monotonic() - started
    worker.stop()
    await asyncio.wait_for(task, 30)
    latencies = [receiver.arrived[e] - t for e, t in sent.items() if e in receiver.arrived]
    return {
        "events": events,
        "received": len(latencies),
        "p50_s": round(_percentile(latencies, 0.5), 4) if latencies else None,
        "p95_s": round(_percentile(latencies, 0.95), 4) if latencies else None,
        "max_s": round(max(latencies), 4) if latencies else None,
        "mean_s": round(statistics.fmean(latencies), 4) if latencies else None,
        "events_per_s": round(len(latencies) / elapsed, 1),
        "attempts_per_event": round(sum(receiver.tries.values()) / max(len(receiver.tries), 1), 2),
    }


async def main(args: argparse.Namespace) -> dict[str, Any]:
    receiver = Receiver()
    app = Starlette(routes=[Route("/hook", receiver.handle, methods=["POST"])])
    with tempfile.TemporaryDirectory() as tmp:
        url_db = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        db = Database(url_db)
        db.upgrade()
        try:
            async with serve_app(app) as base:
                url = base.replace("ws://", "http://") + "/hook"
                results: dict[str, Any] = {}
                for name in ("wake", "poll", "fails_twice"):
                    count = args.events if name != "fails_twice" else max(args.events // 4, 10)
                    results[name] = await scenario(
                        db, receiver, url, name, count, args.gap_ms / 1000
                    )
        finally:
            _empty(db)
            db.dispose()
    wake_p50 = results["wake"]["p50_s"] or float("nan")
    return {
        "bench": "delivery",
        "database": Database(url_db).url.get_backend_name(),
        "poll_s": DeliverySettings().poll_s,
        "backoff_base_s": DeliverySettings().backoff_base_s,
        "gap_ms": args.gap_ms,
        "scenarios": results,
        "ratio_p50_poll_to_wake": round((results["poll"]["p50_s"] or 0) / wake_p50, 1),
        "ratio_p50_fails_twice_to_wake": round(
            (results["fails_twice"]["p50_s"] or 0) / wake_p50, 1
        ),
        "fails_twice_within_10s": (results["fails_twice"]["max_s"] or 99) <= 10.0,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--gap-ms", type=float, default=20.0)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--out", type=Path, default=None)
    result = asyncio.run(main(parser.parse_args()))
    text = json.dumps(result, indent=2)
    print(text)
    if args_out := parser.parse_args().out:
        args_out.write_text(text + "\n")
