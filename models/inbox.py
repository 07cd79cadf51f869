"""Requests Slack sent that were acknowledged before they were carried out: the inbox.

A row is written before the acknowledgement and finished after the work, so a process killed in
between leaves it for any replica to carry out on its next sweep."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TeamScoped, UTCDateTime, utcnow


class InboxRequest(TeamScoped, Base):
    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("team_id", "key"),
        Index("ix_inbox_unfinished", "done_at", "claimed_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))  # the request's own id (trigger, event): a retry is not new
    route: Mapped[str] = mapped_column(String(120))  # which listener carries it out
    priority: Mapped[int] = mapped_column(Integer, default=1)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    owner: Mapped[str] = mapped_column(String(64), default="")  # the process that claimed it
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
