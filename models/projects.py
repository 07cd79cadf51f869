"""Cross-department projects (융합행정 과제), their departments and members."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, TeamScoped, Timestamped, UTCDateTime, enum_column
from models.org import Department, User


class ProjectStatus(enum.Enum):
    ACTIVE = "active"
    CLOSED = "closed"


class Cadence(enum.Enum):
    """How often members report progress (보고 주기)."""

    DAILY = "daily"
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"


class MemberRole(enum.Enum):
    LEAD = "lead"
    MEMBER = "member"
    OBSERVER = "observer"


class ProjectDepartmentRole(enum.Enum):
    LEAD = "lead"  # 주관부서
    COOPERATING = "cooperating"  # 협조부서


class Project(TeamScoped, Timestamped, Base):
    __tablename__ = "projects"
    __table_args__ = (UniqueConstraint("team_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ProjectStatus] = mapped_column(enum_column(ProjectStatus), default=ProjectStatus.ACTIVE)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    cadence: Mapped[Cadence] = mapped_column(enum_column(Cadence), default=Cadence.WEEKLY)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Seoul")
    target_date: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    members: Mapped[list[ProjectMember]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="ProjectMember.id"
    )
    departments: Mapped[list[ProjectDepartment]] = relationship(
        cascade="all, delete-orphan", order_by="ProjectDepartment.id"
    )


class ProjectMember(TeamScoped, Base):
    """A person's membership; leaving sets left_at so joins and leaves stay on record."""

    __tablename__ = "project_members"
    __table_args__ = (UniqueConstraint("project_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[MemberRole] = mapped_column(enum_column(MemberRole), default=MemberRole.MEMBER)
    manager: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )  # may issue directives, as a lead may
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime())
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # [[joined, left], ...] in ISO 8601 UTC: a member who left and came back keeps what they owed before
    earlier_stints: Mapped[list[list[str]]] = mapped_column(JSON, default=list, server_default="[]")

    project: Mapped[Project] = relationship(back_populates="members")
    user: Mapped[User] = relationship(lazy="joined")

    @property
    def active(self) -> bool:
        return self.left_at is None


class ProjectDepartment(TeamScoped, Base):
    __tablename__ = "project_departments"
    __table_args__ = (UniqueConstraint("project_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    role: Mapped[ProjectDepartmentRole] = mapped_column(enum_column(ProjectDepartmentRole))
    position: Mapped[int] = mapped_column(Integer, default=0)

    department: Mapped[Department] = relationship(lazy="joined")
