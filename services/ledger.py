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
    DirectiveReport,
    DirectiveStatus,
    Discussion,
    DiscussionReply,
    LedgerAdjustment,
    MemberRole,
    PollVote,
    ProgressUpdate,
    Project,
    ProjectMember,
    ReportKind,
    StepStatus,
    User,
)
from services import audit, notices, obligations, projects, users
from services.calendar import WorkCalendar
from services.errors import DomainError
from services.obligations import DAY_MARGIN
from services.periods import LENGTH, period_starting
from services.projects import stints
from services.working_time import WorkingTime

DEFAULT_WEIGHTS = {"progress": 50, "approvals": 20, "directives": 20, "discussions": 10}
DISCUSSION_TARGET = 4  # replies and votes (openings and conclusions count double) that make full marks
ADJUSTMENT_LIMIT = 20  # points up or down, for one correction and for a month's in all


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
    name: str  # empty only while Slack has not told us the person's name
    department: str | None
    project_key: str
    project_name: str
    member: bool = True  # on the project during the month (not only acting on it, as a proxy or voter)
    progress_due: int = 0
    on_time: int = 0
    late: int = 0
    missed: int = 0
    not_due: int = 0  # periods excused: holiday-only, before joining, or away
    approvals_decided: int = 0
    approvals_prompt: int = 0  # decided within the office hours before a reminder
    approvals_overdue: int = 0  # left undecided past that deadline
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
    partial: bool = False  # restricted to some projects: lines only, no score

    @property
    def score(self) -> float | None:
        if self.partial:
            return None
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


@dataclass(frozen=True)
class Rules:
    """How the ledger counts, from the organisation's settings: one value every surface uses (App Home,
    /report me, /report participation, the CLI export), so the same inputs give the same score."""

    calendar: WorkCalendar
    working_time: WorkingTime  # office hours (근무시간) on working days
    org_tz: str  # month boundaries and approval office hours
    weights: Mapping[str, int]
    prompt_hours: int  # an approval decided within this many office hours (before a reminder) is prompt


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
                ProjectMember.earlier_stints,
            )
            .join(User, User.id == ProjectMember.user_id)
            .outerjoin(Department, Department.id == User.department_id)
            .where(ProjectMember.project_id.in_(ids))
            .order_by(ProjectMember.id)
        )
    )


def _gone_at(spans: list[tuple[datetime, datetime | None]], moment: datetime) -> bool:
    """Whether the person had left the project (and not come back) by `moment`."""
    return not any(j < moment and (gone is None or gone > moment) for j, gone in spans)


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
    rules: Rules,
    keys: Iterable[str] | None = None,
    people: set[str] | None = None,
) -> list[Line]:
    """Every (person, project) line of the month, for the team (or those projects / people)."""
    projects = _projects(session, team_id, keys)
    if not projects:
        return []
    ids = [p.id for p in projects]
    by_id = {p.id: p for p in projects}
    calendar, working_time, org_tz = rules.calendar, rules.working_time, rules.org_tz
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
                name=member.display_name if member else "",
                department=member.department if member else None,
                project_key=project.key,
                project_name=project.name,
                member=member is not None and member.joined_at < end and (member.left_at or end) > start,
            )
        return lines[(person, project_id)]

    member_rows = {(m.slack_user_id, m.project_id): m for m in members}
    _progress(session, projects, members, month, now, calendar, working_time, team_id, line)
    _approvals(session, ids, start, end, now, working_time, org_tz, rules.prompt_hours, line)
    _directives(session, ids, month, now, line)
    _discussions(session, ids, start, end, line)
    _name_the_others(session, team_id, [x for x in lines.values() if not x.member])
    return sorted(lines.values(), key=lambda x: (x.name, x.person, x.project_key))


def _name_the_others(session: Session, team_id: str, lines: list[Line]) -> None:
    """People who acted on a project without being on it (a proxy's 대결, a vote) are named from their
    profile, with their own department, never by their id."""
    if not lines:
        return
    found = {
        slack_id: (name, department)
        for slack_id, name, department in session.execute(
            select(User.slack_user_id, User.display_name, Department.name)
            .outerjoin(Department, Department.id == User.department_id)
            .where(User.team_id == team_id, User.slack_user_id.in_(sorted({x.person for x in lines})))
        )
    }
    for item in lines:
        item.name, item.department = found.get(item.person, ("", None))


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
                earlier = stints(member.earlier_stints)
                spans = [*earlier, (member.joined_at, member.left_at)]
                if not any(j < month_end and (gone is None or gone > month_start) for j, gone in spans):
                    continue  # not on the project at all that month
                limit = obligations.deadline(period, project.timezone, member.tz)
                if limit is None or limit > now:
                    continue  # their own deadline has not come yet
                found = line(member.slack_user_id, project.id)
                if found is None:
                    continue
                if not any(j < period.due_at for j, _ in spans):
                    found.not_due += 1  # not yet on the project when it fell due
                    continue
                if not obligations.owes(
                    period,
                    project.timezone,
                    person=member.slack_user_id,
                    person_tz=member.tz,
                    role=member.role,
                    joined_at=member.joined_at,
                    left_at=member.left_at,
                    earlier=earlier,
                    absences=away,
                ):
                    found.not_due += 1 if not _gone_at(spans, period.due_at) else 0  # away, or between stints
                    continue
                found.progress_due += 1
                made = reports.get((project.id, member.slack_user_id, period.start))
                if not made:
                    found.missed += 1
                elif min(made) <= limit:
                    found.on_time += 1
                else:
                    found.late += 1


