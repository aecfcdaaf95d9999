"""campaigns, call_attempts, dnc, campaign_audit: the durable outbound dialer (issue 15).

Revision ID: c15_campaigns
Revises: 0003_outcomes
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "c15_campaigns"
down_revision = "0003_outcomes"
branch_labels = None
depends_on = None

_ACTIVE = sa.text("state IN ('claimed', 'dialling', 'in_call')")


def upgrade() -> None:
    tz = sa.DateTime(timezone=True)
    op.create_table(
        "campaigns",
        sa.Column("campaign_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("job_id", sa.String(64), nullable=True),
        sa.Column("script_id", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("policy", sa.JSON(), nullable=False),
        sa.Column("max_concurrent", sa.Integer(), nullable=False),
        sa.Column("calls_per_second", sa.Float(), nullable=False),
        sa.Column("next_dial_at", tz, nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("created_at", tz, nullable=False),
        sa.Column("updated_at", tz, nullable=False),
        sa.Column("finished_at", tz, nullable=True),
        sa.PrimaryKeyConstraint("campaign_id", name=op.f("pk_campaigns")),
    )
    op.create_index(op.f("ix_campaigns_job_id"), "campaigns", ["job_id"])
    op.create_table(
        "call_attempts",
        sa.Column("attempt_id", sa.String(32), nullable=False),
        sa.Column("campaign_id", sa.String(32), nullable=False),
        sa.Column("candidate_id", sa.String(64), nullable=False),
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("attempt_no", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("due_at", tz, nullable=False),
        sa.Column("worker", sa.String(64), nullable=True),
        sa.Column("lease_until", tz, nullable=True),
        sa.Column("carrier_sid", sa.String(64), nullable=True),
        sa.Column("answered_by", sa.String(32), nullable=True),
        sa.Column("dialled_at", tz, nullable=True),
        sa.Column("ended_at", tz, nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("consent_at", tz, nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.campaign_id"],
            name=op.f("fk_call_attempts_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attempt_id", name=op.f("pk_call_attempts")),
        sa.UniqueConstraint(
            "campaign_id", "candidate_id", "attempt_no", name=op.f("uq_call_attempts_campaign_id")
        ),
        sa.UniqueConstraint("carrier_sid", name=op.f("uq_call_attempts_carrier_sid")),
    )
    op.create_index(op.f("ix_call_attempts_campaign_id"), "call_attempts", ["campaign_id"])
    op.create_index("ix_call_attempts_due", "call_attempts", ["state", "due_at"])
    op.create_index(
        "uq_call_attempts_live_phone",
        "call_attempts",
        ["phone"],
        unique=True,
        postgresql_where=_ACTIVE,
        sqlite_where=_ACTIVE,
    )
    op.create_table(
        "dnc",
        sa.Column("phone", sa.String(32), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("candidate_id", sa.String(64), nullable=True),
        sa.Column("added_at", tz, nullable=False),
        sa.PrimaryKeyConstraint("phone", name=op.f("pk_dnc")),
    )
    op.create_table(
        "campaign_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", tz, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("campaign_id", sa.String(32), nullable=False),
        sa.Column("attempt_id", sa.String(32), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_audit")),
    )
    op.create_index(op.f("ix_campaign_audit_at"), "campaign_audit", ["at"])
    op.create_index(op.f("ix_campaign_audit_campaign_id"), "campaign_audit", ["campaign_id"])


def downgrade() -> None:
    op.drop_table("campaign_audit")
    op.drop_table("dnc")
    op.drop_index("uq_call_attempts_live_phone", table_name="call_attempts")
    op.drop_table("call_attempts")
    op.drop_table("campaigns")
