"""The outcomes migration on SQLite and PostgreSQL: it creates the table with its cascade to
candidates, and undoes cleanly to the HR schema beneath it."""

from __future__ import annotations

from sqlalchemy import inspect

from agent.store.db import Database, _alembic_config, head_revision

REVISION = "0003_outcomes"


def _below() -> str:
    """The revision under ours (whatever the merged chain makes it)."""
    from alembic.script import ScriptDirectory

    down = ScriptDirectory.from_config(_alembic_config()).get_revision(REVISION).down_revision
    assert isinstance(down, str)
    return down


def test_outcomes_migration_up_down_up(database_url: str) -> None:
    db = Database(database_url)
    try:
        db.upgrade()
        assert db.current_revision() == head_revision()
        info = inspect(db.engine)
        assert "outcomes" in info.get_table_names()
        (fk,) = info.get_foreign_keys("outcomes")
        assert fk["referred_table"] == "candidates" and fk["options"].get("ondelete") == "CASCADE"
        assert {i["name"] for i in info.get_indexes("outcomes")} >= {
            "ix_outcomes_candidate_id",
            "ix_outcomes_recorded_at",
        }
        db.downgrade(_below())
        assert "outcomes" not in inspect(db.engine).get_table_names()
        assert "candidates" in inspect(db.engine).get_table_names()
        db.upgrade()
        assert db.current_revision() == head_revision()
    finally:
        db.upgrade()  # leave a shared database at head for the next test
        db.dispose()
