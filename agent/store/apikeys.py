"""API keys in the database: create (the secret is returned once), list, revoke, authenticate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from agent.auth.keys import Role, matches, new_key, split_key
from agent.store.db import Database
from agent.store.tables import ApiKey

MAX_NAME = 200


@dataclass(frozen=True)
class KeyInfo:
    """What ``keys list`` shows of a key (never its secret)."""

    key_id: str
    name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None


def _info(row: ApiKey) -> KeyInfo:
    return KeyInfo(row.key_id, row.name, Role(row.role), row.created_at, row.revoked_at)


class KeyStore:
    """The ``api_keys`` table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def create(self, role: Role, name: str = "") -> tuple[KeyInfo, str]:
        """A new key for ``role``: its listing and the key text (shown once, stored hashed)."""
        if len(name) > MAX_NAME:
            raise ValueError(f"key name longer than {MAX_NAME} characters")
        made = new_key()
        row = ApiKey(
            key_id=made.key_id,
            name=name,
            role=str(Role(role)),
            salt=made.salt,
            digest=made.digest,
            created_at=datetime.now(UTC),
        )
        with self.db.session() as session:
            session.add(row)
        return _info(row), made.secret_text

    def list(self) -> list[KeyInfo]:
        """Every key, revoked ones too, oldest first."""
        with self.db.session() as session:
            rows = session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.key_id))
            return [_info(row) for row in rows]

    def revoke(self, key_id: str) -> bool:
        """Revoke a key (it stops working at once); False when there is no such live key."""
        with self.db.session() as session:
            row = session.get(ApiKey, key_id)
            if row is None or row.revoked_at is not None:
                return False
            row.revoked_at = datetime.now(UTC)
            return True

    def active(self, key_id: str) -> KeyInfo | None:
        """The live (not revoked) key with this id, or None: for a ticket minted from it."""
        with self.db.session() as session:
            row = session.get(ApiKey, key_id[:32])
            return None if row is None or row.revoked_at is not None else _info(row)

    def authenticate(self, text: str) -> KeyInfo | None:
        """The live key ``text`` is, or None (malformed, unknown, wrong secret or revoked)."""
        parts = split_key(text)
        if parts is None:
            return None
        key_id, secret = parts
        with self.db.session() as session:
            row = session.get(ApiKey, key_id)
            if row is None or not matches(row.salt, row.digest, secret):
                return None
            if row.revoked_at is not None:
                return None
            return _info(row)
