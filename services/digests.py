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
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from models import (
    ApprovalRequest,
    Cadence,
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
from services import audit, notices, obligations, progress, projects, users
from services.audience import Audience
from services.calendar import WorkCalendar
from services.errors import DomainError
from services.periods import LENGTH, Period, period_at
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
    reported: bool  # has an update for a period of the digest's week


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
    period: Period  # the reporting period that falls due in the week (due_at None when none does)
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
    missing: tuple[str, ...]  # members who owed a report due in the week and have not made it
    late: bool  # some of them are past their own deadline
    missing_late: tuple[str, ...] = ()  # those past their own deadline


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


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _local_today(info: ProjectInfo, now: datetime) -> date:
    return now.astimezone(ZoneInfo(info.timezone)).date()


def _week_bounds(info: ProjectInfo, week_start: date) -> tuple[date, datetime, datetime]:
    """The Monday of `week_start`'s week and the UTC instants its first and the next week's first local day start."""
    monday = _monday(week_start)
    zone = ZoneInfo(info.timezone)
    start = datetime.combine(monday, time.min, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(monday + WEEK, time.min, tzinfo=zone).astimezone(UTC)
    return monday, start, end


def _within(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and start <= moment < end


def _worst(healths: Sequence[Health | None]) -> Health | None:
    known = [h for h in healths if h is not None]
    return max(known, key=HEALTH_ORDER.__getitem__) if known else None


def _members(info: ProjectInfo, status: ProjectProgress, reported: frozenset[str]) -> tuple[MemberProgress, ...]:
    """Each member's latest figures and whether they reported in the week; observers only once they have
    reported something."""
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
                reported=member.slack_user_id in reported,
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


@dataclass(frozen=True)
class WeekReporting:
    """Who reported in a week, and who owed a report that fell due in it and has not made it."""

    period: Period  # the latest period due in the week by `now` (the first still to come before that)
    reported: frozenset[str]  # members with an update for any period of the week
    missing: tuple[str, ...]  # members who owed a report due in the week and have not made it
    overdue: tuple[str, ...]  # those of them past their own deadline at `now`

    @property
    def late(self) -> bool:
        return bool(self.overdue)


def week_periods(info: ProjectInfo, monday: date, calendar: WorkCalendar) -> list[Period]:
    """The project's reporting periods that overlap the seven local days from `monday`."""
    anchor = info.created_at.astimezone(ZoneInfo(info.timezone)).date()
    found: dict[date, Period] = {}
    for offset in range(7) if info.cadence is Cadence.DAILY else (0,):
        moment = datetime.combine(monday + timedelta(days=offset), time(12), tzinfo=ZoneInfo(info.timezone))
        period = period_at(moment, info.cadence, info.timezone, anchor, calendar)
        found.setdefault(period.start, period)
    return list(found.values())


def _shown_period(due: list[Period], now: datetime, monday: date) -> Period:
    passed = [p for p in due if p.due_at is not None and p.due_at <= now]
    if passed:
        return passed[-1]
    return due[0] if due else Period(start=monday, end=monday + WEEK, due_at=None)


def weeks_reporting(
    session: Session, infos: Sequence[ProjectInfo], mondays: dict[int, date], now: datetime, calendar: WorkCalendar
) -> dict[int, WeekReporting]:
    """Each project's reporting in its week (`mondays[project id]`), in a fixed number of queries: every
    period due in the week counts (a daily project's five), each judged by the one rule of who owes it."""
    if not infos:
        return {}
    periods = {info.id: week_periods(info, mondays[info.id], calendar) for info in infos}
    due: dict[int, list[Period]] = {}
    for info in infos:
        _monday, start, end = _week_bounds(info, mondays[info.id])
        due[info.id] = [p for p in periods[info.id] if p.due_at is not None and start <= p.due_at < end]
    since = min(p.start for found in periods.values() for p in found)
    updates: dict[int, set[tuple[str, date]]] = defaultdict(set)
    for project_id, author, period_start in session.execute(
        select(ProgressUpdate.project_id, User.slack_user_id, ProgressUpdate.period_start)
        .join(User, User.id == ProgressUpdate.author_id)
        .where(ProgressUpdate.project_id.in_([info.id for info in infos]), ProgressUpdate.period_start >= since)
    ):
        updates[project_id].add((author, period_start))
    teams = {info.team_id for info in infos}
    absences = obligations.absences_around(
        session, teams.pop() if len(teams) == 1 else None, [p for found in due.values() for p in found]
    )
    result = {}
    for info in infos:
        starts = {p.start for p in periods[info.id]}
        made = updates.get(info.id, set())
        missing: dict[str, bool] = {}  # person -> past their own deadline for some report
        for period in due[info.id]:
            for person in obligations.debtors(info, period, absences):
                if (person, period.start) in made:
                    continue
                member = info.member(person)
                limit = obligations.deadline(period, info.timezone, member.tz if member else None)
                missing[person] = missing.get(person, False) or (limit is not None and now > limit)
        order = [m.slack_user_id for m in info.members]
        result[info.id] = WeekReporting(
            period=_shown_period(due[info.id], now, mondays[info.id]),
            reported=frozenset(author for author, start in made if start in starts),
            missing=tuple(p for p in order if p in missing),
            overdue=tuple(p for p in order if missing.get(p)),
        )
    return result


def project_week(
    session: Session, team_id: str, project_id: int, *, week_start: date, now: datetime, calendar: WorkCalendar
) -> ProjectDigest | None:
    """The digest of one project for the seven local days from the Monday of `week_start`'s week, as it
    stands at `now`: who reported in that week, its approvals, directives and discussions. None when there
    is no such project in the workspace, or the week ended before the project was registered."""
    info = projects.get_by_id(session, team_id, project_id)
    if info is None:
        return None
    monday, start, end = _week_bounds(info, week_start)
    if info.created_at >= end:
        return None
    as_of = min(now, end - timedelta(microseconds=1))  # a past week's trend ends with that week
    status = progress.summaries(session, [info], now=as_of, calendar=calendar, trend=True)[info.id]
    reporting = weeks_reporting(session, [info], {info.id: monday}, now, calendar)[info.id]
    members = _members(info, status, reporting.reported)
    approvals, pending = _approvals(session, info, start, end)
    directives, overdue = _directives(session, info, start, end, _local_today(info, now))
    opened, conclusions = _discussions(session, info, start, end)
    return ProjectDigest(
        project=info,
        week_start=monday,
        week_end=monday + WEEK - timedelta(days=1),
        period=reporting.period,
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
        missing=reporting.missing,
        late=reporting.late,
        missing_late=reporting.overdue,
    )


def current_week(
    session: Session, team_id: str, key: str, *, viewer: str, is_admin: bool, now: datetime, calendar: WorkCalendar
) -> ProjectDigest:
    """The digest of this week (in the project's zone) of the project with that key, closed or not, for its
    members and admins."""
    normalised = key.strip().upper()
    found = session.execute(
        select(Project.id, Project.timezone).where(Project.team_id == team_id, Project.key == normalised)
    ).first()
    if found is None:
        raise DomainError("digest.not_found", key=key.strip()[:30] or "-")
    info = projects.get_by_id(session, team_id, found[0])
    assert info is not None  # found a moment ago, in the same transaction
    projects.check_can_read_work(info, viewer, is_admin=is_admin)
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
    session: Session,
    team_id: str,
    *,
    now: datetime,
    calendar: WorkCalendar,
    only: set[str] | None = None,
    week_start: date | None = None,
) -> list[ProjectLine]:
    """One line per active project of the workspace (or of the keys in `only`), by key: its state at `now`
    and who has not reported in the week of `week_start` (each project's current week when None). A fixed
    number of queries however many projects: each figure is one bulk query, its rows grouped by project."""
    if only is not None and not only:
        return []
    infos = projects.active_in_team(session, team_id, only)
    if not infos:
        return []
    ids = [info.id for info in infos]
    summaries = progress.summaries(session, infos, now=now, calendar=calendar)
    todays = {info.id: _local_today(info, now) for info in infos}
    mondays = {info.id: _monday(week_start or todays[info.id]) for info in infos}
    reporting = weeks_reporting(session, infos, mondays, now, calendar)
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
                late_reports=len(reporting[info.id].overdue),
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


# -- when the weekly digests go out ----------------------------------------------------------------

DIGEST_TIME = time(9, 0)  # 09:00 on the week's first working day


def _first_morning(week_of: date, tz: str, audience: Audience) -> datetime | None:
    """09:00 on the first working day of `week_of`'s week in the zone; None for a week without one."""
    monday = _monday(week_of)
    first = audience.working_time.calendar.first_working_day(monday, monday + WEEK)
    return audience.working_time.slot(first, tz, DIGEST_TIME) if first else None


def _on_first_working_day(now: datetime, tz: str, audience: Audience) -> date | None:
    """This week's Monday, when `now` is on or after 09:00 of the week's first working day and still
    that day (a digest missed that day is not sent late in the week); otherwise None."""
    today = audience.working_time.local(now, tz).date()
    opens = _first_morning(today, tz, audience)
    if opens is None or now < opens or audience.working_time.local(opens, tz).date() != today:
        return None
    return _monday(today)


def due(
    session: Session, now: datetime, audience: Audience, infos: list[ProjectInfo], admins: frozenset[str]
) -> list[dict[str, Any]]:
    """The weekly digests whose time has come at `now`, as outbox rows: each project's last week to its
    channel (not for a week before it was registered), and the cross-project digest of last week to admins
    and subscribers; each on its week's first working day from 09:00, outside quiet hours."""
    rows: list[dict[str, Any]] = []
    for info in infos:
        if not info.channel_id or not audience.working_time.reachable(now, info.timezone):
            continue
        monday = _on_first_working_day(now, info.timezone, audience)
        if monday is None or info.created_at >= _week_bounds(info, monday)[1]:
            continue
        digest = notices.ProjectDigest(info.id, week_start=monday - WEEK)
        rows.append(
            notices.row(info.team_id, info.channel_id, digest, f"digest:project:{info.id}:{monday.isoformat()}")
        )
    for team in sorted({info.team_id for info in infos}):
        for person in recipients(session, team, admins):
            monday = _on_first_working_day(now, audience.tz(team, person), audience)
            if monday is None or not audience.reachable(team, person, now):
                continue
            cross = notices.CrossDigest(week_start=monday - WEEK)
            rows.append(notices.row(team, person, cross, f"digest:cross:{person}:{monday.isoformat()}"))
    return rows
