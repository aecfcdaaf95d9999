"""Nothing lost on a crash, and a clean drain on SIGTERM: the server as a real subprocess.

kill -9 in the middle of a simulated interview, restart: the call's journal becomes an
incomplete report (``end_reason: crashed``) holding every candidate turn the client saw
transcribed. Then SIGTERM during a call on the restarted server: the caller gets ``call_ended``
with its report id, the report says ``shutdown``, and the process exits.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from agent.devtools.simulate import simulate
from agent.store.db import Database
from agent.store.tables import CallTurn, ReportRow
from tests.abuse.conftest import FIXTURES, free_port

ROOT = Path(__file__).parents[2]
pytestmark = [pytest.mark.slow, pytest.mark.asyncio(loop_scope="session")]


class ServerProcess:
    """``screenline serve`` on a loopback port with its own data directory (``env``: more
    settings, e.g. a shared database for the scale-out test)."""

    def __init__(self, data_dir: Path, log: Path, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.data_dir = data_dir
        self.env = env = {
            **os.environ,
            "SCREENLINE_PORT": str(self.port),
            "SCREENLINE_DATA_DIR": str(data_dir),
            "SCREENLINE_SCRIPTS_DIR": str(FIXTURES / "scripts"),
            "SCREENLINE_DEFAULT_SCRIPT": "short_en",
            "SCREENLINE_LIMITS__DRAIN_GRACE_S": "20",
            # This checkout's code, not whichever one the shared virtual environment's
            # editable install points at (the console script does not look in the cwd).
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            **(env or {}),
        }
        self.log = log.open("ab")
        cli = str(Path(sys.executable).with_name("screenline"))
        # A qa key made the way the README says, so the calls authenticate like any client's.
        made = subprocess.run(
            [cli, "keys", "create", "--role", "qa"], env=env, capture_output=True, text=True
        )
        assert made.returncode == 0, made.stderr
        self.key = made.stdout.strip().splitlines()[-1]
        self.proc = subprocess.Popen([cli, "serve"], env=env, stdout=self.log, stderr=self.log)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/call?token={self.key}"

    async def ready(self, timeout_s: float = 600.0) -> None:
        async with asyncio.timeout(timeout_s), httpx.AsyncClient() as client:
            while True:
                assert self.proc.poll() is None, "server exited during start-up"
                try:
                    if (await client.get(f"http://127.0.0.1:{self.port}/health")).is_success:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.5)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.log.close()


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[ServerProcess]]:
    started: list[ServerProcess] = []
    yield started
    for server in started:
        server.stop()


def reports(data_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in (data_dir / "reports").glob("*.json")]


async def test_kill_9_mid_interview_then_restart_keeps_every_finished_turn(
    servers: list[ServerProcess], tmp_path: Path, persona: Any, candidate_voice: Any
) -> None:
    data_dir = tmp_path / "data"
    first = ServerProcess(data_dir, tmp_path / "server.log")
    servers.append(first)
    await first.ready()

    heard: list[str] = []
    call_ids: list[str] = []

    def on_event(msg: dict[str, Any]) -> None:
        if msg.get("type") == "ready":
            call_ids.append(msg["call_id"])
        if msg.get("type") == "transcript" and msg.get("final"):
            heard.append(msg["text"])
            if len(heard) == 2:
                first.proc.send_signal(signal.SIGKILL)  # mid-interview, no chance to clean up

    await simulate(first.url, persona=persona, voice=candidate_voice, speed=2, on_event=on_event)
    first.proc.wait()
    assert len(heard) == 2 and call_ids
    assert reports(data_dir) == []  # nothing was written at the end: there was no end
    journal = data_dir / "journals" / f"{call_ids[0]}.jsonl"
    assert journal.is_file() and oct(journal.stat().st_mode & 0o777) == "0o600"
    # The database lost nothing already said either: each answer heard is a stored turn.
    database = Database(f"sqlite:///{data_dir / 'screenline.db'}")
    with database.session() as session:
        stored = list(session.scalars(select(CallTurn).where(CallTurn.call_id == call_ids[0])))
    assert [t.text for t in stored if t.speaker == "candidate"] == heard

    second = ServerProcess(data_dir, tmp_path / "server.log")
    servers.append(second)
    await second.ready()
    (report,) = reports(data_dir)
    assert report["report_id"] == call_ids[0]
    assert report["end_reason"] == "crashed" and report["complete"] is False
    said = [t["text"] for t in report["turns"] if t["speaker"] == "candidate"]
    assert said == heard
    assert not journal.exists()
    with database.session() as session:  # recovery stored the report row too
        row = session.get(ReportRow, call_ids[0])
        assert row is not None and row.body["end_reason"] == "crashed"
    database.dispose()

    # SIGTERM while a call runs: the caller hears the end and gets its report id.
    events: list[dict[str, Any]] = []

    def on_event_2(msg: dict[str, Any]) -> None:
        events.append(msg)
        if msg.get("type") == "bot_said" and len(events) < 4:
            second.proc.send_signal(signal.SIGTERM)

    await simulate(second.url, persona=persona, voice=candidate_voice, speed=2, on_event=on_event_2)
    ended = [e for e in events if e.get("type") == "call_ended"]
    assert ended, events
    # uvicorn re-raises the signal once shut down cleanly, so the status may read -SIGTERM.
    assert await asyncio.to_thread(second.proc.wait, 60) in (0, -signal.SIGTERM)
    drained = json.loads((data_dir / "reports" / f"{ended[0]['report_id']}.json").read_text())
    assert drained["end_reason"] == "shutdown"
