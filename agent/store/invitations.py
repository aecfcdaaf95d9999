"""Spent invitation links (``invitation_uses``): redeem once, atomically across workers."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from agent.store.db import Database
from agent.store.tables import InvitationUse


def token_id(token: str) -> str:
    """The stored name of a token: a digest, so the table holds nothing that opens a call."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class InvitationStore:
    """The ``invitation_uses`` table."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def redeem(self, token: str, candidate_id: str, expires_at: int) -> bool:
        """Mark ``token`` used; False when it was used before (the primary key decides, so
        two workers redeeming one link at once cannot both win)."""
        row = InvitationUse(
            token_id=token_id(token),
            candidate_id=candidate_id[:32],
            used_at=datetime.now(UTC),
            expires_at=datetime.fromtimestamp(expires_at, UTC),
        )
        try:
            with self.db.session() as session:
                session.add(row)
        except IntegrityError:
            return False
        return True

    def release(self, token: str) -> None:
        """Undo a redemption whose interview never started (its offer could not be answered)."""
        with self.db.session() as session:
            session.execute(delete(InvitationUse).where(InvitationUse.token_id == token_id(token)))

    def used(self, token: str) -> bool:
        """Whether ``token`` has been redeemed."""
        with self.db.session() as session:
            found = session.scalar(
                select(InvitationUse.token_id).where(InvitationUse.token_id == token_id(token))
            )
            return found is not None
