"""the request inbox, when each person last opened App Home, and the rows one message delivered

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 17:00:00
"""

import sqlalchemy as sa
from alembic import op

from models.base import UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("route", sa.String(length=120), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("received_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("claimed_until", UTCDateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("done_at", UTCDateTime(timezone=True), nullable=True),
        sa.UniqueConstraint("team_id", "key"),
    )
    op.create_index("ix_inbox_unfinished", "inbox", ["done_at", "claimed_until"])
    op.create_index("ix_inbox_team_id", "inbox", ["team_id"])
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("home_opened_at", UTCDateTime(timezone=True), nullable=True))
    op.create_index("ix_outbox_sent_message", "outbox", ["sent_channel", "sent_ts"])


def downgrade() -> None:
    op.drop_index("ix_outbox_sent_message", table_name="outbox")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("home_opened_at")
    op.drop_index("ix_inbox_team_id", table_name="inbox")
    op.drop_index("ix_inbox_unfinished", table_name="inbox")
    op.drop_table("inbox")
