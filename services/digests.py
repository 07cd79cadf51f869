"""Digests (요약): one project's week at a glance, one line per project across the workspace, and who
receives the cross-project digest (admins and subscribers).

Read-only apart from subscriptions. Progress figures are the projects' state at `now`; counts of
approvals, directives and discussions are of the digest's week, in the project's time zone.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from models import (
    ApprovalRequest,
    DigestSubscription,
    Directive,
    DirectiveStatus,
    Discussion,
    DiscussionStatus,
    Health,
    MemberRole,
    ProgressUpdate,
    Project,
    ProjectDepartmentRole,
    RequestStatus,
    StepStatus,
    User,
)
from services import audit, progress, projects, users
from services.calendar import WorkCalendar
from services.errors import DomainError
from services.periods import LENGTH, Period
from services.progress import HEALTH_ORDER, TREND_PERIODS, ProjectProgress
from services.projects import ProjectInfo

WEEK = timedelta(days=7)


@dataclass(frozen=True)
class MemberProgress:
    slack_user_id: str
    name: str  # display name; empty when Slack has not told us yet
    department: str | None
    percent: int | None  # from their latest update
    health: Health | None
    reported: bool  # has an update for the current period


@dataclass(frozen=True)
class DepartmentProgress:
    name: str | None  # None: members with no department
    role: ProjectDepartmentRole | None  # 주관부서 / 협조부서; None when only a member's department
    percent: int | None  # the mean of its members' latest percents
    health: Health | None  # the worst of its members' latest
    members: int
    reported: int


@dataclass(frozen=True)
class Tally:
    opened: int  # in the week
    closed: int  # in the week
    open_now: int  # still pending (approvals) or not done (directives) at `now`


@dataclass(frozen=True)
class PendingApproval:
    id: int
    title: str
    requester: str
    waiting_on: tuple[str, ...]  # whoever is asked now
    requested_at: datetime


@dataclass(frozen=True)
class OverdueDirective:
    id: int
    text: str
    due_date: date
    assignees: tuple[str, ...]  # the lead (주무) first


@dataclass(frozen=True)
class Conclusion:
    id: int
    topic: str
    conclusion: str
    closed_at: datetime


@dataclass(frozen=True)
class ProjectDigest:
    project: ProjectInfo
    week_start: date  # Monday, in the project's zone
    week_end: date  # Sunday, the week's last local day
    period: Period  # the reporting period at `now`
    percent: int | None
    health: Health | None
    trend: tuple[int | None, ...]  # percent at the end of each of the last periods, oldest first
    health_trend: tuple[Health | None, ...]  # health standing at the end of the same periods
    members: tuple[MemberProgress, ...]
    departments: tuple[DepartmentProgress, ...]
    approvals: Tally
    pending_approvals: tuple[PendingApproval, ...]  # oldest first
    directives: Tally
    overdue: tuple[OverdueDirective, ...]  # most overdue first
    discussions_opened: int
    conclusions: tuple[Conclusion, ...]  # recorded in the week, oldest first
    missing: tuple[str, ...]  # members with no update for the current period
    late: bool  # the current period's due time has passed, so the missing are late


@dataclass(frozen=True)
class ProjectLine:
    project_id: int
    key: str
    name: str
    health: Health | None
    percent: int | None
    late_reports: int  # members who have not reported although the period's due time has passed
    overdue_directives: int
    pending_approvals: int


def _local_today(info: ProjectInfo, now: datetime) -> date:
    return now.astimezone(ZoneInfo(info.timezone)).date()


def _week_bounds(info: ProjectInfo, week_start: date) -> tuple[date, datetime, datetime]:
    """The Monday of `week_start`'s week and the UTC instants its first and the next week's first local day start."""
    monday = week_start - timedelta(days=week_start.weekday())
    zone = ZoneInfo(info.timezone)
    start = datetime.combine(monday, time.min, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(monday + WEEK, time.min, tzinfo=zone).astimezone(UTC)
    return monday, start, end


def _within(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and start <= moment < end


def _worst(healths: Sequence[Health | None]) -> Health | None:
    known = [h for h in healths if h is not None]
    return max(known, key=HEALTH_ORDER.__getitem__) if known else None


def _members(info: ProjectInfo, status: ProjectProgress) -> tuple[MemberProgress, ...]:
    """Each member's latest figures; observers only once they have reported something."""
    latest = {u.author: u for u in status.latest_by_member}
    lines = []
    for member in info.members:
        update = latest.get(member.slack_user_id)
        if member.role is MemberRole.OBSERVER and update is None:
            continue
        lines.append(
            MemberProgress(
                slack_user_id=member.slack_user_id,
                name=member.display_name,
                department=member.department,
                percent=update.percent if update else None,
                health=update.health if update else None,
                reported=update is not None and update.period_start == status.period.start,
            )
        )
    return tuple(lines)


