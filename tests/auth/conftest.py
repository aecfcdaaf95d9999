"""Databases for the store tests: a SQLite file, and a fresh PostgreSQL database on the local
server (127.0.0.1:5432, trust auth) created for the test run and dropped after it."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    psycopg = pytest.importorskip("psycopg")
    name = f"screenline_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        # .ci/run starts PostgreSQL: there its absence is a failure, not a skip.
        if os.environ.get("CI"):
            pytest.fail(f"no PostgreSQL at 127.0.0.1:5432 ({exc})")
        pytest.skip(f"no PostgreSQL at 127.0.0.1:5432 ({exc}); .ci/run starts it")
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield f"postgresql://postgres@127.0.0.1:5432/{name}"
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs on both backends (PostgreSQL: one fresh database per test run;
    the store fixture downgrades it to empty after each test)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'screenline.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url
