"""outbox: when a row was first and last tried, whether an attempt's outcome is unknown, 429s, when it died

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 10:00:00
"""

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rate_limited", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("uncertain", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("first_attempt_at", models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("last_attempt_at", models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("dead_at", models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_outbox_dead", ["status", "dead_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_dead")
        batch_op.drop_column("dead_at")
        batch_op.drop_column("last_attempt_at")
        batch_op.drop_column("first_attempt_at")
        batch_op.drop_column("uncertain")
        batch_op.drop_column("rate_limited")
