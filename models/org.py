"""People and departments."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TeamScoped, Timestamped, UTCDateTime


class Department(TeamScoped, Timestamped, Base):
    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("team_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))


class User(TeamScoped, Timestamped, Base):
    """A Slack user as Onnuri knows them; profile fields are a cache of users.info."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("team_id", "slack_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_user_id: Mapped[str] = mapped_column(String(32))
    display_name: Mapped[str] = mapped_column(String(120), default="")
    tz: Mapped[str | None] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(8))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    profile_fetched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    home_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # who may be looking at it now

    department: Mapped[Department | None] = relationship(lazy="joined")