def _approvals(session, ids, start, end, now, working_time, org_tz, prompt_hours, line) -> None:
    """Each approval step once: in the month it was decided, if decided within `prompt_hours` office hours
    of its turn; otherwise in the month that deadline passed, decided late or not at all (sitting on a
    request counts like a late decision). Steps skipped before their deadline (the request returned,
    withdrawn, or ended by 전결) and approvers away at the deadline count for nobody."""
    rows = session.execute(
        select(
            ApprovalRequest.id,
            ApprovalRequest.project_id,
            ApprovalRequest.created_at,
            ApprovalRequest.closed_at,
            ApprovalStep.position,
            ApprovalStep.status,
            ApprovalStep.decided_at,
            approver.slack_user_id.label("approver"),
            decider.slack_user_id.label("decider"),
        )
        .join(ApprovalStep, ApprovalStep.request_id == ApprovalRequest.id)
        .join(approver, approver.id == ApprovalStep.approver_id)
        .outerjoin(decider, decider.id == ApprovalStep.decided_by_id)
        .where(
            ApprovalRequest.project_id.in_(ids),
            ApprovalRequest.created_at < end,
            or_(ApprovalRequest.closed_at.is_(None), ApprovalRequest.closed_at >= start),
        )
        .order_by(ApprovalRequest.id, ApprovalStep.position)
    )
    by_request: dict[int, list[Row]] = defaultdict(list)
    for row in rows:
        by_request[row.id].append(row)
    people = {r.approver for steps in by_request.values() for r in steps}
    away = obligations.load_absences(session, None, start - DAY_MARGIN, min(end, now) + DAY_MARGIN, people)
    for steps in by_request.values():
        for row in steps:
            earlier = [r for r in steps if r.position < row.position]
            if any(r.decided_at is None for r in earlier):
                continue  # its turn never came
            turn = max((r.decided_at for r in earlier), default=row.created_at)
            deadline = working_time.after_office_hours(turn, prompt_hours, org_tz)
            decided = row.status in (StepStatus.APPROVED, StepStatus.REJECTED) and row.decided_at is not None
            if decided and row.decided_at <= deadline:
                if start <= row.decided_at < end and (found := line(row.decider or row.approver, row.project_id)):
                    found.approvals_decided += 1
                    found.approvals_prompt += 1
                    found.approval_hours.append(working_time.office_hours(turn, row.decided_at, org_tz))
                continue
            ended = row.decided_at if decided else (row.closed_at if row.status is StepStatus.SKIPPED else None)
            if row.status is StepStatus.SKIPPED and (ended is None or ended <= deadline):
                continue  # the request ended before the deadline
            if not (start <= deadline < end) or deadline > now:
                continue
            # late: whoever decided; undecided: the approver, or whoever stood in for them (대결) at the deadline
            held = row.decider if decided else away.proxy_at(row.approver, deadline) or row.approver
            if held == row.approver and not decided and away.away_at(row.approver, deadline):
                continue
            found = line(held, row.project_id)
            if found is None:
                continue
            if decided:
                found.approvals_decided += 1
                found.approval_hours.append(working_time.office_hours(turn, row.decided_at, org_tz))
            else:
                found.approvals_overdue += 1


approver = aliased(User)
decider = aliased(User)


