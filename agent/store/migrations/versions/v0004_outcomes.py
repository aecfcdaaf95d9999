"""outcomes: post-hire outcomes per candidate (issue 14 item 5).

Revision ID: 0003_outcomes
Revises: 0003_delivery
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_outcomes"
down_revision = "0003_delivery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outcomes",
        sa.Column("outcome_id", sa.String(32), nullable=False),
        sa.Column("candidate_id", sa.String(32), nullable=False),
        sa.Column("performance_rating", sa.Float(), nullable=True),
        sa.Column("complaint_rate", sa.Float(), nullable=True),
        sa.Column("retained_90d", sa.Boolean(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.candidate_id"],
            name=op.f("fk_outcomes_candidate_id_candidates"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("outcome_id", name=op.f("pk_outcomes")),
    )
    op.create_index(op.f("ix_outcomes_candidate_id"), "outcomes", ["candidate_id"])
    op.create_index(op.f("ix_outcomes_recorded_at"), "outcomes", ["recorded_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_outcomes_recorded_at"), table_name="outcomes")
    op.drop_index(op.f("ix_outcomes_candidate_id"), table_name="outcomes")
    op.drop_table("outcomes")
