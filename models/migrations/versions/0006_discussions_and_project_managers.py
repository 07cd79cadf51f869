"""discussions and project managers

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 10:50:19.224312
"""

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "discussions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("opener_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(length=300), nullable=False),
        sa.Column("background", sa.Text(), nullable=False),
        sa.Column("channel_id", sa.String(length=32), nullable=False),
        sa.Column("thread_ts", sa.String(length=32), nullable=True),
        sa.Column(
            "status",
            sa.Enum("open", "closed", name="discussionstatus", native_enum=False, create_constraint=True, length=16),
            nullable=False,
        ),
        sa.Column("closes_on", sa.Date(), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("conclusion", sa.Text(), nullable=False),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.Column("closed_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["closed_by_id"], ["users.id"], name=op.f("fk_discussions_closed_by_id_users")),
        sa.ForeignKeyConstraint(["opener_id"], ["users.id"], name=op.f("fk_discussions_opener_id_users")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_discussions_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussions")),
    )
    with op.batch_alter_table("discussions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discussions_opener_id"), ["opener_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_discussions_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_discussions_team_id"), ["team_id"], unique=False)
        batch_op.create_index("ix_discussions_thread", ["team_id", "channel_id", "thread_ts"], unique=False)

    op.create_table(
        "discussion_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discussion_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=False),
        sa.Column("posted_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["discussion_id"],
            ["discussions.id"],
            name=op.f("fk_discussion_replies_discussion_id_discussions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_discussion_replies_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discussion_replies")),
        sa.UniqueConstraint("discussion_id", "message_ts", name=op.f("uq_discussion_replies_discussion_id_message_ts")),
    )
    with op.batch_alter_table("discussion_replies", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_discussion_replies_discussion_id"), ["discussion_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_discussion_replies_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_discussion_replies_user_id"), ["user_id"], unique=False)

    op.create_table(
        "poll_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discussion_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=75), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["discussion_id"],
            ["discussions.id"],
            name=op.f("fk_poll_options_discussion_id_discussions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_options")),
    )
    with op.batch_alter_table("poll_options", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_poll_options_discussion_id"), ["discussion_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_poll_options_team_id"), ["team_id"], unique=False)

    op.create_table(
        "poll_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("discussion_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["discussion_id"],
            ["discussions.id"],
            name=op.f("fk_poll_votes_discussion_id_discussions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["option_id"], ["poll_options.id"], name=op.f("fk_poll_votes_option_id_poll_options"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_poll_votes_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_poll_votes")),
        sa.UniqueConstraint("discussion_id", "user_id", name=op.f("uq_poll_votes_discussion_id_user_id")),
    )
    with op.batch_alter_table("poll_votes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_poll_votes_discussion_id"), ["discussion_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_poll_votes_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_poll_votes_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("project_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("manager", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("project_members", schema=None) as batch_op:
        batch_op.drop_column("manager")

    with op.batch_alter_table("poll_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poll_votes_user_id"))
        batch_op.drop_index(batch_op.f("ix_poll_votes_team_id"))
        batch_op.drop_index(batch_op.f("ix_poll_votes_discussion_id"))

    op.drop_table("poll_votes")
    with op.batch_alter_table("poll_options", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_poll_options_team_id"))
        batch_op.drop_index(batch_op.f("ix_poll_options_discussion_id"))

    op.drop_table("poll_options")
    with op.batch_alter_table("discussion_replies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_discussion_replies_user_id"))
        batch_op.drop_index(batch_op.f("ix_discussion_replies_team_id"))
        batch_op.drop_index(batch_op.f("ix_discussion_replies_discussion_id"))

    op.drop_table("discussion_replies")
    with op.batch_alter_table("discussions", schema=None) as batch_op:
        batch_op.drop_index("ix_discussions_thread")
        batch_op.drop_index(batch_op.f("ix_discussions_team_id"))
        batch_op.drop_index(batch_op.f("ix_discussions_project_id"))
        batch_op.drop_index(batch_op.f("ix_discussions_opener_id"))

    op.drop_table("discussions")
