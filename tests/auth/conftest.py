"""Access-control test servers, and a migrated database per backend (``db``) on the
``database_url`` of tests/conftest.py."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent.store.db import Database
from tests.conftest import FIXTURES


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    """A database at the head revision; migrated back down afterwards (the migrations undo
    cleanly, and the next test starts empty)."""
    database = Database(database_url)
    database.upgrade()
    try:
        yield database
    finally:
        database.downgrade("base")
        database.dispose()


@dataclass
class AuthServer:
    """A real server on 127.0.0.1 (models not warmed) with one key per role."""

    http: str
    keys: dict[str, str]
    app: Any

    @property
    def ws(self) -> str:
        return self.http.replace("http://", "ws://")

    def client(self, role: str | None = None) -> httpx.AsyncClient:
        """An HTTP client, authenticated as ``role`` (None: no key)."""
        headers = {"Authorization": f"Bearer {self.keys[role]}"} if role else {}
        return httpx.AsyncClient(base_url=self.http, headers=headers, timeout=60)


@contextlib.asynccontextmanager
async def auth_server(data_dir: Path, **settings: Any) -> AsyncIterator[AuthServer]:
    """Serve a Screenline app with ``settings`` (over the test scripts) on a loopback port."""
    from agent.api.server import create_app
    from agent.auth.keys import Role
    from agent.calls.run import Runtime
    from agent.cli import serve_app
    from agent.settings import Settings
    from agent.store.apikeys import KeyStore

    config = Settings(
        data_dir=data_dir, scripts_dir=FIXTURES / "scripts", default_script="short_en", **settings
    )
    runtime = Runtime(config)  # models load lazily; these servers make no calls
    runtime.db.upgrade()
    keys = {str(role): KeyStore(runtime.db).create(role, f"auth {role}")[1] for role in Role}
    app = create_app(config, runtime, warm=False)
    try:
        async with serve_app(app) as ws_base:
            yield AuthServer(ws_base.replace("ws://", "http://"), keys, app)
    finally:
        runtime.db.dispose()
