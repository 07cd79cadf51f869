"""Discussions (토론): a thread on a project, with an optional poll and a recorded conclusion."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TeamScoped, Timestamped, UTCDateTime, enum_column
from models.org import User


class DiscussionStatus(enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


class Discussion(TeamScoped, Timestamped, Base):
    __tablename__ = "discussions"
    # message events find their discussion by the thread they reply in
    __table_args__ = (Index("ix_discussions_thread", "team_id", "channel_id", "thread_ts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    opener_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    topic: Mapped[str] = mapped_column(String(300))
    background: Mapped[str] = mapped_column(Text, default="")
    channel_id: Mapped[str] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))  # the card's ts, once it is posted
    status: Mapped[DiscussionStatus] = mapped_column(enum_column(DiscussionStatus), default=DiscussionStatus.OPEN)
    closes_on: Mapped[date | None] = mapped_column(Date)  # the last day votes are taken
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    conclusion: Mapped[str] = mapped_column(Text, default="")
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=0)  # bumped by every change the card shows

    opener: Mapped[User] = relationship(lazy="joined", foreign_keys=[opener_id])
    closed_by: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[closed_by_id])
    options: Mapped[list[PollOption]] = relationship(cascade="all, delete-orphan", order_by="PollOption.position")


class PollOption(TeamScoped, Base):
    __tablename__ = "poll_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(75))


class PollVote(TeamScoped, Timestamped, Base):
    """One row per voter and discussion: changing a vote updates it."""

    __tablename__ = "poll_votes"
    __table_args__ = (UniqueConstraint("discussion_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("poll_options.id", ondelete="CASCADE"))
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")


class DiscussionReply(TeamScoped, Base):
    """A reply in the discussion's thread: who and when, never the text."""

    __tablename__ = "discussion_replies"
    __table_args__ = (UniqueConstraint("discussion_id", "message_ts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    discussion_id: Mapped[int] = mapped_column(ForeignKey("discussions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    message_ts: Mapped[str] = mapped_column(String(32))
    posted_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")
