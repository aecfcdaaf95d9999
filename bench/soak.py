"""Soak: real interviews with abusive clients mixed in, on one server (issue 12, "done when").

One in-process server on 127.0.0.1 with the embedded models. For ``--minutes``, ``--interviews``
synthetic candidates at a time take the short fixture interview (``tests/fixtures``), while
abusers keep hitting every entry point: path-like and oversized script ids, nesting bombs, 10 KB
names, starts followed by silence, disconnects before ``ready``, AudioSocket UUIDs followed at
once by a hang-up / error / garbage frame, garbage WebRTC offers, silent and slow-header TCP
connections. At the end it waits for the calls to settle and prints JSON: interviews completed
and failed, abusive probes sent by kind, calls still holding a slot (must be 0), and the
process's open file descriptors before and after (must not grow).

    .venv/bin/python bench/soak.py [--minutes 3] [--interviews 2]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import socket
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import websockets

from agent.api.server import create_app
from agent.auth.keys import Role
from agent.calls.run import Runtime
from agent.cli import serve_app
from agent.devtools.simulate import load_persona, simulate
from agent.settings import AuthSettings, FailureLimitSettings, LimitSettings, Settings
from agent.store.apikeys import KeyStore
from agent.store.db import open_database
from telephony.audiosocket import Kind, encode_error, encode_frame, encode_hangup, encode_uuid

FIXTURES = Path(__file__).parents[1] / "tests" / "fixtures"
START = {"type": "start", "sample_rate": 16000, "candidate_id": "abuser"}


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _ws_first(url: str, message: str | bytes, *, abort: bool = False) -> None:
    with contextlib.suppress(Exception):
        async with asyncio.timeout(60), websockets.connect(url, max_size=None) as ws:
            await ws.send(message)
            if abort:
                ws.transport.abort()
                return
            async for _reply in ws:
                pass


async def _audiosocket(port: int, after: bytes) -> None:
    with contextlib.suppress(Exception):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(encode_uuid(uuid.uuid4()) + after)
        await writer.drain()
        async with asyncio.timeout(60):
            await reader.read()
        writer.close()


async def _tcp(port: int, first: bytes) -> None:
    with contextlib.suppress(Exception):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(first)
        await writer.drain()
        async with asyncio.timeout(60):
            await reader.read()
        writer.close()


async def abuse_once(kind: str, http: str, call: str, port: int, as_port: int) -> None:
    """One abusive client of ``kind`` (``call``: the authenticated ``/ws/call`` URL: the abuse
    is in what an authenticated client sends)."""
    if kind == "path_script_id":
        await _ws_first(call, json.dumps({**START, "script_id": "/etc/passwd"}))
    elif kind == "long_script_id":
        await _ws_first(call, json.dumps({**START, "script_id": "a" * 300}))
    elif kind == "nesting_bomb":
        await _ws_first(call, "[" * 20_000 + "]" * 20_000)
    elif kind == "huge_name":
        await _ws_first(call, json.dumps({**START, "variables": {"candidate_name": "x" * 10_000}}))
    elif kind == "silent_call":
        await _ws_first(call, json.dumps(START))  # ends as no_audio
    elif kind == "leave_before_ready":
        await _ws_first(call, json.dumps(START), abort=True)
    elif kind == "audiosocket_end":
        after = random.choice([encode_hangup(), encode_error(1), encode_frame(Kind.DTMF, b"")])
        await _audiosocket(as_port, after + bytes([0x42, 0, 1, 0]))
    elif kind == "webrtc_garbage":
        with contextlib.suppress(Exception):
            async with httpx.AsyncClient(base_url=http, timeout=60) as client:
                await client.post("/api/webrtc/offer", json={"sdp": "v=0\r\nm=audio x", "type": 2})
                await client.post("/api/webrtc/offer", json={"sdp": 1, "type": 2})
    elif kind == "slow_headers":
        await _tcp(port, b"GET /health HTTP/1.1\r\nHost: x\r\n")
    elif kind == "silent_tcp":
        await _tcp(port, b"")


KINDS = [
    "path_script_id",
    "long_script_id",
    "nesting_bomb",
    "huge_name",
    "silent_call",
    "leave_before_ready",
    "audiosocket_end",
    "webrtc_garbage",
    "slow_headers",
    "silent_tcp",
]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="soak-"))
    settings = Settings(
        data_dir=data_dir,
        scripts_dir=FIXTURES / "scripts",
        default_script="short_en",
        audiosocket_port=free_port(),
        max_concurrent_calls=args.interviews + 6,
        limits=LimitSettings(no_audio_timeout_s=5.0, header_timeout_s=5.0),
        # Abusers and real interviews share 127.0.0.1 here: locking the abusers out would lock
        # the interviews out too, and the soak measures stuck calls, not the limit.
        auth=AuthSettings(failure_limit=FailureLimitSettings(exempt=["127.0.0.0/8", "::1/128"])),
    )
    key = KeyStore(open_database(settings)).create(Role.QA, "soak")[1]
    runtime = Runtime(settings)
    persona = load_persona(FIXTURES / "short_en_persona.yaml")
    voice = runtime.registry.voice("en")
    outcomes: Counter[str] = Counter()
    sent: Counter[str] = Counter()
    refused_interviews = 0

    async with serve_app(create_app(settings, runtime)) as ws_base:
        http = ws_base.replace("ws://", "http://")
        port = int(http.rsplit(":", 1)[1])
        url = f"{ws_base}/ws/call?token={key}"
        # One short call first so model loading is not counted as fd growth.
        await simulate(url, persona=persona, voice=voice, speed=2)
        fds_before = open_fds()
        deadline = time.monotonic() + args.minutes * 60

        async def interviewer(n: int) -> None:
            nonlocal refused_interviews
            i = 0
            while time.monotonic() < deadline:
                i += 1
                result = await simulate(
                    url, persona=persona, voice=voice, candidate_id=f"soak-{n}-{i}", speed=2
                )
                outcomes[result.outcome or f"none:{result.close_code}"] += 1
                if result.close_code == 1013:
                    refused_interviews += 1

        async def abuser() -> None:
            while time.monotonic() < deadline:
                kind = random.choice(KINDS)
                sent[kind] += 1
                await abuse_once(kind, http, url, port, settings.audiosocket_port or 0)
                await asyncio.sleep(random.uniform(0.0, 0.5))

        started = time.monotonic()
        await asyncio.gather(
            *(interviewer(n) for n in range(args.interviews)),
            *(abuser() for _ in range(args.abusers)),
        )
        settle_deadline = time.monotonic() + 60
        while runtime.admission.active and time.monotonic() < settle_deadline:
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)  # let closed sockets be reaped
        stuck = runtime.admission.active
        fds_after = open_fds()
        elapsed = time.monotonic() - started
        admission = runtime.admission.snapshot()
    reports = list((data_dir / "reports").glob("*.json"))
    journals = list((data_dir / "journals").glob("*.jsonl"))
    return {
        "minutes": round(elapsed / 60, 2),
        "interviews": dict(outcomes),
        "interviews_completed": outcomes.get("completed", 0),
        "interviews_not_completed": sum(outcomes.values()) - outcomes.get("completed", 0),
        "interviews_refused_1013": refused_interviews,
        "abusive_probes": dict(sent),
        "abusive_probes_total": sum(sent.values()),
        "stuck_calls": stuck,
        "journals_left": len(journals),
        "reports_written": len(reports),
        "fds_before": fds_before,
        "fds_after": fds_after,
        "admission": admission,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--interviews", type=int, default=2, help="concurrent real interviews")
    parser.add_argument("--abusers", type=int, default=2, help="concurrent abusive clients")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args)), indent=2))


if __name__ == "__main__":
    main()
