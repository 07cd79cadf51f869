"""Reminders for approvals and directives, computed from the database at `now`.

Approvals: a step waiting more than N office hours (근무시간) reminds its approver; after M the requester
and the project's leads are told. Directives: each assignee hears one working day before the due
date, on the due date and once it is overdue; the working day after that, the issuer hears.
Only the stage that applies today is queued, so after an outage nobody gets a backlog of stages.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from models import ApprovalRequest, Directive, MemberRole, ProjectMember, RequestStatus, StepStatus, User
from services import notices, outbox
from services.audience import Audience
from services.directives import OPEN

KINDS = (notices.ApprovalReminder.kind, notices.ApprovalOverdue.kind, notices.DirectiveReminder.kind)
LOOKBACK = timedelta(days=400)  # a reminder is queued once for the life of its subject


def _leads(session: Session, project_ids: set[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    if not project_ids:
        return found
    rows = session.execute(
        select(ProjectMember.project_id, User.slack_user_id)
        .join(User, User.id == ProjectMember.user_id)
        .where(
            ProjectMember.project_id.in_(project_ids),
            ProjectMember.left_at.is_(None),
            ProjectMember.role == MemberRole.LEAD,
        )
    )
    for project_id, slack_id in rows:
        found.setdefault(project_id, []).append(slack_id)
    return found


def waiting_since(request: ApprovalRequest) -> datetime:
    """When the current position's turn began: the last decision before it, or the request itself."""
    earlier = [s.decided_at for s in request.steps if s.position < request.position and s.decided_at is not None]
    return max(earlier, default=request.created_at)


def approvals_due(
    session: Session,
    now: datetime,
    audience: Audience,
    *,
    remind_hours: int,
    escalate_hours: int,
    org_tz: str,
    queued: dict[tuple[str, str], datetime],
) -> list[dict[str, Any]]:
    requests = session.scalars(
        select(ApprovalRequest)
        .where(ApprovalRequest.status == RequestStatus.PENDING)
        .options(selectinload(ApprovalRequest.steps))
    ).all()
    leads = _leads(session, {r.project_id for r in requests})
    wt = audience.working_time
    rows: list[dict[str, Any]] = []

    def add(team: str, recipient: str, notice: notices.Notice, key: str) -> None:
        if (team, key) not in queued and audience.reachable(team, recipient, now):
            rows.append(notices.row(team, recipient, notice, key))

    for request in requests:
        waited = wt.office_hours(waiting_since(request), now, org_tz)
        if waited < remind_hours:
            continue
        team = request.team_id
        for step in request.steps:
            if step.position != request.position or step.status is not StepStatus.PENDING:
                continue
            base = f"approval:{request.id}:step:{step.id}"
            fields = (request.id, step.id, int(waited))
            # an away approver's proxy decides meanwhile (대결), so the proxy is the one reminded
            approver = audience.stand_in(team, step.approver.slack_user_id, now)
            add(team, approver, notices.ApprovalReminder(*fields), f"{base}:remind")
            if waited >= escalate_hours:
                told = [request.requester.slack_user_id, *leads.get(request.project_id, [])]
                for person in dict.fromkeys(told):
                    if person not in (step.approver.slack_user_id, approver):
                        add(team, person, notices.ApprovalOverdue(*fields), f"{base}:overdue:{person}")
    return rows


def _previous_working_day(day: date, audience: Audience) -> date:
    day -= timedelta(days=1)
    while not audience.working_time.calendar.is_working_day(day):
        day -= timedelta(days=1)
    return day


def directives_due(
    session: Session, now: datetime, audience: Audience, *, queued: dict[tuple[str, str], datetime]
) -> list[dict[str, Any]]:
    open_ones = session.scalars(
        select(Directive).where(Directive.status.in_(OPEN)).options(selectinload(Directive.assignees))
    ).all()
    wt = audience.working_time
    rows: list[dict[str, Any]] = []
    for directive in open_ones:
        team, due_day = directive.team_id, directive.due_date
        base = f"directive:{directive.id}:remind"
        told: list[datetime] = []  # when assignees were told it is overdue
        for assignee in directive.assignees:
            person = assignee.user.slack_user_id
            tz = audience.tz(team, person)
            today = wt.local(now, tz).date()
            if today > due_day:
                stage, start = "overdue", wt.next_slot(wt.slot(due_day + timedelta(days=1), tz, time(0, 0)), tz)
            elif today == due_day:
                stage, start = "due", wt.slot(due_day, tz)
            elif today == _previous_working_day(due_day, audience):
                stage, start = "before", wt.slot(today, tz)
            else:
                continue
            key = f"{base}:{stage}:{person}"
            if stage == "overdue" and (team, key) in queued:
                told.append(queued[(team, key)])
            elif now >= start and (team, key) not in queued and audience.reachable(team, person, now):
                rows.append(notices.row(team, person, notices.DirectiveReminder(directive.id, stage), key))
                if stage == "overdue":
                    told.append(now)
        # the issuer hears the working day after an assignee was told it is overdue, or, when none could
        # be told (all away), the working day after the first overdue one
        issuer = directive.issuer.slack_user_id
        issuer_tz = audience.tz(team, issuer)
        first_overdue = wt.next_slot(wt.slot(due_day + timedelta(days=1), issuer_tz, time(0, 0)), issuer_tz)
        key = f"{base}:overdue-issuer:{issuer}"
        if (
            (team, key) not in queued
            and now >= wt.slot_after(min(told, default=first_overdue), issuer_tz)
            and audience.reachable(team, issuer, now)
        ):
            rows.append(notices.row(team, issuer, notices.DirectiveReminder(directive.id, "issuer"), key))
    return rows


def due(
    session: Session,
    now: datetime,
    audience: Audience,
    *,
    remind_hours: int,
    escalate_hours: int,
    org_tz: str,
) -> list[dict[str, Any]]:
    queued = outbox.queued_since(session, KINDS, now - LOOKBACK)
    return [
        *approvals_due(
            session,
            now,
            audience,
            remind_hours=remind_hours,
            escalate_hours=escalate_hours,
            org_tz=org_tz,
            queued=queued,
        ),
        *directives_due(session, now, audience, queued=queued),
    ]
