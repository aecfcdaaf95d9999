"""Resource benchmark: model load time, idle server RSS, and RSS added per concurrent call.

Starts ``screenline serve`` as a child process on a free loopback port, samples its resident set
size from /proc while 1, 4 and 8 simulated candidates take interviews at once, and prints JSON.
Figures are from this machine and run; compare them with each other, not across machines.

    .venv/bin/python bench/resources.py [--speed 4] [--calls 1 4 8]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from agent.auth.guard import Access
from agent.devtools.simulate import load_persona, simulate
from agent.settings import Settings
from models.registry import ModelRegistry


def rss_mb(pid: int) -> float:
    """Resident set size of a process in MiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("VmRSS not found")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def measure_load() -> dict[str, float]:
    """Cold-ish load time of each embedded model in this process (seconds)."""
    start = time.perf_counter()
    registry = ModelRegistry()
    loads = registry.preload(["en"])
    out = {k.split(":")[0] + "_load_s": round(v, 3) for k, v in loads.items()}
    out["all_models_load_s"] = round(time.perf_counter() - start, 3)
    return out


async def run_calls(
    url: str, n: int, pid: int, speed: float, script: str, access: Access
) -> dict[str, Any]:
    voice = ModelRegistry().voice("en")
    persona = load_persona(script)
    peak = rss_mb(pid)
    stop = asyncio.Event()

    async def sampler() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, rss_mb(pid))
            await asyncio.sleep(0.1)

    sampling = asyncio.create_task(sampler())
    start = time.perf_counter()
    results = await asyncio.gather(
        *(
            simulate(
                url,
                persona=persona,
                voice=voice,
                candidate_id=f"bench-{i}",
                speed=speed,
                token=access.call_token(),
            )
            for i in range(n)
        )
    )
    elapsed = time.perf_counter() - start
    stop.set()
    await sampling
    return {
        "calls": n,
        "completed": sum(1 for r in results if r.outcome == "completed"),
        "peak_rss_mb": round(peak, 1),
        "wall_s": round(elapsed, 1),
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    port = free_port()
    env = {**os.environ, "SCREENLINE_DATA_DIR": args.data_dir}
    server = subprocess.Popen(
        [sys.executable, "-m", "agent.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        async with httpx.AsyncClient() as client:
            for _ in range(600):
                try:
                    if (await client.get(f"http://127.0.0.1:{port}/health")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError("server did not start")
        await asyncio.sleep(1.0)
        idle = rss_mb(server.pid)
        url = f"ws://127.0.0.1:{port}/ws/call"
        # Same data dir as the server, so the same secret: call tokens signed here are its own.
        access = Access.from_settings(Settings(data_dir=Path(args.data_dir)))
        rounds = []
        for n in args.calls:
            before = rss_mb(server.pid)
            result = await run_calls(url, n, server.pid, args.speed, args.script, access)
            result["rss_before_mb"] = round(before, 1)
            result["rss_added_per_call_mb"] = round((result["peak_rss_mb"] - before) / n, 2)
            rounds.append(result)
        return {"server_rss_idle_mb": round(idle, 1), "rounds": rounds}
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, nargs="+", default=[1, 4, 8])
    parser.add_argument("--speed", type=float, default=4.0)
    parser.add_argument("--script", default="cs_home_en")
    parser.add_argument("--data-dir", default="var/bench")
    args = parser.parse_args()
    out: dict[str, Any] = {"bench": "resources", "cpus": os.cpu_count()}
    out.update(measure_load())
    out.update(asyncio.run(main_async(args)))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
