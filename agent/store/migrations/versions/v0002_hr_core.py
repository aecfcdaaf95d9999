"""hr core: jobs, candidates, calls and turns, reports, reviews, audit log, outbox.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("job_id", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("script_id", sa.String(100), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("eligibility_rules", sa.JSON(), nullable=False),
        sa.Column("follow_up_rules", sa.JSON(), nullable=False),
        sa.Column("review_required", sa.Boolean(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("job_id", name=op.f("pk_jobs")),
    )
    op.create_table(
        "candidates",
        sa.Column("candidate_id", sa.String(32), nullable=False),
        sa.Column("job_id", sa.String(64), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("phone", sa.String(16), nullable=True),
        sa.Column("timezone", sa.String(64), nullable=True),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("consent_at", TZ, nullable=True),
        sa.Column("attributes", sa.JSON(), nullable=False),
        sa.Column("eligibility", sa.String(16), nullable=False),
        sa.Column("eligibility_rule", sa.String(200), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["job_id"], ["jobs.job_id"], name=op.f("fk_candidates_job_id_jobs")
        ),
        sa.PrimaryKeyConstraint("candidate_id", name=op.f("pk_candidates")),
        sa.UniqueConstraint("job_id", "external_id", name="uq_candidates_job_external"),
    )
    op.create_index(op.f("ix_candidates_job_id"), "candidates", ["job_id"])
    op.create_table(
        "calls",
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("candidate_id", sa.String(32), nullable=True),
        sa.Column("job_id", sa.String(64), nullable=True),
        sa.Column("script_id", sa.String(100), nullable=False),
        sa.Column("transport", sa.String(32), nullable=False),
        sa.Column("started_at", TZ, nullable=False),
        sa.Column("ended_at", TZ, nullable=True),
        sa.Column("end_reason", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.candidate_id"],
            name=op.f("fk_calls_candidate_id_candidates"),
        ),
        sa.PrimaryKeyConstraint("call_id", name=op.f("pk_calls")),
    )
    op.create_index(op.f("ix_calls_candidate_id"), "calls", ["candidate_id"])
    op.create_index(op.f("ix_calls_job_id"), "calls", ["job_id"])
    op.create_index(op.f("ix_calls_started_at"), "calls", ["started_at"])
    op.create_table(
        "call_turns",
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("speaker", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("question_id", sa.String(100), nullable=True),
        sa.Column("start_s", sa.Float(), nullable=True),
        sa.Column("end_s", sa.Float(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"],
            ["calls.call_id"],
            name=op.f("fk_call_turns_call_id_calls"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("call_id", "seq", name=op.f("pk_call_turns")),
    )
    op.create_table(
        "reports",
        sa.Column("report_id", sa.String(64), nullable=False),
        sa.Column("candidate_id", sa.String(32), nullable=True),
        sa.Column("job_id", sa.String(64), nullable=True),
        sa.Column("tier", sa.String(32), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("reviewed_tier", sa.String(32), nullable=True),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["candidate_id"],
            ["candidates.candidate_id"],
            name=op.f("fk_reports_candidate_id_candidates"),
        ),
        sa.PrimaryKeyConstraint("report_id", name=op.f("pk_reports")),
    )
    op.create_index(op.f("ix_reports_candidate_id"), "reports", ["candidate_id"])
    op.create_index(op.f("ix_reports_tier"), "reports", ["tier"])
    op.create_index(op.f("ix_reports_created_at"), "reports", ["created_at"])
    op.create_index("ix_reports_job_created", "reports", ["job_id", "created_at"])
    op.create_table(
        "reviews",
        sa.Column("review_id", sa.String(32), nullable=False),
        sa.Column("report_id", sa.String(64), nullable=False),
        sa.Column("reviewer", sa.String(64), nullable=False),
        sa.Column("tier", sa.String(32), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.report_id"],
            name=op.f("fk_reviews_report_id_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("review_id", name=op.f("pk_reviews")),
    )
    op.create_index(op.f("ix_reviews_report_id"), "reviews", ["report_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject_type", sa.String(32), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_at"), "audit_log", ["at"])
    op.create_table(
        "outbox",
        sa.Column("event_id", sa.String(32), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("idempotency_key", sa.String(200), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_idempotency_key")),
    )
    op.create_index(op.f("ix_outbox_type"), "outbox", ["type"])
    op.create_index(op.f("ix_outbox_created_at"), "outbox", ["created_at"])


def downgrade() -> None:
    for table in ("outbox", "audit_log", "reviews", "reports", "call_turns", "calls"):
        op.drop_table(table)
    op.drop_table("candidates")
    op.drop_table("jobs")
