"""Approvals (결재): a request on a project, decided along its approval line (결재선)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TeamScoped, Timestamped, UTCDateTime, enum_column
from models.org import User


class RequestStatus(enum.Enum):
    PENDING = "pending"  # 진행 중
    APPROVED = "approved"  # 결재 완료
    REJECTED = "rejected"  # 반려
    WITHDRAWN = "withdrawn"  # 회수


class StepKind(enum.Enum):
    APPROVE = "approve"  # 결재: one approver
    AGREE = "agree"  # 합의: one of several reviewers at the same position, all of whom must agree


class StepStatus(enum.Enum):
    WAITING = "waiting"  # not its turn yet
    PENDING = "pending"  # its turn: the approver (or their proxy) is asked
    APPROVED = "approved"
    REJECTED = "rejected"
    SKIPPED = "skipped"  # never asked: the request ended before its turn


class ApprovalRequest(TeamScoped, Timestamped, Base):
    __tablename__ = "approval_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    details: Mapped[str] = mapped_column(Text, default="")
    links: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[RequestStatus] = mapped_column(enum_column(RequestStatus), default=RequestStatus.PENDING)
    position: Mapped[int] = mapped_column(Integer, default=1)  # the line position now being decided
    due_date: Mapped[date | None] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text, default="")  # 반려 사유
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resubmission_of_id: Mapped[int | None] = mapped_column(ForeignKey("approval_requests.id"))

    requester: Mapped[User] = relationship(lazy="joined", foreign_keys=[requester_id])
    steps: Mapped[list[ApprovalStep]] = relationship(
        back_populates="request", cascade="all, delete-orphan", order_by="(ApprovalStep.position, ApprovalStep.id)"
    )
    readers: Mapped[list[ApprovalReader]] = relationship(cascade="all, delete-orphan", order_by="ApprovalReader.id")


class ApprovalStep(TeamScoped, Base):
    __tablename__ = "approval_steps"
    __table_args__ = (Index("ix_approval_steps_approver_status", "approver_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("approval_requests.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[StepKind] = mapped_column(enum_column(StepKind), default=StepKind.APPROVE)
    final: Mapped[bool] = mapped_column(Boolean, default=False)  # 전결: its approval ends the line
    approver_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[StepStatus] = mapped_column(enum_column(StepStatus), default=StepStatus.WAITING)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # the proxy, in 대결
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    comment: Mapped[str] = mapped_column(Text, default="")

    request: Mapped[ApprovalRequest] = relationship(back_populates="steps")
    approver: Mapped[User] = relationship(lazy="joined", foreign_keys=[approver_id])
    decided_by: Mapped[User | None] = relationship(lazy="joined", foreign_keys=[decided_by_id])


class ApprovalReader(TeamScoped, Base):
    """참조/공람: told when the request completes; decides nothing."""

    __tablename__ = "approval_readers"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("approval_requests.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(lazy="joined")


class ApprovalComment(TeamScoped, Timestamped, Base):
    """의견: a remark kept with the request (and the step it was made on)."""

    __tablename__ = "approval_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("approval_requests.id", ondelete="CASCADE"), index=True)
    step_id: Mapped[int | None] = mapped_column(ForeignKey("approval_steps.id", ondelete="SET NULL"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)

    author: Mapped[User] = relationship(lazy="joined")


class Absence(TeamScoped, Timestamped, Base):
    """An approver away, with the proxy who decides for them meanwhile (대결)."""

    __tablename__ = "absences"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    proxy_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    until: Mapped[date | None] = mapped_column(Date)  # last day away, inclusive; None until /approval back
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined", foreign_keys=[user_id])
    proxy: Mapped[User] = relationship(lazy="joined", foreign_keys=[proxy_id])
