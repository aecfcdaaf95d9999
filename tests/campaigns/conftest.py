"""Databases for the campaign tests: a SQLite file, and a fresh PostgreSQL database per test
(127.0.0.1:5432, trust auth), dropped after it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import fresh_postgres


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from fresh_postgres("screenline_cmp")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each store test runs on both backends."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'screenline.db'}"
    url: str = request.getfixturevalue("pg_url")
    return url
