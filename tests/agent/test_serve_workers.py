"""``screenline serve --workers N``: N worker processes on one port, as a real subprocess.

Two workers over one PostgreSQL database and the real Redis; two interviews at once through
the one port; SIGTERM to the parent mid-call passes on to both workers, whose calls end with
their reports (``end_reason: shutdown``), and everything exits cleanly. Without PostgreSQL and
Redis the option is refused before anything starts.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent.api.serving import WorkersRefused, worker_environment
from agent.devtools.simulate import simulate
from agent.settings import Settings
from tests.abuse.conftest import FIXTURES, free_port
from tests.conftest import fresh_postgres
from tests.helpers import stored_reports

ROOT = Path(__file__).parents[2]
CLI = str(Path(sys.executable).with_name("screenline"))
STARTED = "Application startup complete."  # uvicorn's line, once per worker


def test_workers_need_postgresql_and_redis(tmp_path: Path) -> None:
    with pytest.raises(WorkersRefused, match="PostgreSQL"):
        worker_environment(Settings(data_dir=tmp_path), 0)
    pg = "postgresql://u@127.0.0.1:1/x"
    with pytest.raises(WorkersRefused, match="REDIS_URL"):
        worker_environment(Settings(data_dir=tmp_path, database_url=pg), 0)
    settings = Settings(data_dir=tmp_path, database_url=pg, redis_url="redis://127.0.0.1:1/0")
    first, second = worker_environment(settings, 0), worker_environment(settings, 1)
    assert first["SCREENLINE_DATA_DIR"] != second["SCREENLINE_DATA_DIR"]  # journals apart
    shared = ("SCREENLINE_REPORTS_DIR", "SCREENLINE_RECORDINGS_DIR", "SCREENLINE_AUTH__SECRET")
    assert all(first[name] == second[name] for name in shared)
    # The CLI says so and exits 2, binding nothing.
    env = {**os.environ, "SCREENLINE_DATA_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    env.pop("SCREENLINE_DATABASE_URL", None)
    done = subprocess.run(
        [CLI, "serve", "--workers", "2"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2 and "PostgreSQL" in done.stderr


@pytest.fixture
def shared_database() -> Iterator[str]:
    yield from fresh_postgres("screenline_workers")


@pytest.mark.slow
@pytest.mark.asyncio(loop_scope="session")
async def test_two_workers_on_one_port_drain_on_sigterm(
    tmp_path: Path, shared_database: str, persona: Any, candidate_voice: Any
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SCREENLINE_PORT": str(port),
        "SCREENLINE_DATA_DIR": str(tmp_path / "data"),
        "SCREENLINE_SCRIPTS_DIR": str(FIXTURES / "scripts"),
        "SCREENLINE_DEFAULT_SCRIPT": "short_en",
        "SCREENLINE_DATABASE_URL": shared_database,
        "SCREENLINE_REDIS_URL": "redis://127.0.0.1:6379/0",
        "SCREENLINE_MONITOR__REDIS_PREFIX": f"screenline-workers-{uuid.uuid4().hex[:8]}:",
    }
    made = subprocess.run(
        [CLI, "keys", "create", "--role", "qa"], env=env, capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip().splitlines()[-1]
    with (tmp_path / "serve.log").open("ab") as log:
        parent = subprocess.Popen([CLI, "serve", "--workers", "2"], env=env, stdout=log, stderr=log)
    try:
        async with asyncio.timeout(600), httpx.AsyncClient() as client:
            while True:
                assert parent.poll() is None, "serve --workers exited during start-up"
                try:
                    if (await client.get(f"http://127.0.0.1:{port}/health")).is_success:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.5)
            # Both workers accept on the port once their start-up (models) is done.
            while (tmp_path / "serve.log").read_text().count(STARTED) < 2:
                assert parent.poll() is None, "serve --workers exited during start-up"
                await asyncio.sleep(0.5)
        events: list[list[dict[str, Any]]] = [[], []]
        heard: set[int] = set()

        def recorder(i: int) -> Any:
            def on_event(msg: dict[str, Any]) -> None:
                events[i].append(msg)
                if msg.get("type") == "transcript" and msg.get("final"):
                    heard.add(i)
                    if heard == {0, 1} and parent.poll() is None:
                        parent.send_signal(signal.SIGTERM)  # both calls are mid-interview

            return on_event

        url = f"ws://127.0.0.1:{port}/ws/call?token={key}"
        await asyncio.gather(
            *(
                simulate(url, persona=persona, voice=candidate_voice, speed=2, on_event=recorder(i))
                for i in range(2)
            )
        )
        assert await asyncio.to_thread(parent.wait, 90) == 0
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
    # Which worker took which call is the kernel's choice; each kept its journals apart.
    assert {p.name for p in (tmp_path / "data" / "workers").iterdir()} <= {"0", "1"}
    ended = [next(e for e in evs if e.get("type") == "call_ended") for evs in events]
    rows = stored_reports(shared_database)
    assert sorted(rows) == sorted(e["report_id"] for e in ended)
    assert all(body["end_reason"] == "shutdown" for body in rows.values())
    # The report files went to the parent's reports directory, shared by both workers.
    assert sorted(p.stem for p in (tmp_path / "data" / "reports").glob("*.json")) == sorted(rows)
