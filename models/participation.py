"""Admin corrections to a person's participation month (근무평가 반영): a note or points, with a reason."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TeamScoped, Timestamped
from models.org import User


class LedgerAdjustment(TeamScoped, Timestamped, Base):
    __tablename__ = "ledger_adjustments"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    month: Mapped[str] = mapped_column(String(7), index=True)  # YYYY-MM
    points: Mapped[int] = mapped_column(Integer, default=0)  # added to the score; 0 for a note
    reason: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(32))  # the admin's Slack id

    user: Mapped[User] = relationship(lazy="joined")
