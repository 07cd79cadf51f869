"""directives

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

import models.base

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "directives",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "report", "plan", "action", name="directivekind", native_enum=False, create_constraint=True, length=16
            ),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "issued",
                "acknowledged",
                "in_progress",
                "reported",
                "done",
                "returned",
                name="directivestatus",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("closed_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["issuer_id"], ["users.id"], name=op.f("fk_directives_issuer_id_users")),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name=op.f("fk_directives_project_id_projects"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directives")),
    )
    with op.batch_alter_table("directives", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_directives_issuer_id"), ["issuer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_directives_project_id"), ["project_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_directives_team_id"), ["team_id"], unique=False)

    op.create_table(
        "directive_assignees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("directive_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lead", sa.Boolean(), nullable=False),
        sa.Column("acknowledged_at", models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["directive_id"],
            ["directives.id"],
            name=op.f("fk_directive_assignees_directive_id_directives"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_directive_assignees_user_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directive_assignees")),
    )
    with op.batch_alter_table("directive_assignees", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_directive_assignees_directive_id"), ["directive_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_directive_assignees_team_id"), ["team_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_directive_assignees_user_id"), ["user_id"], unique=False)

    op.create_table(
        "directive_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("directive_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("interim", "completion", name="reportkind", native_enum=False, create_constraint=True, length=16),
            nullable=False,
        ),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_directive_reports_author_id_users")),
        sa.ForeignKeyConstraint(
            ["directive_id"],
            ["directives.id"],
            name=op.f("fk_directive_reports_directive_id_directives"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_directive_reports")),
    )
    with op.batch_alter_table("directive_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_directive_reports_directive_id"), ["directive_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_directive_reports_team_id"), ["team_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("directive_reports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directive_reports_team_id"))
        batch_op.drop_index(batch_op.f("ix_directive_reports_directive_id"))

    op.drop_table("directive_reports")
    with op.batch_alter_table("directive_assignees", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directive_assignees_user_id"))
        batch_op.drop_index(batch_op.f("ix_directive_assignees_team_id"))
        batch_op.drop_index(batch_op.f("ix_directive_assignees_directive_id"))

    op.drop_table("directive_assignees")
    with op.batch_alter_table("directives", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_directives_team_id"))
        batch_op.drop_index(batch_op.f("ix_directives_project_id"))
        batch_op.drop_index(batch_op.f("ix_directives_issuer_id"))

    op.drop_table("directives")
