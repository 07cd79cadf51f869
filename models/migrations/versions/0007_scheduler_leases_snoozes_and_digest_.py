"""scheduler leases, snoozes and digest subscriptions

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 11:04:50.193436
"""

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "scheduler_leases",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=120), nullable=False),
        sa.Column("expires_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_leases")),
    )
    op.create_table(
        "digest_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_digest_subscriptions_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_digest_subscriptions")),
        sa.UniqueConstraint("team_id", "user_id", name=op.f("uq_digest_subscriptions_team_id_user_id")),
    )
    with op.batch_alter_table("digest_subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_digest_subscriptions_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_digest_subscriptions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "nudge_snoozes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("until", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_nudge_snoozes_project_id_projects"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_nudge_snoozes_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_nudge_snoozes")),
        sa.UniqueConstraint(
            "project_id", "user_id", "period_start", name=op.f("uq_nudge_snoozes_project_id_user_id_period_start")
        ),
    )
    with op.batch_alter_table("nudge_snoozes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_nudge_snoozes_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_nudge_snoozes_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_nudge_snoozes_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_kind_created", ["kind", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_kind_created")

    with op.batch_alter_table("nudge_snoozes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_nudge_snoozes_user_id"))
        batch_op.drop_index(batch_op.f("ix_nudge_snoozes_team_id"))
        batch_op.drop_index(batch_op.f("ix_nudge_snoozes_project_id"))

    op.drop_table("nudge_snoozes")
    with op.batch_alter_table("digest_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digest_subscriptions_user_id"))
        batch_op.drop_index(batch_op.f("ix_digest_subscriptions_team_id"))

    op.drop_table("digest_subscriptions")
    op.drop_table("scheduler_leases")