def _departments(info: ProjectInfo, members: tuple[MemberProgress, ...]) -> tuple[DepartmentProgress, ...]:
    """The lead department, the cooperating ones (even with no member in Onnuri yet), then members' other
    departments, then members with none."""
    roles: dict[str | None, ProjectDepartmentRole | None] = {}
    if info.lead_department:
        roles[info.lead_department] = ProjectDepartmentRole.LEAD
    for name in info.cooperating_departments:
        roles.setdefault(name, ProjectDepartmentRole.COOPERATING)
    grouped: dict[str | None, list[MemberProgress]] = defaultdict(list)
    for member in members:
        grouped[member.department].append(member)
    for name in grouped:
        if name is not None:
            roles.setdefault(name, None)
    if None in grouped:
        roles[None] = None
    result = []
    for name, role in roles.items():
        people = grouped.get(name, [])
        percents = [m.percent for m in people if m.percent is not None]
        result.append(
            DepartmentProgress(
                name=name,
                role=role,
                percent=round(sum(percents) / len(percents)) if percents else None,
                health=_worst([m.health for m in people]),
                members=len(people),
                reported=sum(m.reported for m in people),
            )
        )
    return tuple(result)


def _health_trend(session: Session, info: ProjectInfo, period: Period) -> tuple[Health | None, ...]:
    """The health standing at the end of each of the last periods (the worst of each member's last
    update in the period), carried over periods nobody reported in; oldest first."""
    step = timedelta(days=LENGTH[info.cadence])
    starts = [period.start - step * back for back in reversed(range(TREND_PERIODS))]
    rows = session.execute(
        select(ProgressUpdate.period_start, ProgressUpdate.author_id, ProgressUpdate.health)
        .where(ProgressUpdate.project_id == info.id, ProgressUpdate.period_start >= starts[0])
        .order_by(ProgressUpdate.id)
    ).all()
    by_period: dict[date, dict[int, Health]] = defaultdict(dict)
    for start, author_id, health in rows:
        by_period[start][author_id] = health  # later updates replace earlier ones
    values: list[Health | None] = []
    standing = None
    for start in starts:
        if by_period.get(start):
            standing = _worst(list(by_period[start].values()))
        values.append(standing)
    return tuple(values)


def _approvals(
    session: Session, info: ProjectInfo, start: datetime, end: datetime
) -> tuple[Tally, tuple[PendingApproval, ...]]:
    rows = session.scalars(
        select(ApprovalRequest)
        .where(
            ApprovalRequest.project_id == info.id,
            or_(
                ApprovalRequest.status == RequestStatus.PENDING,
                and_(ApprovalRequest.created_at >= start, ApprovalRequest.created_at < end),
                and_(ApprovalRequest.closed_at >= start, ApprovalRequest.closed_at < end),
            ),
        )
        .options(selectinload(ApprovalRequest.steps))
        .order_by(ApprovalRequest.id)
    ).all()
    pending = tuple(
        PendingApproval(
            id=r.id,
            title=r.title,
            requester=r.requester.slack_user_id,
            waiting_on=tuple(s.approver.slack_user_id for s in r.steps if s.status is StepStatus.PENDING),
            requested_at=r.created_at,
        )
        for r in rows
        if r.status is RequestStatus.PENDING
    )
    tally = Tally(
        opened=sum(_within(r.created_at, start, end) for r in rows),
        closed=sum(_within(r.closed_at, start, end) for r in rows),
        open_now=len(pending),
    )
    return tally, pending


