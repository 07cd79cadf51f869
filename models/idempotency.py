"""Keys of requests already acted on, so a retried or replayed request changes nothing."""

from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, TeamScoped, Timestamped


class ProcessedRequest(TeamScoped, Timestamped, Base):
    __tablename__ = "processed_requests"
    __table_args__ = (UniqueConstraint("team_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200))
