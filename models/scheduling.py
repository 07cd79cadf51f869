"""What the scheduler keeps in the database: who leads it, snoozed nudges, digest subscriptions.

Jobs hold no state of their own; what was already sent is the outbox (its dedupe keys)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TeamScoped, Timestamped, UTCDateTime
from models.org import User


class SchedulerLease(Base):
    """The lease that makes one process the scheduler (SQLite; PostgreSQL uses an advisory lock)."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())


class NudgeSnooze(TeamScoped, Timestamped, Base):
    """ "Snooze until tomorrow" on a progress nudge: no further nudge for that period before `until`."""

    __tablename__ = "nudge_snoozes"
    __table_args__ = (UniqueConstraint("project_id", "user_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    until: Mapped[datetime] = mapped_column(UTCDateTime())


class DigestSubscription(TeamScoped, Timestamped, Base):
    """Someone who is not an admin but wants the weekly cross-project digest."""

    __tablename__ = "digest_subscriptions"
    __table_args__ = (UniqueConstraint("team_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)

    user: Mapped[User] = relationship(lazy="joined")
