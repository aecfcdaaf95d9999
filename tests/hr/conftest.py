"""HR-side fixtures: migrated databases on SQLite and PostgreSQL (a fresh PostgreSQL database
per test module, dropped after it; rows emptied between tests), a real server on a loopback
port per module and backend with one key per role, a job with screening rules, and a CSV
generator for candidate imports (:func:`candidates_csv`)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import delete

from agent.devtools.candidates import HOME_AGENT_RULES, candidate_rows, candidates_csv
from agent.settings import Settings
from agent.store.db import Database
from agent.store.tables import ApiKey, Base
from tests.conftest import FIXTURES
from tests.conftest import fresh_postgres as _fresh_postgres

__all__ = ["HOME_AGENT_RULES", "candidate_rows", "candidates_csv"]


def empty(db: Database, *, keep_keys: bool = False) -> None:
    """Delete every row (children first), leaving the schema in place for the next test."""
    with db.session() as session:
        for table in reversed(Base.metadata.sorted_tables):
            if keep_keys and table is ApiKey.__table__:
                continue
            session.execute(delete(table))


def fresh_postgres() -> Iterator[str]:
    """A new PostgreSQL database for one test module, dropped after it."""
    yield from _fresh_postgres("screenline_hr")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One database per test module and backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('hr-db') / 'screenline.db'}"
    else:
        yield from fresh_postgres()


@pytest.fixture
def db(module_database_url: str) -> Iterator[Database]:
    """The module's database, migrated and empty at the start of each test."""
    database = Database(module_database_url)
    database.upgrade()
    empty(database)
    try:
        yield database
    finally:
        database.dispose()


@dataclass
class HRServer:
    """A running server for the HR tests: its base URL, settings, database and keys."""

    base: str
    settings: Settings
    db: Database
    keys: dict[str, str]
    runtime: Any

    def client(self, role: str | None = "recruiter") -> httpx.AsyncClient:
        """An HTTP client authenticated as ``role`` (None: no key)."""
        headers = {"Authorization": f"Bearer {self.keys[role]}"} if role else {}
        return httpx.AsyncClient(base_url=self.base, headers=headers, timeout=60)


def hr_settings(data_dir: Path, database_url: str, **overrides: Any) -> Settings:
    """Settings of an HR test server (the test scripts, short_en by default)."""
    return Settings(
        data_dir=data_dir,
        scripts_dir=FIXTURES / "scripts",
        default_script="short_en",
        database_url=database_url,
        **overrides,
    )


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def hr_server(
    module_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[HRServer]:
    """A real server on 127.0.0.1 (models not warmed: these tests make no calls) with one
    key per role; the HR rows are emptied before each test by :func:`hr`."""
    from agent.api.server import create_app
    from agent.auth.keys import Role
    from agent.calls.run import Runtime
    from agent.cli import serve_app
    from agent.store.apikeys import KeyStore

    settings = hr_settings(tmp_path_factory.mktemp("hr-data"), module_database_url)
    runtime_ = Runtime(settings)  # its models load lazily; these tests make no calls
    runtime_.db.upgrade()
    keys = {str(role): KeyStore(runtime_.db).create(role, f"hr {role}")[1] for role in Role}
    app = create_app(settings, runtime_, warm=False)
    async with serve_app(app) as ws_base:
        yield HRServer(ws_base.replace("ws://", "http://"), settings, runtime_.db, keys, runtime_)
    runtime_.db.dispose()


@pytest.fixture
def hr(hr_server: HRServer) -> HRServer:
    """The module's server with its HR rows emptied (keys kept)."""
    empty(hr_server.db, keep_keys=True)
    return hr_server


def store_call(
    target: HRServer | Database,
    candidate_id: str,
    *,
    tier: str = "pending",
    score: float = 60.0,
    said: str = "I worked two years in a call centre.",
    files: bool = True,
) -> str:
    """A finished call as run_call leaves it (calls, turns, report row, interview.completed,
    and, on a server with ``files``, the report file, a recording and a leftover journal); its
    id."""
    from agent.reports.report import CallRecord, Turn
    from agent.store.calls import CallStore

    record = CallRecord(
        call_id=uuid.uuid4().hex,
        candidate_id=candidate_id,
        script_id="short_en",
        script_version="test-1",
        script_hash="0" * 64,
        language="en",
        transport="ws",
    )
    db = target.db if isinstance(target, HRServer) else target
    store = CallStore(db)
    link = store.start(record)
    turns = [Turn("interviewer", "Tell me about your experience.", 0.0, 2.0, "experience")]
    turns.append(Turn("candidate", said, 2.5, 6.0, "experience"))
    for seq, turn in enumerate(turns):
        record.turns.append(turn)
        store.turn(record.call_id, seq, turn)
    record.outcome, record.complete, record.end_reason = "completed", True, "completed"
    record.ended_at = record.started_at
    report = record.to_report()
    report["scores"] = {"tier": tier, "total": score, "dimensions": []}
    store.finish(report, link)
    if files and isinstance(target, HRServer):
        server = target
        server.runtime.reports.save(report)
        recordings = server.settings.data_dir / "recordings"
        recordings.mkdir(parents=True, exist_ok=True)
        (recordings / f"{record.call_id}.wav").write_bytes(b"RIFF")
        journals = server.settings.data_dir / "journals"
        journals.mkdir(parents=True, exist_ok=True)
        (journals / f"{record.call_id}.jsonl").write_text("{}\n")
    return record.call_id
