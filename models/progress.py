"""Progress updates (진척 보고): a member's short report on a project for one period."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TeamScoped, Timestamped, UTCDateTime, enum_column
from models.org import User


class Health(enum.Enum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BLOCKED = "blocked"


class ProgressUpdate(TeamScoped, Timestamped, Base):
    __tablename__ = "progress_updates"
    __table_args__ = (Index("ix_progress_updates_project_period", "project_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)  # first local day of the period it counts for
    percent: Mapped[int | None] = mapped_column(Integer)
    health: Mapped[Health] = mapped_column(enum_column(Health), default=Health.ON_TRACK)
    done: Mapped[str] = mapped_column(Text, default="")
    next: Mapped[str] = mapped_column(Text, default="")
    blockers: Mapped[str] = mapped_column(Text, default="")
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    edits: Mapped[int] = mapped_column(Integer, default=0)

    author: Mapped[User] = relationship(lazy="joined")
