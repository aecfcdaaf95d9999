"""A server per test on its own database (SQLite file or a PostgreSQL database), with a key per
role, started without loading models (these tests exercise only the REST side)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from agent.store.db import Database
from tests.conftest import FIXTURES
from tests.hr.conftest import empty


@dataclass
class HrServer:
    """A running server: its HTTP base URL, settings, database and a key per role."""

    base: str
    settings: Any
    db: Database
    keys: dict[str, str]


@pytest.fixture(scope="module")
def template_report(embed: Any) -> dict[str, Any]:
    from tests.analytics.seed import real_report

    return real_report(embed)


@pytest_asyncio.fixture(loop_scope="session")
async def hr_server(database_url: str, tmp_path: Path) -> AsyncIterator[HrServer]:
    from agent.api.server import create_app
    from agent.auth.keys import Role
    from agent.calls.run import Runtime
    from agent.cli import serve_app
    from agent.settings import Settings
    from agent.store.apikeys import KeyStore

    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=database_url,
        scripts_dir=FIXTURES / "scripts",
        default_script="short_en",
    )
    db = Database(database_url)
    db.upgrade()
    empty(db)
    store = KeyStore(db)
    keys = {str(role): store.create(role, f"tests {role}")[1] for role in Role}
    try:
        async with serve_app(create_app(settings, Runtime(settings), warm=False)) as base:
            yield HrServer(base.replace("ws://", "http://"), settings, db, keys)
    finally:
        empty(db)  # a shared PostgreSQL database is left empty for the next test
        db.dispose()
