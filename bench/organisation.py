"""A large organisation in a few bulk statements, for benchmarks and for tests that count queries.

Every project has a lead and four members from the departments round-robin; half of them reported
this period; every fourth project has an approval waiting, every third an overdue directive; one
person in a hundred is away, one in ten lives in New York.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import insert
from sqlalchemy.orm import Session, sessionmaker

from models import (
    Absence,
    ApprovalRequest,
    ApprovalStep,
    Cadence,
    Department,
    Directive,
    DirectiveAssignee,
    DirectiveKind,
    DirectiveStatus,
    MemberRole,
    ProgressUpdate,
    Project,
    ProjectMember,
    ProjectStatus,
    RequestStatus,
    StepKind,
    StepStatus,
    User,
)
from models.db import write_transaction

TEAM = "T1"
MEMBERS_PER_PROJECT = 5
DEPARTMENTS = 20


@dataclass(frozen=True)
class Organisation:
    team_id: str
    users: int
    projects: int
    admin: str


def _ids(session: Session, model, rows: list[dict]) -> list[int]:
    if not rows:
        return []
    result = session.execute(insert(model).returning(model.id, sort_by_parameter_order=True), rows)
    return list(result.scalars())


def seed(
    session_factory: sessionmaker[Session], *, users: int, projects: int, now: datetime, week_start: date
) -> Organisation:
    """`week_start` is the Monday of the current period; `now` is when the benchmark looks."""
    created = now - timedelta(days=30)
    with write_transaction(session_factory) as session:
        departments = _ids(
            session,
            Department,
            [{"team_id": TEAM, "name": f"부서 {n}", "created_at": created} for n in range(DEPARTMENTS)],
        )
        user_ids = _ids(
            session,
            User,
            [
                {
                    "team_id": TEAM,
                    "slack_user_id": f"U{n:06d}",
                    "display_name": f"직원 {n}",
                    "tz": "America/New_York" if n % 10 == 9 else "Asia/Seoul",
                    "locale": "en" if n % 10 == 9 else "ko",
                    "department_id": departments[n % DEPARTMENTS],
                    "profile_fetched_at": now,
                    "created_at": created,
                }
                for n in range(users)
            ],
        )
        project_ids = _ids(
            session,
            Project,
            [
                {
                    "team_id": TEAM,
                    "key": f"P{n}",
                    "name": f"융합 과제 {n}",
                    "description": "",
                    "status": ProjectStatus.ACTIVE,
                    "channel_id": f"C{n:06d}",
                    "cadence": Cadence.WEEKLY,
                    "timezone": "Asia/Seoul",
                    "created_by_id": user_ids[(n * MEMBERS_PER_PROJECT) % users],
                    "created_at": created,
                }
                for n in range(projects)
            ],
        )
        members: list[dict] = []
        updates: list[dict] = []
        for n, project_id in enumerate(project_ids):
            for k in range(MEMBERS_PER_PROJECT):
                user_id = user_ids[(n * MEMBERS_PER_PROJECT + k) % users]
                members.append(
                    {
                        "team_id": TEAM,
                        "project_id": project_id,
                        "user_id": user_id,
                        "role": MemberRole.LEAD if k == 0 else MemberRole.MEMBER,
                        "manager": False,
                        "joined_at": created,
                    }
                )
                if k % 2 == 0:
                    updates.append(
                        {
                            "team_id": TEAM,
                            "project_id": project_id,
                            "author_id": user_id,
                            "period_start": week_start,
                            "percent": (n * 7 + k * 11) % 101,
                            "done": "진행",
                            "next": "",
                            "blockers": "",
                            "late": False,
                            "edits": 0,
                            "created_at": now - timedelta(hours=1),
                        }
                    )
        session.execute(insert(ProjectMember), members)
        session.execute(insert(ProgressUpdate), updates)
        lead = lambda n: user_ids[(n * MEMBERS_PER_PROJECT) % users]  # noqa: E731
        member = lambda n, k: user_ids[(n * MEMBERS_PER_PROJECT + k) % users]  # noqa: E731
        waiting = [n for n in range(projects) if n % 4 == 0]
        request_ids = _ids(
            session,
            ApprovalRequest,
            [
                {
                    "team_id": TEAM,
                    "project_id": project_ids[n],
                    "requester_id": member(n, 1),
                    "title": f"결재 {n}",
                    "details": "",
                    "links": "",
                    "status": RequestStatus.PENDING,
                    "position": 1,
                    "reason": "",
                    "created_at": now - timedelta(days=5),
                }
                for n in waiting
            ],
        )
        session.execute(
            insert(ApprovalStep),
            [
                {
                    "team_id": TEAM,
                    "request_id": request_id,
                    "position": position,
                    "kind": StepKind.APPROVE,
                    "final": False,
                    "approver_id": lead(n) if position == 1 else member(n, 2),
                    "status": StepStatus.PENDING if position == 1 else StepStatus.WAITING,
                    "comment": "",
                }
                for request_id, n in zip(request_ids, waiting, strict=True)
                for position in (1, 2)
            ],
        )
        overdue = [n for n in range(projects) if n % 3 == 0]
        directive_ids = _ids(
            session,
            Directive,
            [
                {
                    "team_id": TEAM,
                    "project_id": project_ids[n],
                    "issuer_id": lead(n),
                    "kind": DirectiveKind.REPORT,
                    "text": f"지시 {n}",
                    "due_date": week_start - timedelta(days=3),
                    "status": DirectiveStatus.ISSUED,
                    "note": "",
                    "created_at": now - timedelta(days=10),
                }
                for n in overdue
            ],
        )
        session.execute(
            insert(DirectiveAssignee),
            [
                {"team_id": TEAM, "directive_id": directive_id, "user_id": member(n, 3), "lead": True}
                for directive_id, n in zip(directive_ids, overdue, strict=True)
            ],
        )
        session.execute(
            insert(Absence),
            [
                {"team_id": TEAM, "user_id": user_ids[n], "proxy_id": user_ids[n - 1], "created_at": created}
                for n in range(1, users, 100)
            ],
        )
    return Organisation(team_id=TEAM, users=users, projects=projects, admin="U000000")
