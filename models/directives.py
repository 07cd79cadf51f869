"""Directives (지시): an instruction on a project with assignees, a deadline and a completion report."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TeamScoped, Timestamped, UTCDateTime, enum_column
from models.org import User


class DirectiveKind(enum.Enum):
    REPORT = "report"  # 보고
    PLAN = "plan"  # 계획
    ACTION = "action"  # 조치


class DirectiveStatus(enum.Enum):
    ISSUED = "issued"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    REPORTED = "reported"
    DONE = "done"
    RETURNED = "returned"


class ReportKind(enum.Enum):
    INTERIM = "interim"
    COMPLETION = "completion"


class Directive(TeamScoped, Timestamped, Base):
    __tablename__ = "directives"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[DirectiveKind] = mapped_column(enum_column(DirectiveKind), default=DirectiveKind.ACTION)
    text: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date] = mapped_column(Date)
    status: Mapped[DirectiveStatus] = mapped_column(enum_column(DirectiveStatus), default=DirectiveStatus.ISSUED)
    note: Mapped[str] = mapped_column(Text, default="")  # the issuer's note when returning it
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    issuer: Mapped[User] = relationship(lazy="joined")
    assignees: Mapped[list[DirectiveAssignee]] = relationship(
        cascade="all, delete-orphan", order_by="DirectiveAssignee.id"
    )
    reports: Mapped[list[DirectiveReport]] = relationship(cascade="all, delete-orphan", order_by="DirectiveReport.id")


class DirectiveAssignee(TeamScoped, Base):
    __tablename__ = "directive_assignees"

    id: Mapped[int] = mapped_column(primary_key=True)
    directive_id: Mapped[int] = mapped_column(ForeignKey("directives.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    lead: Mapped[bool] = mapped_column(Boolean, default=False)  # 주무: the one who answers for it
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")


class DirectiveReport(TeamScoped, Timestamped, Base):
    __tablename__ = "directive_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    directive_id: Mapped[int] = mapped_column(ForeignKey("directives.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[ReportKind] = mapped_column(enum_column(ReportKind))
    text: Mapped[str] = mapped_column(Text)

    author: Mapped[User] = relationship(lazy="joined")
