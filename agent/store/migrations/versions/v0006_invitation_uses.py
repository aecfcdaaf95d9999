"""invitation_uses: invitation links are single-use (issue 12 follow-up).

Revision ID: 0006_invitation_uses
Revises: c15_campaigns
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_invitation_uses"
down_revision = "c15_campaigns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "invitation_uses",
        sa.Column("token_id", sa.String(64), nullable=False),
        sa.Column("candidate_id", sa.String(32), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_invitation_uses")),
    )
    op.create_index(op.f("ix_invitation_uses_candidate_id"), "invitation_uses", ["candidate_id"])
    op.create_index(op.f("ix_invitation_uses_expires_at"), "invitation_uses", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_invitation_uses_expires_at"), table_name="invitation_uses")
    op.drop_index(op.f("ix_invitation_uses_candidate_id"), table_name="invitation_uses")
    op.drop_table("invitation_uses")