def _directives(session, ids, month, now, line) -> None:
    """Assignees are judged by when they made the completion report that stands (not sent back), not by
    when the issuer got round to accepting it: a slow 완료 확인 costs the assignee nothing."""
    reported = (
        select(DirectiveReport.directive_id, func.max(DirectiveReport.created_at).label("at"))
        .where(DirectiveReport.kind == ReportKind.COMPLETION)
        .group_by(DirectiveReport.directive_id)
        .subquery()
    )
    for project_id, slack_id, due, status, completed, tz in session.execute(
        select(
            Directive.project_id,
            User.slack_user_id,
            Directive.due_date,
            Directive.status,
            reported.c.at,
            Project.timezone,
        )
        .join(DirectiveAssignee, DirectiveAssignee.directive_id == Directive.id)
        .join(User, User.id == DirectiveAssignee.user_id)
        .join(Project, Project.id == Directive.project_id)
        .outerjoin(reported, reported.c.directive_id == Directive.id)
        .where(Directive.project_id.in_(ids), Directive.due_date >= month.first, Directive.due_date < month.next_first)
    ):
        done = status in (DirectiveStatus.REPORTED, DirectiveStatus.DONE) and completed is not None
        if not done and now.astimezone(ZoneInfo(tz)).date() <= due:
            continue  # still open and not yet due: nothing to hold against anyone
        found = line(slack_id, project_id)
        if found is None:
            continue
        found.directives_assigned += 1
        if done:
            if completed.astimezone(ZoneInfo(tz)).date() <= due:
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
    *,
    prompt_hours: int,
    partial: bool = False,
) -> list[PersonMonth]:
    """One record a person: the lines, the components of the score and any admin adjustment. A `partial`
    record (some projects only) keeps its lines and has no score: a total under the same name would differ
    from the person's own."""
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
                "approvals_overdue",
                "directives_assigned",
                "directives_on_time",
                "directives_late",
                "replies",
                "votes",
                "discussions_opened",
                "discussions_closed",
            ):
                total[name] += getattr(item, name)
        # discussions count where the person is on the project, not where they only had a directive or voted
        held = any(item.project_key in held_projects and item.member for item in own)
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
                total["approvals_prompt"] / owed
                if (owed := total["approvals_decided"] + total["approvals_overdue"])
                else None,
                {
                    "prompt": total["approvals_prompt"],
                    "decided": total["approvals_decided"],
                    "overdue": total["approvals_overdue"],
                    "hours": prompt_hours,
                },
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
        named = next((item for item in own if item.name), own[0] if own else None)
        result.append(
            PersonMonth(
                person=person,
                name=named.name if named else "",
                department=named.department if named else None,
                month=month,
                lines=tuple(own),
                components=() if partial else components,
                adjustments=() if partial else tuple(adjustments.get(person, ())),
                partial=partial,
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
    """An admin's note (0 points) or correction to a person's month, with a reason; audited, and the person
    is told who changed their month, by how much and why. A month's corrections stay within ±ADJUSTMENT_LIMIT
    in all."""
    if not is_admin:
        raise DomainError("report.admin_only")
    if not reason.strip():
        raise DomainError("report.reason_missing")
    user = users.ensure(session, team_id, person)
    already = session.scalar(
        select(func.coalesce(func.sum(LedgerAdjustment.points), 0)).where(
            LedgerAdjustment.team_id == team_id,
            LedgerAdjustment.user_id == user.id,
            LedgerAdjustment.month == str(month),
        )
    )
    if abs(points) > ADJUSTMENT_LIMIT or abs(already + points) > ADJUSTMENT_LIMIT:
        raise DomainError("report.adjustment_too_large", limit=ADJUSTMENT_LIMIT, total=already)
    row = LedgerAdjustment(
        team_id=team_id,
        user=user,
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
    notices.send(session, team_id, person, notices.LedgerAdjusted(row.id), f"ledger:adjusted:{row.id}")
    return Adjustment(row.points, row.reason, row.author, row.created_at)


def month_records(
    session: Session,
    team_id: str,
    month: Month,
    *,
    now: datetime,
    rules: Rules,
    keys: Iterable[str] | None = None,
    people: set[str] | None = None,
) -> list[PersonMonth]:
    """The month's records, each person once, with their lines, score, breakdown and adjustments; limited
    to some projects (`keys`), the records are partial: per-project lines, no score, no adjustments."""
    lines = compute(session, team_id, month, now=now, rules=rules, keys=keys, people=people)
    corrections = adjustments(session, team_id, month)
    if people is not None:
        corrections = {p: a for p, a in corrections.items() if p in people}
    return summarise(
        lines,
        month,
        rules.weights,
        {} if keys is not None else corrections,
        held_projects(session, team_id, month, rules.org_tz),
        prompt_hours=rules.prompt_hours,
        partial=keys is not None,
    )


def report_scope(session: Session, team_id: str, viewer: str, key: str | None, *, is_admin: bool) -> list[str] | None:
    """Whose participation the viewer may see, as project keys: every project (None) for an admin, or the one
    named; for a lead, the projects they lead (the one named must be one). Anyone else sees only their own
    (/report me), so a plain member is refused."""
    if is_admin:
        return [projects.get(session, team_id, key).key] if key else None
    if key:
        info = projects.get(session, team_id, key)
        if info.role_of(viewer) is not MemberRole.LEAD:
            raise DomainError("report.not_lead", key=info.key)
        return [info.key]
    led = [p.key for p in projects.list_mine(session, team_id, viewer) if p.role_of(viewer) is MemberRole.LEAD]
    if not led:
        raise DomainError("report.not_allowed")
    return led


def person_month(session: Session, team_id: str, person: str, month: Month, *, now: datetime, rules: Rules):
    """One person's record of the month over all their projects: what /report me and App Home show."""
    found = month_records(session, team_id, month, now=now, rules=rules, people={person})
    return found[0] if found else None


@dataclass(frozen=True)
class AdjustmentNotice:
    person: str
    month: str
    points: int
    reason: str
    author: str


def adjustment_notice(session: Session, team_id: str, adjustment_id: int) -> AdjustmentNotice | None:
    row = session.get(LedgerAdjustment, adjustment_id)
    if row is None or row.team_id != team_id:
        return None
    return AdjustmentNotice(row.user.slack_user_id, row.month, row.points, row.reason, row.author)
