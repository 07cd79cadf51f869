"""approvals

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "absences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("proxy_id", sa.Integer(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("ended_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["proxy_id"], ["users.id"], name=op.f("fk_absences_proxy_id_users")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_absences_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absences")),
    )
    with op.batch_alter_table("absences", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_absences_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_absences_user_id"), ["user_id"], unique=False)

    op.create_table(
        "approval_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("links", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "rejected",
                "withdrawn",
                name="requeststatus",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("closed_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resubmission_of_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_approval_requests_project_id_projects"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["requester_id"], ["users.id"], name=op.f("fk_approval_requests_requester_id_users")),
        sa.ForeignKeyConstraint(
            ["resubmission_of_id"],
            ["approval_requests.id"],
            name=op.f("fk_approval_requests_resubmission_of_id_approval_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_requests")),
    )
    with op.batch_alter_table("approval_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_approval_requests_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_approval_requests_requester_id"), ["requester_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_approval_requests_team_id"), ["team_id"], unique=False)

    op.create_table(
        "approval_readers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["approval_requests.id"],
            name=op.f("fk_approval_readers_request_id_approval_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_approval_readers_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_readers")),
    )
    with op.batch_alter_table("approval_readers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_approval_readers_request_id"), ["request_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_approval_readers_team_id"), ["team_id"], unique=False)

    op.create_table(
        "approval_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("approve", "agree", name="stepkind", native_enum=False, create_constraint=True, length=16),
            nullable=False,
        ),
        sa.Column("final", sa.Boolean(), nullable=False),
        sa.Column("approver_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "waiting",
                "pending",
                "approved",
                "rejected",
                "skipped",
                name="stepstatus",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["approver_id"], ["users.id"], name=op.f("fk_approval_steps_approver_id_users")),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_approval_steps_decided_by_id_users")),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["approval_requests.id"],
            name=op.f("fk_approval_steps_request_id_approval_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_steps")),
    )
    with op.batch_alter_table("approval_steps", schema=None) as batch_op:
        batch_op.create_index("ix_approval_steps_approver_status", ["approver_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_approval_steps_request_id"), ["request_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_approval_steps_team_id"), ["team_id"], unique=False)

    op.create_table(
        "approval_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_approval_comments_author_id_users")),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["approval_requests.id"],
            name=op.f("fk_approval_comments_request_id_approval_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["approval_steps.id"],
            name=op.f("fk_approval_comments_step_id_approval_steps"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_comments")),
    )
    with op.batch_alter_table("approval_comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_approval_comments_request_id"), ["request_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_approval_comments_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("approval_comments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approval_comments_team_id"))
        batch_op.drop_index(batch_op.f("ix_approval_comments_request_id"))

    op.drop_table("approval_comments")
    with op.batch_alter_table("approval_steps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approval_steps_team_id"))
        batch_op.drop_index(batch_op.f("ix_approval_steps_request_id"))
        batch_op.drop_index("ix_approval_steps_approver_status")

    op.drop_table("approval_steps")
    with op.batch_alter_table("approval_readers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approval_readers_team_id"))
        batch_op.drop_index(batch_op.f("ix_approval_readers_request_id"))

    op.drop_table("approval_readers")
    with op.batch_alter_table("approval_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_approval_requests_team_id"))
        batch_op.drop_index(batch_op.f("ix_approval_requests_requester_id"))
        batch_op.drop_index(batch_op.f("ix_approval_requests_project_id"))

    op.drop_table("approval_requests")
    with op.batch_alter_table("absences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_absences_user_id"))
        batch_op.drop_index(batch_op.f("ix_absences_team_id"))

    op.drop_table("absences")
