"""The README's commands, run as a user would: `screenline serve` and `screenline simulate`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _screenline(*args: str) -> list[str]:
    return [sys.executable, "-m", "agent.cli", *args]


def test_serve_then_simulate_on_embedded_defaults(tmp_path: Path) -> None:
    """The shipped English script, embedded models, two processes talking over loopback."""
    port = _free_port()
    env = {**os.environ, "SCREENLINE_DATA_DIR": str(tmp_path)}
    server = subprocess.Popen(
        _screenline("serve", "--port", str(port)),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).json()
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.2)
        assert health["status"] == "ok"
        # The README's first step against a server: make a key (printed once, on stdout).
        made = subprocess.run(
            _screenline("keys", "create", "--role", "qa", "--name", "cli test"),
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert made.returncode == 0, made.stderr
        key = made.stdout.strip()
        anonymous = subprocess.run(
            _screenline("simulate", "--server", f"ws://127.0.0.1:{port}/ws/call"),
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert anonymous.returncode == 1 and "SCREENLINE_API_KEY" in anonymous.stderr
        sim = subprocess.run(
            _screenline("simulate", "--server", f"ws://127.0.0.1:{port}/ws/call", "--speed", "3"),
            env={**env, "SCREENLINE_API_KEY": key},
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert sim.returncode == 0, sim.stdout + sim.stderr
        lines = sim.stdout.strip().splitlines()
        assert any(line.startswith("INTERVIEWER:") for line in lines)
        assert any(line.startswith("CANDIDATE:") for line in lines)
        report_path = Path(lines[-1])
        report = json.loads(report_path.read_text())
        assert report["complete"] is True and report["outcome"] == "completed"
        assert report["script"]["id"] == "cs_home_en"
        shown = subprocess.run(
            _screenline("report", report["report_id"]),
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert shown.returncode == 0
        assert json.loads(shown.stdout)["report_id"] == report["report_id"]
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_report_command_unknown_id(tmp_path: Path) -> None:
    env = {**os.environ, "SCREENLINE_DATA_DIR": str(tmp_path)}
    out = subprocess.run(
        _screenline("report", "nope"), env=env, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 1
    assert "no report 'nope'" in out.stderr


def test_simulate_gives_up_with_a_message_when_the_interview_never_ends(tmp_path: Path) -> None:
    """A server that takes the call and never ends it: `--timeout` seconds, then a clear line
    (not a traceback) and exit status 1."""
    import asyncio
    import threading

    import websockets

    port = _free_port()
    ready = threading.Event()
    stop = threading.Event()

    async def swallow(ws: websockets.ServerConnection) -> None:
        async for _ in ws:  # reads the start message and the audio, answers nothing
            pass

    async def serve() -> None:
        async with websockets.serve(swallow, "127.0.0.1", port):
            ready.set()
            while not stop.is_set():
                await asyncio.sleep(0.1)

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(10)
    env = {**os.environ, "SCREENLINE_DATA_DIR": str(tmp_path)}
    try:
        out = subprocess.run(
            _screenline(
                "simulate", "--server", f"ws://127.0.0.1:{port}/ws/call", "--token", "k",
                "--timeout", "3",
            ),
            env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    finally:
        stop.set()
        thread.join(10)
    assert out.returncode == 1, out.stderr[-2000:]
    assert "did not end within 3 s" in out.stderr, out.stderr[-2000:]
    assert "Traceback" not in out.stderr, out.stderr[-2000:]
