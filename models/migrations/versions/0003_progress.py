"""progress updates; project cadence and time zone

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch_op:
        batch_op.add_column(
            sa.Column(
                "cadence",
                sa.Enum(
                    "daily", "weekly", "biweekly", name="cadence", native_enum=False, create_constraint=True, length=16
                ),
                nullable=False,
                server_default="weekly",
            )
        )
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=False, server_default="Asia/Seoul"))
    with op.batch_alter_table("projects") as batch_op:  # defaults were for existing rows only
        batch_op.alter_column("cadence", server_default=None)
        batch_op.alter_column("timezone", server_default=None)

    op.create_table(
        "progress_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=True),
        sa.Column(
            "health",
            sa.Enum(
                "on_track", "at_risk", "blocked", name="health", native_enum=False, create_constraint=True, length=16
            ),
            nullable=False,
        ),
        sa.Column("done", sa.Text(), nullable=False),
        sa.Column("next", sa.Text(), nullable=False),
        sa.Column("blockers", sa.Text(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("edited_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("edits", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_progress_updates_author_id_users")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_progress_updates_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_progress_updates")),
    )
    with op.batch_alter_table("progress_updates") as batch_op:
        batch_op.create_index(batch_op.f("ix_progress_updates_author_id"), ["author_id"], unique=False)
        batch_op.create_index("ix_progress_updates_project_period", ["project_id", "period_start"], unique=False)
        batch_op.create_index(batch_op.f("ix_progress_updates_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    op.drop_table("progress_updates")
    with op.batch_alter_table("projects") as batch_op:
        batch_op.drop_constraint(op.f("ck_projects_cadence"), type_="check")
        batch_op.drop_column("timezone")
        batch_op.drop_column("cadence")
