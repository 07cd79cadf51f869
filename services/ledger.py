"""The participation ledger (근무평가 반영): what each person did on each project in a month, computed
from what the bot already stores, and a 0-100 score with its breakdown.

Fair by construction: a period is due only if it has a working day, the person had joined before its
due time, had not left, and was not away on the due day; a report counts as on time up to 10:00 of the
due day in the project's zone or the person's own, whichever is later; an edited update is one update.

Every figure for a whole organisation comes from a fixed number of queries (no query per person or
per project), so a month for 10,000 people costs what a month for ten does, in round trips.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Row, func, or_, select
from sqlalchemy.orm import Session, aliased

from models import (
    ApprovalRequest,
    ApprovalStep,
    Department,
    Directive,
    DirectiveAssignee,
    DirectiveStatus,
    Discussion,
    DiscussionReply,
    LedgerAdjustment,
    MemberRole,
    PollVote,
    ProgressUpdate,
    Project,
    ProjectMember,
    User,
)
from services import audit, obligations, users
from services.calendar import WorkCalendar
from services.errors import DomainError
from services.obligations import DAY_MARGIN
from services.periods import LENGTH, period_starting
from services.working_time import WorkingTime

DEFAULT_WEIGHTS = {"progress": 50, "approvals": 20, "directives": 20, "discussions": 10}
PROMPT_HOURS = 24  # an approval decided within this many working hours counts as prompt
DISCUSSION_TARGET = 4  # replies and votes (openings and conclusions count double) that make full marks
ADJUSTMENT_LIMIT = 20


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        try:
            year, month = (int(part) for part in text.strip().split("-"))
            if not 2000 <= year <= 2100 or not 1 <= month <= 12:
                raise ValueError
        except ValueError:
            raise DomainError("report.bad_month", value=text.strip()[:20]) from None
        return cls(year, month)

    @classmethod
    def of(cls, moment: datetime, tz: str) -> Month:
        local = moment.astimezone(ZoneInfo(tz))
        return cls(local.year, local.month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def next_first(self) -> date:
        return date(self.year + self.month // 12, self.month % 12 + 1, 1)

    def bounds(self, tz: str = "UTC") -> tuple[datetime, datetime]:
        zone = ZoneInfo(tz)
        return (
            datetime.combine(self.first, time(0), zone).astimezone(UTC),
            datetime.combine(self.next_first, time(0), zone).astimezone(UTC),
        )

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


@dataclass
class Line:
    """One person on one project in one month."""

    person: str
    name: str
    department: str | None
    project_key: str
    project_name: str
    progress_due: int = 0
    on_time: int = 0
    late: int = 0
    missed: int = 0
    not_due: int = 0  # periods excused: holiday-only, before joining, or away
    approvals_decided: int = 0
    approvals_prompt: int = 0
    approval_hours: list[float] = field(default_factory=list)
    directives_assigned: int = 0
    directives_on_time: int = 0
    directives_late: int = 0
    replies: int = 0
    votes: int = 0
    discussions_opened: int = 0
    discussions_closed: int = 0

    @property
    def approval_median_hours(self) -> float | None:
        return round(statistics.median(self.approval_hours), 1) if self.approval_hours else None


@dataclass(frozen=True)
class Component:
    name: str
    weight: float
    value: float | None  # 0..1, None when nothing of the kind was due (then it does not count)
    counts: Mapping[str, int]  # what it was counted from, for the breakdown


@dataclass(frozen=True)
class Adjustment:
    points: int
    reason: str
    author: str
    at: datetime


@dataclass(frozen=True)
class PersonMonth:
    person: str
    name: str
    department: str | None
    month: Month
    lines: tuple[Line, ...]
    components: tuple[Component, ...]
    adjustments: tuple[Adjustment, ...]

    @property
    def score(self) -> float | None:
        counted = [c for c in self.components if c.value is not None and c.weight > 0]
        if not counted:
            return None
        total = sum(c.weight for c in counted)
        base = sum(c.weight * c.value for c in counted) / total * 100  # type: ignore[operator]
        return round(max(0.0, min(100.0, base + sum(a.points for a in self.adjustments))), 1)


def parse_weights(text: str | None) -> dict[str, int]:
    """ "progress=50,approvals=20,directives=20,discussions=10"; missing names keep their default."""
    weights = dict(DEFAULT_WEIGHTS)
    for part in (text or "").split(","):
        if not part.strip():
            continue
        name, _, value = part.partition("=")
        name = name.strip()
        if name not in weights or not value.strip().isdigit():
            raise ValueError(f"weights look like progress=50,approvals=20,directives=20,discussions=10; not {part!r}")
        weights[name] = int(value)
    if not sum(weights.values()):
        raise ValueError("at least one weight must be above zero")
    return weights


# -- reading a month -----------------------------------------------------------------------------


def _projects(session: Session, team_id: str, keys: Iterable[str] | None) -> list[Row]:
    query = select(
        Project.id, Project.key, Project.name, Project.cadence, Project.timezone, Project.created_at, Project.closed_at
    ).where(Project.team_id == team_id)
    if keys is not None:
        query = query.where(Project.key.in_(sorted({k.strip().upper() for k in keys})))
    return list(session.execute(query.order_by(Project.key)))


def _members(session: Session, ids: list[int]) -> list[Row]:
    return list(
        session.execute(
            select(
                ProjectMember.project_id,
                User.slack_user_id,
                User.display_name,
                User.tz,
                Department.name.label("department"),
                ProjectMember.role,
                ProjectMember.joined_at,
                ProjectMember.left_at,
            )
            .join(User, User.id == ProjectMember.user_id)
            .outerjoin(Department, Department.id == User.department_id)
            .where(ProjectMember.project_id.in_(ids))
            .order_by(ProjectMember.id)
        )
    )


def _periods(project: Row, month: Month, calendar: WorkCalendar):
    """The project's periods whose report falls due within the month (in the project's zone)."""
    start, end = month.bounds(project.timezone)
    length = LENGTH[project.cadence]
    anchor = project.created_at.astimezone(ZoneInfo(project.timezone)).date()
    monday = anchor - timedelta(days=anchor.weekday())
    day = month.first - timedelta(days=length)
    if length == 7:
        day -= timedelta(days=day.weekday())
    elif length == 14:
        day = monday + timedelta(days=14 * ((day - monday).days // 14))
    while day < month.next_first:
        period = period_starting(day, project.cadence, project.timezone, calendar)
        if period.due_at is not None and start <= period.due_at < end:
            yield period
        day += timedelta(days=length)


def compute(
    session: Session,
    team_id: str,
    month: Month,
    *,
    now: datetime,
    calendar: WorkCalendar,
    working_time: WorkingTime,
    org_tz: str,
    keys: Iterable[str] | None = None,
    people: set[str] | None = None,
) -> list[Line]:
    """Every (person, project) line of the month, for the team (or those projects / people)."""
    projects = _projects(session, team_id, keys)
    if not projects:
        return []
    ids = [p.id for p in projects]
    by_id = {p.id: p for p in projects}
    start, end = month.bounds(org_tz)
    members = _members(session, ids)
    lines: dict[tuple[str, int], Line] = {}

    def line(person: str, project_id: int) -> Line | None:
        if people is not None and person not in people:
            return None
        if (person, project_id) not in lines:
            member = member_rows.get((person, project_id))
            project = by_id[project_id]
            lines[(person, project_id)] = Line(
                person=person,
                name=member.display_name if member else person,
                department=member.department if member else None,
                project_key=project.key,
                project_name=project.name,
            )
        return lines[(person, project_id)]

    member_rows = {(m.slack_user_id, m.project_id): m for m in members}
    _progress(session, projects, members, month, now, calendar, working_time, team_id, line)
    _approvals(session, ids, start, end, working_time, org_tz, line)
    _directives(session, ids, month, now, line)
    _discussions(session, ids, start, end, line)
    return sorted(lines.values(), key=lambda x: (x.name, x.person, x.project_key))


def _progress(session, projects, members, month, now, calendar, working_time, team_id, line) -> None:
    ids = [p.id for p in projects]
    since = month.first - timedelta(days=max(LENGTH.values()))
    reports: dict[tuple[int, str, date], list[datetime]] = defaultdict(list)
    for project_id, slack_id, period_start, created in session.execute(
        select(ProgressUpdate.project_id, User.slack_user_id, ProgressUpdate.period_start, ProgressUpdate.created_at)
        .join(User, User.id == ProgressUpdate.author_id)
        .where(ProgressUpdate.project_id.in_(ids), ProgressUpdate.period_start >= since)
    ):
        reports[(project_id, slack_id, period_start)].append(created)
    month_start, month_end = month.bounds()
    away = obligations.load_absences(session, team_id, month_start - DAY_MARGIN, month_end + DAY_MARGIN)
    by_project: dict[int, list[Row]] = defaultdict(list)
    for member in members:
        by_project[member.project_id].append(member)
    for project in projects:
        for period in _periods(project, month, calendar):
            assert period.due_at is not None
            if period.due_at > now:
                continue  # not due yet
            if project.closed_at is not None and period.due_at >= project.closed_at:
                continue  # nobody reports to a closed project
            for member in by_project.get(project.id, ()):
                if member.role is MemberRole.OBSERVER:
                    continue
                if member.joined_at >= month_end or (member.left_at is not None and member.left_at <= month_start):
                    continue  # not on the project at all that month
                limit = obligations.deadline(period, project.timezone, member.tz)
                if limit is None or limit > now:
                    continue  # their own deadline has not come yet
                found = line(member.slack_user_id, project.id)
                if found is None:
                    continue
                if member.left_at is not None and member.left_at <= period.due_at:
                    continue  # gone before it was due: not theirs to report
                if not obligations.owes(
                    period,
                    project.timezone,
                    person=member.slack_user_id,
                    person_tz=member.tz,
                    role=member.role,
                    joined_at=member.joined_at,
                    left_at=member.left_at,
                    absences=away,
                ):
                    found.not_due += 1  # joined after its due time, or away when it fell due
                    continue
                found.progress_due += 1
                made = reports.get((project.id, member.slack_user_id, period.start))
                if not made:
                    found.missed += 1
                elif min(made) <= limit:
                    found.on_time += 1
                else:
                    found.late += 1


def _approvals(session, ids, start, end, working_time, org_tz, line) -> None:
    decided_in_month = (
        select(ApprovalStep.request_id)
        .join(ApprovalRequest, ApprovalRequest.id == ApprovalStep.request_id)
        .where(
            ApprovalRequest.project_id.in_(ids),
            ApprovalStep.decided_at >= start,
            ApprovalStep.decided_at < end,
        )
    )
    decider = aliased(User)
    approver = aliased(User)
    rows = session.execute(
        select(
            ApprovalRequest.id,
            ApprovalRequest.project_id,
            ApprovalRequest.created_at,
            ApprovalStep.position,
            ApprovalStep.decided_at,
            func.coalesce(decider.slack_user_id, approver.slack_user_id),
        )
        .join(ApprovalStep, ApprovalStep.request_id == ApprovalRequest.id)
        .join(approver, approver.id == ApprovalStep.approver_id)
        .outerjoin(decider, decider.id == ApprovalStep.decided_by_id)
        .where(ApprovalRequest.id.in_(decided_in_month))
        .order_by(ApprovalRequest.id, ApprovalStep.position)
    )
    steps: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        steps[row[0]].append(row)
    for request_steps in steps.values():
        for row in request_steps:
            _, project_id, created, position, decided_at, person = row
            if decided_at is None or not start <= decided_at < end:
                continue
            earlier = [r[4] for r in request_steps if r[3] < position and r[4] is not None]
            waited = working_time.working_hours(max(earlier, default=created), decided_at, org_tz)
            found = line(person, project_id)
            if found is None:
                continue
            found.approvals_decided += 1
            found.approvals_prompt += waited <= PROMPT_HOURS
            found.approval_hours.append(waited)


def _directives(session, ids, month, now, line) -> None:
    for project_id, slack_id, due, status, closed, tz in session.execute(
        select(
            Directive.project_id,
            User.slack_user_id,
            Directive.due_date,
            Directive.status,
            Directive.closed_at,
            Project.timezone,
        )
        .join(DirectiveAssignee, DirectiveAssignee.directive_id == Directive.id)
        .join(User, User.id == DirectiveAssignee.user_id)
        .join(Project, Project.id == Directive.project_id)
        .where(Directive.project_id.in_(ids), Directive.due_date >= month.first, Directive.due_date < month.next_first)
    ):
        done = status is DirectiveStatus.DONE and closed is not None
        if not done and now.astimezone(ZoneInfo(tz)).date() <= due:
            continue  # still open and not yet due: nothing to hold against anyone
        found = line(slack_id, project_id)
        if found is None:
            continue
        found.directives_assigned += 1
        if done:
            if closed.astimezone(ZoneInfo(tz)).date() <= due:
                found.directives_on_time += 1
            else:
                found.directives_late += 1


def _discussions(session, ids, start, end, line) -> None:
    for project_id, slack_id, count in session.execute(
        select(Discussion.project_id, User.slack_user_id, func.count())
        .join(DiscussionReply, DiscussionReply.discussion_id == Discussion.id)
        .join(User, User.id == DiscussionReply.user_id)
        .where(Discussion.project_id.in_(ids), DiscussionReply.posted_at >= start, DiscussionReply.posted_at < end)
        .group_by(Discussion.project_id, User.slack_user_id)
    ):
        if (found := line(slack_id, project_id)) is not None:
            found.replies += count
    for project_id, slack_id, count in session.execute(
        select(Discussion.project_id, User.slack_user_id, func.count())
        .join(PollVote, PollVote.discussion_id == Discussion.id)
        .join(User, User.id == PollVote.user_id)
        .where(Discussion.project_id.in_(ids), PollVote.created_at >= start, PollVote.created_at < end)
        .group_by(Discussion.project_id, User.slack_user_id)
    ):
        if (found := line(slack_id, project_id)) is not None:
            found.votes += count
    opener = aliased(User)
    closer = aliased(User)
    for project_id, created, closed_at, opened_by, closed_by in session.execute(
        select(
            Discussion.project_id,
            Discussion.created_at,
            Discussion.closed_at,
            opener.slack_user_id,
            closer.slack_user_id,
        )
        .join(opener, opener.id == Discussion.opener_id)
        .outerjoin(closer, closer.id == Discussion.closed_by_id)
        .where(
            Discussion.project_id.in_(ids),
            or_(
                Discussion.created_at.between(start, end),
                Discussion.closed_at.between(start, end),
            ),
        )
    ):
        if start <= created < end and (found := line(opened_by, project_id)) is not None:
            found.discussions_opened += 1
        if closed_by and closed_at and start <= closed_at < end and (found := line(closed_by, project_id)) is not None:
            found.discussions_closed += 1


# -- scoring ---------------------------------------------------------------------------------------


def summarise(
    lines: list[Line],
    month: Month,
    weights: Mapping[str, int],
    adjustments: Mapping[str, list[Adjustment]],
    held_projects: set[str] | frozenset[str] = frozenset(),
) -> list[PersonMonth]:
    """One record a person: the lines, the components of the score and any admin adjustment."""
    by_person: dict[str, list[Line]] = defaultdict(list)
    for item in lines:
        by_person[item.person].append(item)
    for person in adjustments:
        by_person.setdefault(person, [])
    result = []
    for person, own in by_person.items():
        total = Counter()
        for item in own:
            for name in (
                "progress_due",
                "on_time",
                "late",
                "missed",
                "approvals_decided",
                "approvals_prompt",
                "directives_assigned",
                "directives_on_time",
                "directives_late",
                "replies",
                "votes",
                "discussions_opened",
                "discussions_closed",
            ):
                total[name] += getattr(item, name)
        held = any(item.project_key in held_projects for item in own)
        activity = total["replies"] + total["votes"] + 2 * (total["discussions_opened"] + total["discussions_closed"])
        components = (
            Component(
                "progress",
                weights["progress"],
                (total["on_time"] + 0.5 * total["late"]) / total["progress_due"] if total["progress_due"] else None,
                {"on_time": total["on_time"], "late": total["late"], "due": total["progress_due"]},
            ),
            Component(
                "approvals",
                weights["approvals"],
                total["approvals_prompt"] / total["approvals_decided"] if total["approvals_decided"] else None,
                {"prompt": total["approvals_prompt"], "decided": total["approvals_decided"], "hours": PROMPT_HOURS},
            ),
            Component(
                "directives",
                weights["directives"],
                (total["directives_on_time"] + 0.5 * total["directives_late"]) / total["directives_assigned"]
                if total["directives_assigned"]
                else None,
                {
                    "on_time": total["directives_on_time"],
                    "late": total["directives_late"],
                    "due": total["directives_assigned"],
                },
            ),
            Component(
                "discussions",
                weights["discussions"],
                min(1.0, activity / DISCUSSION_TARGET) if held or activity else None,
                {"activity": activity, "target": DISCUSSION_TARGET},
            ),
        )
        first = own[0] if own else None
        result.append(
            PersonMonth(
                person=person,
                name=first.name if first else person,
                department=first.department if first else None,
                month=month,
                lines=tuple(own),
                components=components,
                adjustments=tuple(adjustments.get(person, ())),
            )
        )
    return sorted(result, key=lambda p: (p.name, p.person))


def held_projects(session: Session, team_id: str, month: Month, org_tz: str) -> set[str]:
    """Keys of projects with a discussion open at some point in the month."""
    start, end = month.bounds(org_tz)
    return set(
        session.scalars(
            select(Project.key)
            .join(Discussion, Discussion.project_id == Project.id)
            .where(
                Project.team_id == team_id,
                Discussion.created_at < end,
                or_(Discussion.closed_at.is_(None), Discussion.closed_at >= start),
            )
            .distinct()
        )
    )


def adjustments(session: Session, team_id: str, month: Month) -> dict[str, list[Adjustment]]:
    found: dict[str, list[Adjustment]] = defaultdict(list)
    for row in session.scalars(
        select(LedgerAdjustment)
        .where(LedgerAdjustment.team_id == team_id, LedgerAdjustment.month == str(month))
        .order_by(LedgerAdjustment.id)
    ):
        found[row.user.slack_user_id].append(Adjustment(row.points, row.reason, row.author, row.created_at))
    return found


def adjust(
    session: Session,
    team_id: str,
    actor: str,
    person: str,
    month: Month,
    points: int,
    reason: str,
    *,
    is_admin: bool,
    now: datetime,
) -> Adjustment:
    """An admin's note (0 points) or correction to a person's month, with a reason; audited."""
    if not is_admin:
        raise DomainError("report.admin_only")
    if not reason.strip():
        raise DomainError("report.reason_missing")
    if abs(points) > ADJUSTMENT_LIMIT:
        raise DomainError("report.adjustment_too_large", limit=ADJUSTMENT_LIMIT)
    row = LedgerAdjustment(
        team_id=team_id,
        user=users.ensure(session, team_id, person),
        month=str(month),
        points=points,
        reason=reason.strip()[:500],
        author=actor,
        created_at=now,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        team_id,
        actor,
        "ledger.adjusted",
        "ledger",
        row.id,
        person=person,
        month=str(month),
        points=points,
        at=now,
    )
    return Adjustment(row.points, row.reason, row.author, row.created_at)


def month_records(
    session: Session,
    team_id: str,
    month: Month,
    *,
    now: datetime,
    calendar: WorkCalendar,
    working_time: WorkingTime,
    org_tz: str,
    weights: Mapping[str, int],
    keys: Iterable[str] | None = None,
    people: set[str] | None = None,
) -> list[PersonMonth]:
    """The month's records, each person once, with their lines, score, breakdown and adjustments."""
    lines = compute(
        session,
        team_id,
        month,
        now=now,
        calendar=calendar,
        working_time=working_time,
        org_tz=org_tz,
        keys=keys,
        people=people,
    )
    corrections = adjustments(session, team_id, month)
    if people is not None:
        corrections = {p: a for p, a in corrections.items() if p in people}
    if keys is not None:  # a project's report shows the people on it, not every correction of the month
        on_it = {item.person for item in lines}
        corrections = {p: a for p, a in corrections.items() if p in on_it}
    return summarise(lines, month, weights, corrections, held_projects(session, team_id, month, org_tz))
