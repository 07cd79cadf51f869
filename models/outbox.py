"""Messages to be sent to Slack later, written in the same transaction as their cause."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TeamScoped, Timestamped, UTCDateTime, enum_column, utcnow


class OutboxStatus(enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    DEAD = "dead"


class OutboxMessage(TeamScoped, Timestamped, Base):
    __tablename__ = "outbox"
    __table_args__ = (
        UniqueConstraint("team_id", "dedupe_key"),
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_kind_created", "kind", "created_at"),  # what the scheduler already queued
        Index("ix_outbox_sent_message", "sent_channel", "sent_ts"),  # the rows one message delivered
        Index("ix_outbox_dead", "status", "dead_at"),  # what was given up lately, for doctor, /healthz, admins
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(48))
    recipient: Mapped[str] = mapped_column(String(32))  # a Slack user id (DM) or channel id
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # calls to Slack, rate-limited ones included
    rate_limited: Mapped[int] = mapped_column(Integer, default=0, server_default="0")  # of them, answered 429
    # an attempt may have reached Slack without its answer reaching us: the next one looks for the post first
    uncertain: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    first_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a transient failure 24 h on is final
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    dead_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_channel: Mapped[str | None] = mapped_column(String(32))
    sent_ts: Mapped[str | None] = mapped_column(String(32))


class OutboxChannel(TeamScoped, Base):
    """When the next message may go to a channel: shared by every delivering process, so the
    one-message-a-second pace and a 429's Retry-After hold across all of them."""

    __tablename__ = "outbox_channels"
    __table_args__ = (UniqueConstraint("team_id", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
