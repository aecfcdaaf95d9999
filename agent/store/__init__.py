"""The product database (DESIGN.md decision 9): SQLAlchemy 2 tables, repositories and Alembic
migrations. SQLite file under the data dir by default, PostgreSQL by ``SCREENLINE_DATABASE_URL``;
the same tables, migrations and tests for both.

- :mod:`agent.store.db` — engine and session handling, ``upgrade`` (migrations to head).
- :mod:`agent.store.tables` — the declarative tables (one ``Base.metadata``).
- :mod:`agent.store.apikeys` — API keys: create, list, revoke, authenticate.
"""
