"""HR-side fixtures: a migrated database on SQLite and PostgreSQL (emptied after each test), a
job with screening rules, and a CSV generator for candidate imports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import delete

from agent.store.db import Database
from agent.store.tables import Base


def empty(db: Database) -> None:
    """Delete every row (children first), leaving the schema in place for the next test."""
    with db.session() as session:
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    database.upgrade()
    empty(database)
    try:
        yield database
    finally:
        empty(database)
        database.dispose()
