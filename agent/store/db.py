"""Engine and session handling for the product database, and its migrations.

One :class:`Database` per process and URL: it owns the engine (a connection pool) and hands out
short sessions (``with db.session() as s: ...``, committed on success, rolled back on error).
The schema is Alembic's job alone: :meth:`Database.upgrade` runs the migrations in
``agent/store/migrations`` to head, at server start-up and by ``screenline db upgrade``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from agent.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"
#: PostgreSQL advisory lock held while migrating (any constant the product does not reuse).
_LOCK_KEY = 0x5C12EE11


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL: readers do not block the writer; a busy timeout instead of "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _private_file(path: Path) -> None:
    """Create the SQLite file owner-only (0600) before SQLite does (it holds key digests and,
    later, candidates' data); SQLite gives its -wal/-shm files the same mode."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


class Database:
    """The engine and session factory for one database URL."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3, not psycopg2
        self.url = parsed
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            _private_file(Path(str(parsed.database)))
        self.engine: Engine = create_engine(parsed, pool_pre_ping=True)
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        """The database ``settings`` name."""
        return cls(settings.resolved_database_url)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed when the block ends normally, rolled back when it raises."""
        with self._sessions() as session, session.begin():
            yield session

    def upgrade(self, revision: str = "head") -> None:
        """Run the migrations up to ``revision`` (idempotent)."""
        from alembic import command

        self._migrate(command.upgrade, revision)

    def downgrade(self, revision: str) -> None:
        """Undo migrations down to ``revision`` (``"base"``: an empty database)."""
        from alembic import command

        self._migrate(command.downgrade, revision)

    def _migrate(self, step: Any, revision: str) -> None:
        with self._sqlite_migration_lock(), self.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                # Workers starting together migrate one at a time; the rest then find it done.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            config = _alembic_config()
            config.attributes["connection"] = connection
            step(config, revision)

    def current_revision(self) -> str | None:
        """The revision the database is at (None before the first migration)."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    @contextmanager
    def _sqlite_migration_lock(self) -> Iterator[None]:
        """SQLite runs DDL outside the driver's transaction, so two processes migrating one
        file at once would both create the tables: a lock file next to it makes them queue."""
        database = self.url.database
        if self.url.get_backend_name() != "sqlite" or database in (None, "", ":memory:"):
            yield
            return
        lock_path = Path(str(database)).with_name(Path(str(database)).name + ".migrate-lock")
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _alembic_config() -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest migration's revision id (what :meth:`Database.upgrade` brings a database to)."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def open_database(settings: Settings) -> Database:
    """The settings' database, migrated to head."""
    db = Database.from_settings(settings)
    db.upgrade()
    return db
