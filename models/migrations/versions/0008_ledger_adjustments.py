"""ledger adjustments

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 11:36:24.445467
"""

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_adjustments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=32), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_ledger_adjustments_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_adjustments")),
    )
    with op.batch_alter_table("ledger_adjustments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ledger_adjustments_month"), ["month"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_adjustments_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ledger_adjustments_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ledger_adjustments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_adjustments_user_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_adjustments_team_id"))
        batch_op.drop_index(batch_op.f("ix_ledger_adjustments_month"))

    op.drop_table("ledger_adjustments")