def _directives(
    session: Session, info: ProjectInfo, start: datetime, end: datetime, today: date
) -> tuple[Tally, tuple[OverdueDirective, ...]]:
    rows = session.scalars(
        select(Directive)
        .where(
            Directive.project_id == info.id,
            or_(
                Directive.status != DirectiveStatus.DONE,
                and_(Directive.created_at >= start, Directive.created_at < end),
                and_(Directive.closed_at >= start, Directive.closed_at < end),
            ),
        )
        .options(selectinload(Directive.assignees))
        .order_by(Directive.due_date, Directive.id)
    ).all()
    not_done = [d for d in rows if d.status is not DirectiveStatus.DONE]
    overdue = tuple(
        OverdueDirective(
            id=d.id,
            text=d.text,
            due_date=d.due_date,
            assignees=tuple(a.user.slack_user_id for a in sorted(d.assignees, key=lambda a: not a.lead)),
        )
        for d in not_done
        if d.due_date < today
    )
    tally = Tally(
        opened=sum(_within(d.created_at, start, end) for d in rows),
        closed=sum(d.status is DirectiveStatus.DONE and _within(d.closed_at, start, end) for d in rows),
        open_now=len(not_done),
    )
    return tally, overdue


def _discussions(
    session: Session, info: ProjectInfo, start: datetime, end: datetime
) -> tuple[int, tuple[Conclusion, ...]]:
    rows = session.scalars(
        select(Discussion)
        .where(
            Discussion.project_id == info.id,
            or_(
                and_(Discussion.created_at >= start, Discussion.created_at < end),
                and_(Discussion.closed_at >= start, Discussion.closed_at < end),
            ),
        )
        .order_by(Discussion.id)
    ).all()
    concluded = sorted(
        (d for d in rows if d.status is DiscussionStatus.CLOSED and _within(d.closed_at, start, end)),
        key=lambda d: (d.closed_at, d.id),
    )
    conclusions = tuple(Conclusion(d.id, d.topic, d.conclusion, d.closed_at) for d in concluded if d.closed_at)
    return sum(_within(d.created_at, start, end) for d in rows), conclusions


def project_week(
    session: Session, team_id: str, project_id: int, *, week_start: date, now: datetime, calendar: WorkCalendar
) -> ProjectDigest | None:
    """The weekly digest of one project for the seven local days from the Monday of `week_start`'s week;
    None when there is no such project in the workspace."""
    info = projects.get_by_id(session, team_id, project_id)
    if info is None:
        return None
    monday, start, end = _week_bounds(info, week_start)
    status = progress.summaries(session, [info], now=now, calendar=calendar, trend=True)[info.id]
    members = _members(info, status)
    approvals, pending = _approvals(session, info, start, end)
    directives, overdue = _directives(session, info, start, end, _local_today(info, now))
    opened, conclusions = _discussions(session, info, start, end)
    return ProjectDigest(
        project=info,
        week_start=monday,
        week_end=monday + WEEK - timedelta(days=1),
        period=status.period,
        percent=status.percent,
        health=status.health,
        trend=status.trend,
        health_trend=_health_trend(session, info, status.period),
        members=members,
        departments=_departments(info, members),
        approvals=approvals,
        pending_approvals=pending,
        directives=directives,
        overdue=overdue,
        discussions_opened=opened,
        conclusions=conclusions,
        missing=status.missing,
        late=status.period.is_late(now),
    )


def current_week(session: Session, team_id: str, key: str, *, now: datetime, calendar: WorkCalendar) -> ProjectDigest:
    """The digest of this week (in the project's zone) of the project with that key, closed or not."""
    normalised = key.strip().upper()
    found = session.execute(
        select(Project.id, Project.timezone).where(Project.team_id == team_id, Project.key == normalised)
    ).first()
    if found is None:
        raise DomainError("digest.not_found", key=key.strip()[:30] or "-")
    project_id, zone = found
    digest = project_week(
        session,
        team_id,
        project_id,
        week_start=now.astimezone(ZoneInfo(zone)).date(),
        now=now,
        calendar=calendar,
    )
    assert digest is not None  # found a moment ago, in the same transaction
    return digest


