"""Alembic environment: runs on the connection :meth:`agent.store.db.Database.upgrade` passes."""

from __future__ import annotations

from alembic import context

from agent.store.tables import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through agent.store.db.Database.upgrade")
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
)
with context.begin_transaction():
    context.run_migrations()
