"""The key store on SQLite and PostgreSQL: migrations, create / list / revoke / authenticate."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select

from agent.auth.keys import Role, split_key
from agent.store.apikeys import KeyStore
from agent.store.db import Database, head_revision
from agent.store.tables import ApiKey


def test_migrations_create_the_schema_and_are_idempotent(db: Database) -> None:
    assert db.current_revision() == head_revision()
    db.upgrade()  # a second start-up changes nothing
    assert db.current_revision() == head_revision()
    assert "api_keys" in inspect(db.engine).get_table_names()


def test_keys_are_stored_hashed_and_authenticate(db: Database) -> None:
    store = KeyStore(db)
    info, key = store.create(Role.RECRUITER, "hr system")
    parts = split_key(key)
    assert parts is not None and parts[0] == info.key_id
    with db.session() as session:
        row = session.scalars(select(ApiKey)).one()
        # Neither the key nor its secret part is stored; only a salted digest of it.
        assert parts[1].encode() not in row.digest and len(row.digest) == 32
        assert len(row.salt) == 16
    found = store.authenticate(key)
    assert found is not None and (found.key_id, found.role) == (info.key_id, Role.RECRUITER)
    secret = parts[1]
    other = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    assert store.authenticate(f"slk_{info.key_id}_{other}") is None  # wrong secret
    assert store.authenticate(f"slk_{'0' * 12}_{secret}") is None  # unknown id
    assert store.authenticate("not a key") is None
    assert store.authenticate("") is None


def test_two_keys_with_one_secret_have_different_digests(db: Database) -> None:
    store = KeyStore(db)
    store.create(Role.QA)
    store.create(Role.QA)
    with db.session() as session:
        salts = [row.salt for row in session.scalars(select(ApiKey))]
    assert len(set(salts)) == 2


def test_revoked_key_stops_working_and_stays_listed(db: Database) -> None:
    store = KeyStore(db)
    admin, admin_key = store.create(Role.ADMIN, "first admin")
    qa, qa_key = store.create(Role.QA, "qa desk")
    assert store.revoke(qa.key_id) is True
    assert store.revoke(qa.key_id) is False  # already revoked
    assert store.revoke("ffffffffffff") is False
    assert store.authenticate(qa_key) is None
    assert store.authenticate(admin_key) is not None
    listed = {k.key_id: k for k in store.list()}
    assert set(listed) == {admin.key_id, qa.key_id}
    assert listed[qa.key_id].revoked_at is not None and listed[admin.key_id].revoked_at is None
    assert listed[admin.key_id].name == "first admin"


def test_unknown_role_and_long_name_are_refused(db: Database) -> None:
    store = KeyStore(db)
    with pytest.raises(ValueError):
        store.create("root")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        store.create(Role.QA, "x" * 201)
    assert store.list() == []


def test_sqlite_file_is_owner_only(tmp_path: object) -> None:
    import os
    import stat
    from pathlib import Path

    path = Path(str(tmp_path)) / "sub" / "screenline.db"
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    KeyStore(database).create(Role.QA)
    database.dispose()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_workers_migrating_at_once_all_succeed(database_url: str) -> None:
    """Several workers start together: each runs the migrations, none fails, one schema."""
    from concurrent.futures import ThreadPoolExecutor

    databases = [Database(database_url) for _ in range(4)]
    try:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda d: d.upgrade(), databases))
        assert {d.current_revision() for d in databases} == {head_revision()}
    finally:
        databases[0].downgrade("base")
        for d in databases:
            d.dispose()