def cross_project(
    session: Session, team_id: str, *, now: datetime, calendar: WorkCalendar, only: set[str] | None = None
) -> list[ProjectLine]:
    """One line per active project of the workspace (or of the keys in `only`), by key. A fixed number of
    queries however many projects: each figure is one bulk query, its rows grouped by project."""
    if only is not None and not only:
        return []
    infos = projects.active_in_team(session, team_id, only)
    if not infos:
        return []
    ids = [info.id for info in infos]
    summaries = progress.summaries(session, infos, now=now, calendar=calendar)
    todays = {info.id: _local_today(info, now) for info in infos}
    overdue: dict[int, int] = defaultdict(int)
    # today differs by project zone: count by due date, and compare with each project's own today
    for project_id, due_date, count in session.execute(
        select(Directive.project_id, Directive.due_date, func.count())
        .where(
            Directive.project_id.in_(ids),
            Directive.status != DirectiveStatus.DONE,
            Directive.due_date < max(todays.values()),
        )
        .group_by(Directive.project_id, Directive.due_date)
    ):
        if due_date < todays[project_id]:
            overdue[project_id] += count
    pending = {
        project_id: count
        for project_id, count in session.execute(
            select(ApprovalRequest.project_id, func.count())
            .where(ApprovalRequest.project_id.in_(ids), ApprovalRequest.status == RequestStatus.PENDING)
            .group_by(ApprovalRequest.project_id)
        )
    }
    lines = []
    for info in infos:
        status = summaries[info.id]
        lines.append(
            ProjectLine(
                project_id=info.id,
                key=info.key,
                name=info.name,
                health=status.health,
                percent=status.percent,
                late_reports=len(status.missing) if status.period.is_late(now) else 0,
                overdue_directives=overdue[info.id],
                pending_approvals=pending.get(info.id, 0),
            )
        )
    return lines


def for_viewer(
    session: Session, team_id: str, viewer: str, *, is_admin: bool, now: datetime, calendar: WorkCalendar
) -> list[ProjectLine]:
    """What `/digest` shows: every active project to an admin, one's own projects to anyone else."""
    if is_admin:
        return cross_project(session, team_id, now=now, calendar=calendar)
    mine = {info.key for info in projects.list_mine(session, team_id, viewer)}
    if not mine:
        raise DomainError("digest.no_projects")
    return cross_project(session, team_id, now=now, calendar=calendar, only=mine)


def _subscription(session: Session, team_id: str, user_id: int) -> DigestSubscription | None:
    return session.scalar(
        select(DigestSubscription).where(DigestSubscription.team_id == team_id, DigestSubscription.user_id == user_id)
    )


def subscribe(session: Session, team_id: str, slack_user_id: str, *, now: datetime) -> bool:
    """Adds the person to the cross-project digest; False when they were subscribed already."""
    user = users.ensure(session, team_id, slack_user_id)
    if _subscription(session, team_id, user.id) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(DigestSubscription(team_id=team_id, user_id=user.id, created_at=now))
    except IntegrityError:  # the same request twice at once: the other one subscribed them
        return False
    audit.record(session, team_id, slack_user_id, "digest.subscribed", "user", user.id, at=now)
    return True


def unsubscribe(session: Session, team_id: str, slack_user_id: str, *, now: datetime) -> bool:
    """False when they were not subscribed."""
    user = users.find(session, team_id, slack_user_id)
    if user is None:
        return False
    removed = session.execute(
        delete(DigestSubscription).where(DigestSubscription.team_id == team_id, DigestSubscription.user_id == user.id)
    )
    if not removed.rowcount:
        return False
    audit.record(session, team_id, slack_user_id, "digest.unsubscribed", "user", user.id, at=now)
    return True


def recipients(session: Session, team_id: str, admins: frozenset[str]) -> list[str]:
    """Who gets the cross-project digest: the admins Onnuri has seen in this workspace, then the
    subscribers in the order they subscribed, each once."""
    known_admins = (
        session.scalars(
            select(User.slack_user_id).where(User.team_id == team_id, User.slack_user_id.in_(sorted(admins)))
        ).all()
        if admins
        else []
    )
    subscribers = session.scalars(
        select(User.slack_user_id)
        .join(DigestSubscription, DigestSubscription.user_id == User.id)
        .where(DigestSubscription.team_id == team_id)
        .order_by(DigestSubscription.id)
    ).all()
    return list(dict.fromkeys([*sorted(known_admins), *subscribers]))
