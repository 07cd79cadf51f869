"""team id on project members and departments; shared per-channel delivery pacing

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCOPED = ("project_members", "project_departments")


def upgrade() -> None:
    for table in SCOPED:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(sa.Column("team_id", sa.String(length=32), nullable=True))
        op.execute(f"UPDATE {table} SET team_id = (SELECT p.team_id FROM projects p WHERE p.id = {table}.project_id)")
        with op.batch_alter_table(table) as batch_op:
            batch_op.alter_column("team_id", existing_type=sa.String(length=32), nullable=False)
            batch_op.create_index(batch_op.f(f"ix_{table}_team_id"), ["team_id"], unique=False)

    op.create_table(
        "outbox_channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("not_before", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_channels")),
        sa.UniqueConstraint("team_id", "channel", name=op.f("uq_outbox_channels_team_id_channel")),
    )
    with op.batch_alter_table("outbox_channels") as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_channels_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox_channels") as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_channels_team_id"))
    op.drop_table("outbox_channels")
    for table in reversed(SCOPED):
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_team_id"))
            batch_op.drop_column("team_id")
