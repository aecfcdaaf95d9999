"""QA monitor benchmark: listen-in start time, added listen-in delay, and whether monitoring a
call changes its response gaps (issue 16). Prints JSON.

One in-process server on 127.0.0.1 (real models, in-process bus):

1. *Listen-in start*: a caller streams unique low-level noise frames in real time; the QA side
   presses Listen (ticket request + socket + auth) ``--starts`` times; the time to the first
   audio frame is measured each time.
2. *Added delay*: while listening, each frame heard is matched byte for byte to the caller's frame
   it came from (while the interviewer is silent the mix *is* the caller's audio); delay = heard
   minus sent, on one clock.
3. *Response gaps*: ``--pairs`` pairs of simulated interviews (``tests/fixtures`` short script)
   run side by side, one of each pair watched and listened to by a QA client for the whole call;
   the server's per-turn ``response_gap_ms`` of both are compared (ratio monitored/unmonitored).

    .venv/bin/python bench/monitor.py [--pairs 1] [--starts 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import websockets

from agent.auth.keys import Role
from agent.calls.run import Runtime
from agent.cli import serve_app
from agent.devtools.simulate import load_persona, simulate
from agent.settings import Settings
from agent.store.apikeys import KeyStore
from agent.store.db import open_database

FIXTURES = Path(__file__).parents[1] / "tests" / "fixtures"
FRAME = 320  # 20 ms at 16 kHz


def summary(values: list[float]) -> dict[str, Any]:
    if not values:
        return {"n": 0}
    ordered = sorted(values)
    return {
        "n": len(values),
        "p50": round(statistics.median(ordered), 1),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 1),
        "max": round(ordered[-1], 1),
    }


async def ticket(base: str, key: str) -> str:
    async with httpx.AsyncClient(base_url=base) as client:
        reply = await client.post(
            "/api/monitor/tickets", headers={"Authorization": f"Bearer {key}"}
        )
        reply.raise_for_status()
        return str(reply.json()["ticket"])


async def noise_caller(
    ws_url: str, key: str, sent: dict[bytes, float], ready: asyncio.Future[str], seconds: float
) -> None:
    """A caller whose every 20 ms frame is unique (quiet noise, below speech detection)."""
    rng = np.random.default_rng(7)
    headers = {"Authorization": f"Bearer {key}"}
    async with websockets.connect(ws_url, additional_headers=headers, max_size=None) as ws:
        start = {"type": "start", "sample_rate": 16000, "candidate_id": "bench-noise"}
        await ws.send(json.dumps(start))
        reply = json.loads(await ws.recv())
        ready.set_result(reply["call_id"])

        async def drain() -> None:
            async for _ in ws:
                pass

        reader = asyncio.create_task(drain())
        next_t = time.monotonic()
        for _ in range(int(seconds / 0.02)):
            frame = rng.integers(-120, 120, FRAME, dtype=np.int16).astype("<i2").tobytes()
            sent[frame] = time.monotonic()
            await ws.send(frame)
            next_t += 0.02
            await asyncio.sleep(max(0.0, next_t - time.monotonic()))
        await ws.send(json.dumps({"type": "hangup"}))
        reader.cancel()


async def listen_once(
    wsb: str, base: str, key: str, call_id: str, hold_s: float, sent: dict[bytes, float]
) -> tuple[float, list[float], int]:
    """Press Listen: ms to the first frame; delays (ms) of frames matched to sent ones."""
    pressed = time.monotonic()
    tk = await ticket(base, key)
    delays: list[float] = []
    heard = 0
    first_ms = float("nan")
    async with websockets.connect(f"{wsb}/ws/monitor/listen", max_size=None) as ws:
        await ws.send(json.dumps({"type": "auth", "ticket": tk, "call_id": call_id}))
        json.loads(await ws.recv())  # {"type": "audio", "sample_rate": ...}
        end = None
        async for frame in ws:
            now = time.monotonic()
            if not isinstance(frame, bytes):
                continue
            if heard == 0:
                first_ms = (now - pressed) * 1000
                end = now + hold_s
            heard += 1
            if frame in sent:
                delays.append((now - sent[frame]) * 1000)
            if end is not None and now >= end:
                break
    return first_ms, delays, heard


async def listen_bench(base: str, key: str, starts: int) -> dict[str, Any]:
    wsb = base.replace("http://", "ws://")
    sent: dict[bytes, float] = {}
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    seconds = 6.0 + starts * 2.5 + 10.0
    caller = asyncio.create_task(noise_caller(f"{wsb}/ws/call", key, sent, ready, seconds))
    call_id = await ready
    await asyncio.sleep(3.0)
    start_ms: list[float] = []
    for _ in range(starts):
        first, _d, _n = await listen_once(wsb, base, key, call_id, 0.5, sent)
        start_ms.append(first)
        await asyncio.sleep(0.5)
    _first, delays, heard = await listen_once(wsb, base, key, call_id, 8.0, sent)
    await caller
    return {
        "listen_start_ms": summary(start_ms),
        "added_delay_ms": summary(delays),
        "frames_heard": heard,
        "frames_matched_to_caller_audio": len(delays),
    }


async def watch(base: str, key: str, candidate_id: str, stop: asyncio.Event) -> dict[str, int]:
    """A QA client on one call for its whole length: events and listen-in audio."""
    wsb = base.replace("http://", "ws://")
    counts = {"events": 0, "frames": 0}
    async with websockets.connect(f"{wsb}/ws/monitor", max_size=None) as ws:
        await ws.send(json.dumps({"type": "auth", "ticket": await ticket(base, key)}))
        listener: asyncio.Task[None] | None = None

        async def listen(call_id: str) -> None:
            tk = await ticket(base, key)
            async with websockets.connect(f"{wsb}/ws/monitor/listen", max_size=None) as ear:
                await ear.send(json.dumps({"type": "auth", "ticket": tk, "call_id": call_id}))
                async for message in ear:
                    counts["frames"] += isinstance(message, bytes)

        async def events() -> None:
            nonlocal listener
            async for raw in ws:
                event = json.loads(raw)
                counts["events"] += 1
                if event.get("type") == "started" and event.get("candidate_id") == candidate_id:
                    listener = asyncio.create_task(listen(event["call_id"]))

        task = asyncio.create_task(events())
        await stop.wait()
        task.cancel()
        if listener is not None:
            listener.cancel()
    return counts


def gaps_of(runtime: Runtime, report_id: str) -> list[float]:
    report = runtime.reports.load(report_id)
    return [
        t["latency"]["response_gap_ms"]
        for t in report["turns"]
        if t["speaker"] == "candidate" and "response_gap_ms" in t["latency"]
    ]


async def gap_bench(base: str, key: str, runtime: Runtime, pairs: int) -> dict[str, Any]:
    persona = load_persona(FIXTURES / "short_en_persona.yaml")
    voice = runtime.registry.voice("en")
    url = base.replace("http://", "ws://") + "/ws/call"
    watched: list[float] = []
    plain: list[float] = []
    qa_counts: list[dict[str, int]] = []
    for i in range(pairs):
        stop = asyncio.Event()
        watcher = asyncio.create_task(watch(base, key, f"monitored-{i}", stop))
        await asyncio.sleep(0.5)
        monitored, unmonitored = await asyncio.gather(
            simulate(url, persona=persona, voice=voice, candidate_id=f"monitored-{i}", token=key),
            simulate(url, persona=persona, voice=voice, candidate_id=f"plain-{i}", token=key),
        )
        stop.set()
        qa_counts.append(await watcher)
        watched += gaps_of(runtime, monitored.report_id)
        plain += gaps_of(runtime, unmonitored.report_id)
    out: dict[str, Any] = {
        "monitored_response_gap_ms": summary(watched),
        "unmonitored_response_gap_ms": summary(plain),
        "qa_client": qa_counts,
    }
    if watched and plain:
        out["p50_ratio_monitored_over_unmonitored"] = round(
            statistics.median(watched) / statistics.median(plain), 2
        )
    return out


async def run(args: argparse.Namespace) -> dict[str, Any]:
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="bench-monitor-"))
    settings = Settings(
        data_dir=data_dir, scripts_dir=FIXTURES / "scripts", default_script="short_en"
    )
    key = KeyStore(open_database(settings)).create(Role.QA, "bench monitor")[1]
    runtime = Runtime(settings)
    from agent.api.server import create_app

    out: dict[str, Any] = {"bench": "monitor", "machine_cpus": os.cpu_count()}
    async with serve_app(create_app(settings, runtime)) as ws_base:
        base = ws_base.replace("ws://", "http://")
        out["listen"] = await listen_bench(base, key, args.starts)
        out["response_gaps"] = await gap_bench(base, key, runtime, args.pairs)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", type=int, default=1, help="monitored/unmonitored call pairs")
    parser.add_argument("--starts", type=int, default=5, help="listen-in starts to time")
    parser.add_argument("--data-dir", help="default: a fresh temporary directory")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args)), indent=2))


if __name__ == "__main__":
    main()
