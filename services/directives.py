"""Directives (지시): issued on a project to assignees with a deadline, closed only on a completion
report the issuer accepts. Every change is a compare-and-set, so clicks and retries act once."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from models import (
    AuditEvent,
    Directive,
    DirectiveAssignee,
    DirectiveKind,
    DirectiveReport,
    DirectiveStatus,
    MemberRole,
    Project,
    ProjectStatus,
    ReportKind,
)
from services import audit, notices, outbox, projects, users
from services.calendar import WorkCalendar
from services.errors import DomainError
from services.limits import fitted

DEFAULT_WORKING_DAYS = {DirectiveKind.REPORT: 3, DirectiveKind.PLAN: 10, DirectiveKind.ACTION: 5}
TEXT_MAX = 3000
OPEN = (DirectiveStatus.ISSUED, DirectiveStatus.ACKNOWLEDGED, DirectiveStatus.IN_PROGRESS, DirectiveStatus.RETURNED)


class Outcome(enum.Enum):
    DONE = "done"
    ALREADY = "already"  # nothing to do: the same click or an earlier one did it


class DirectiveAction(enum.Enum):
    """What a directive's card may offer; every click is checked again against the database."""

    ACKNOWLEDGE = "acknowledge"  # 확인
    REPORT = "report"  # an interim or completion report
    DECIDE = "decide"  # accept the completion (완료 확인) or send it back (보완 요청)


@dataclass(frozen=True)
class ReportInfo:
    author: str
    kind: ReportKind
    text: str
    at: datetime


@dataclass(frozen=True)
class DirectiveInfo:
    id: int
    team_id: str
    project_key: str
    project_name: str
    issuer: str
    kind: DirectiveKind
    text: str
    due_date: date
    status: DirectiveStatus
    note: str
    assignees: tuple[tuple[str, bool, bool], ...]  # (slack id, lead, acknowledged)
    reports: tuple[ReportInfo, ...]
    created_at: datetime

    def overdue(self, today: date) -> bool:
        return self.status is not DirectiveStatus.DONE and today > self.due_date

    def is_assignee(self, slack_user_id: str) -> bool:
        return any(a[0] == slack_user_id for a in self.assignees)

    def actions_for(self, viewer: str, *, is_admin: bool = False) -> tuple[DirectiveAction, ...]:
        """An assignee acknowledges and reports while it is open (see `report`); its issuer, or an admin,
        decides on a completion report (see `accept` and `return_`)."""
        found: list[DirectiveAction] = []
        mine = next((a for a in self.assignees if a[0] == viewer), None)
        if mine is not None and self.status in OPEN:
            found += [DirectiveAction.REPORT] if mine[2] else [DirectiveAction.ACKNOWLEDGE, DirectiveAction.REPORT]
        if self.status is DirectiveStatus.REPORTED and (is_admin or viewer == self.issuer):
            found.append(DirectiveAction.DECIDE)
        return tuple(found)


def add_working_days(start: date, days: int, calendar: WorkCalendar) -> date:
    day = start
    while days > 0:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            days -= 1
    return day


def default_due(
    kind: DirectiveKind, today: date, calendar: WorkCalendar, working_days: dict[DirectiveKind, int] | None = None
) -> date:
    return add_working_days(today, (working_days or DEFAULT_WORKING_DAYS)[kind], calendar)


def _info(directive: Directive, project: Project) -> DirectiveInfo:
    return DirectiveInfo(
        id=directive.id,
        team_id=directive.team_id,
        project_key=project.key,
        project_name=project.name,
        issuer=directive.issuer.slack_user_id,
        kind=directive.kind,
        text=directive.text,
        due_date=directive.due_date,
        status=directive.status,
        note=directive.note,
        assignees=tuple((a.user.slack_user_id, a.lead, a.acknowledged_at is not None) for a in directive.assignees),
        reports=tuple(ReportInfo(r.author.slack_user_id, r.kind, r.text, r.created_at) for r in directive.reports),
        created_at=directive.created_at,
    )


def _load(session: Session, team_id: str, directive_id: int, *, for_update: bool = False) -> Directive:
    query = (
        select(Directive)
        .where(Directive.team_id == team_id, Directive.id == directive_id)
        .options(selectinload(Directive.assignees), selectinload(Directive.reports))
    )
    directive = session.scalar(query.with_for_update(of=Directive) if for_update else query)
    if directive is None:
        raise DomainError("directive.not_found", id=directive_id)
    return directive


def _with_project(session: Session, directive: Directive) -> DirectiveInfo:
    return _info(directive, session.get(Project, directive.project_id))


def get(session: Session, team_id: str, directive_id: int) -> DirectiveInfo:
    """The directive, whoever asks: for what the outbox sends its own recipients. People reading one ask
    through `get_for`."""
    return _with_project(session, _load(session, team_id, directive_id))


def get_for(session: Session, team_id: str, viewer: str, directive_id: int, *, is_admin: bool) -> DirectiveInfo:
    """The directive for its issuer, its assignees, the project's leads and admins; to anyone else it does not
    exist (the same refusal as an unknown number)."""
    directive = _load(session, team_id, directive_id)
    if not _readable(session, directive, viewer, is_admin):
        raise DomainError("directive.not_found", id=directive_id)
    return _with_project(session, directive)


def _notify(
    session: Session, directive: Directive, notice: type[notices.DirectiveNotice], recipient: str, key: str
) -> None:
    notices.send(session, directive.team_id, recipient, notice(directive.id), f"directive:{directive.id}:{key}")


def _refresh(session: Session, directive: Directive, reason: str) -> None:
    """Every directive card already out redraws itself; the Homes of those involved follow."""
    cards = outbox.keyed_like(
        session, directive.team_id, notices.DirectiveCard.kind, f"directive:{directive.id}:card:%"
    )
    for card, recipient in cards:
        refresh = notices.DirectiveRefresh(directive.id, card=card)
        notices.send(session, directive.team_id, recipient, refresh, f"{card}:refresh:{reason}")
    people = [directive.issuer.slack_user_id, *(a.user.slack_user_id for a in directive.assignees)]
    notices.refresh_homes(session, directive.team_id, people, f"directive:{directive.id}:{reason}")


def issue(
    session: Session,
    team_id: str,
    actor: str,
    key: str,
    *,
    assignees: Sequence[str],
    text: str,
    kind: DirectiveKind,
    due_date: date | None,
    is_admin: bool,
    now: datetime,
    calendar: WorkCalendar,
) -> DirectiveInfo:
    """The first assignee leads (주무); the others cooperate. Only a lead of the project or an admin issues."""
    project = projects.load(session, team_id, key)
    if project.status is ProjectStatus.CLOSED:
        raise DomainError("project.closed", key=project.key)
    if not is_admin and not projects.may_direct(project, actor):
        raise DomainError("directive.not_allowed", key=project.key)
    people = list(dict.fromkeys(assignees))
    if not people:
        raise DomainError("directive.no_assignees")
    if not text.strip():
        raise DomainError("directive.text_missing")
    today = now.date()
    due = due_date or default_due(kind, today, calendar)
    if due < today:
        raise DomainError("directive.due_past", due=due.isoformat())
    directive = Directive(
        team_id=team_id,
        project_id=project.id,
        issuer=users.ensure(session, team_id, actor),
        kind=kind,
        text=fitted(text, TEXT_MAX),
        due_date=due,
        created_at=now,
    )
    for index, slack_id in enumerate(people):
        directive.assignees.append(
            DirectiveAssignee(team_id=team_id, user=users.ensure(session, team_id, slack_id), lead=index == 0)
        )
    session.add(directive)
    session.flush()
    audit.record(
        session,
        team_id,
        actor,
        "directive.issued",
        "directive",
        directive.id,
        key=project.key,
        assignees=people,
        due=due.isoformat(),
        kind=kind.value,
        at=now,
    )
    for slack_id in people:
        _notify(session, directive, notices.DirectiveCard, slack_id, f"card:{slack_id}")
    notices.refresh_homes(session, team_id, [actor, *people], f"directive:{directive.id}:issued")
    return _info(directive, project)


def _readable(session: Session, directive: Directive, actor: str, is_admin: bool) -> bool:
    """Its issuer, assignees, the project's leads and admins may see it (see get_for)."""
    if is_admin or directive.issuer.slack_user_id == actor:
        return True
    if any(a.user.slack_user_id == actor for a in directive.assignees):
        return True
    project = session.get(Project, directive.project_id)
    return project is not None and any(
        m.active and m.role is MemberRole.LEAD and m.user.slack_user_id == actor for m in project.members
    )


def _refuse(session: Session, directive: Directive, actor: str, code: str) -> DomainError:
    """The refusal for someone who may not act: as if it did not exist, to whoever may not even see it."""
    if not _readable(session, directive, actor, is_admin=False):
        return DomainError("directive.not_found", id=directive.id)
    return DomainError(code, id=directive.id)


def _assignee(session: Session, directive: Directive, actor: str) -> DirectiveAssignee:
    found = next((a for a in directive.assignees if a.user.slack_user_id == actor), None)
    if found is None:
        raise _refuse(session, directive, actor, "directive.not_assignee")
    return found


def check_can_report(session: Session, team_id: str, actor: str, directive_id: int) -> DirectiveInfo:
    """Before a report form opens: the refusals `report` would give, said before anything is typed."""
    directive = _load(session, team_id, directive_id)
    _assignee(session, directive, actor)
    if directive.status not in OPEN:
        raise DomainError("directive.not_open", id=directive.id)
    return _with_project(session, directive)


def check_can_send_back(
    session: Session, team_id: str, actor: str, directive_id: int, *, is_admin: bool
) -> DirectiveInfo:
    """Before the send-back form opens: only its issuer (or an admin) sends a report back."""
    directive = _load(session, team_id, directive_id)
    _require_issuer(session, directive, actor, is_admin)
    return _with_project(session, directive)


def acknowledge(
    session: Session, team_id: str, actor: str, directive_id: int, *, now: datetime
) -> tuple[Outcome, DirectiveInfo]:
    directive = _load(session, team_id, directive_id, for_update=True)
    assignee = _assignee(session, directive, actor)
    taken = session.execute(
        update(DirectiveAssignee)
        .where(DirectiveAssignee.id == assignee.id, DirectiveAssignee.acknowledged_at.is_(None))
        .values(acknowledged_at=now)
        .execution_options(synchronize_session=False)
    )
    session.refresh(assignee)
    if taken.rowcount != 1:
        return Outcome.ALREADY, _with_project(session, directive)
    if directive.status is DirectiveStatus.ISSUED:
        directive.status = DirectiveStatus.ACKNOWLEDGED
    session.flush()
    audit.record(session, team_id, actor, "directive.acknowledged", "directive", directive.id, at=now)
    _refresh(session, directive, f"ack:{assignee.id}")
    return Outcome.DONE, _with_project(session, directive)


def report(
    session: Session, team_id: str, actor: str, directive_id: int, kind: ReportKind, text: str, *, now: datetime
) -> DirectiveInfo:
    """An interim or completion report; only assignees, and only while the directive is open."""
    directive = _load(session, team_id, directive_id, for_update=True)
    assignee = _assignee(session, directive, actor)
    if directive.status not in OPEN:
        raise DomainError("directive.not_open", id=directive.id)
    if not text.strip():
        raise DomainError("directive.report_missing")
    directive.reports.append(
        DirectiveReport(team_id=team_id, author=assignee.user, kind=kind, text=fitted(text, TEXT_MAX), created_at=now)
    )
    if assignee.acknowledged_at is None:
        assignee.acknowledged_at = now
    directive.status = DirectiveStatus.REPORTED if kind is ReportKind.COMPLETION else DirectiveStatus.IN_PROGRESS
    session.flush()
    event = audit.record(session, team_id, actor, f"directive.{kind.value}_report", "directive", directive.id, at=now)
    _notify(session, directive, notices.DirectiveReported, directive.issuer.slack_user_id, f"reported:{event.id}")
    _refresh(session, directive, f"report:{event.id}")
    return _with_project(session, directive)


def _require_issuer(session: Session, directive: Directive, actor: str, is_admin: bool) -> None:
    if not is_admin and directive.issuer.slack_user_id != actor:
        raise _refuse(session, directive, actor, "directive.not_issuer")


def accept(
    session: Session, team_id: str, actor: str, directive_id: int, *, is_admin: bool, now: datetime
) -> tuple[Outcome, DirectiveInfo]:
    """Closes it on its completion report; a second click finds it closed and changes nothing."""
    directive = _load(session, team_id, directive_id, for_update=True)
    _require_issuer(session, directive, actor, is_admin)
    if directive.status is DirectiveStatus.DONE:
        return Outcome.ALREADY, _with_project(session, directive)
    if directive.status is not DirectiveStatus.REPORTED:
        raise DomainError("directive.not_reported", id=directive.id)
    directive.status = DirectiveStatus.DONE
    directive.closed_at = now
    session.flush()
    audit.record(session, team_id, actor, "directive.accepted", "directive", directive.id, at=now)
    for assignee in directive.assignees:
        _notify(
            session,
            directive,
            notices.DirectiveAccepted,
            assignee.user.slack_user_id,
            f"accepted:{assignee.user.slack_user_id}",
        )
    _refresh(session, directive, "accepted")
    return Outcome.DONE, _with_project(session, directive)


def return_(
    session: Session, team_id: str, actor: str, directive_id: int, note: str, *, is_admin: bool, now: datetime
) -> tuple[Outcome, DirectiveInfo]:
    """Sends the report back with a note; the directive reopens for another report."""
    directive = _load(session, team_id, directive_id, for_update=True)
    _require_issuer(session, directive, actor, is_admin)
    if directive.status is DirectiveStatus.RETURNED:
        return Outcome.ALREADY, _with_project(session, directive)
    if directive.status is not DirectiveStatus.REPORTED:
        raise DomainError("directive.not_reported", id=directive.id)
    if not note.strip():
        raise DomainError("directive.note_missing")
    directive.status = DirectiveStatus.RETURNED
    directive.note = fitted(note, TEXT_MAX)
    session.flush()
    event = audit.record(
        session, team_id, actor, "directive.returned", "directive", directive.id, note=directive.note, at=now
    )
    for assignee in directive.assignees:
        _notify(
            session,
            directive,
            notices.DirectiveReturned,
            assignee.user.slack_user_id,
            f"returned:{event.id}:{assignee.user.slack_user_id}",
        )
    _refresh(session, directive, f"returned:{event.id}")
    return Outcome.DONE, _with_project(session, directive)


def for_person(
    session: Session, team_id: str, actor: str, *, today: date
) -> tuple[list[DirectiveInfo], list[DirectiveInfo]]:
    """(assigned to me, issued by me), open ones overdue first, then by due date."""
    me = users.find(session, team_id, actor)
    if me is None:
        return [], []
    assigned_ids = select(DirectiveAssignee.directive_id).where(DirectiveAssignee.user_id == me.id)
    rows = session.scalars(
        select(Directive)
        .where(Directive.team_id == team_id, (Directive.issuer_id == me.id) | Directive.id.in_(assigned_ids))
        .options(selectinload(Directive.assignees), selectinload(Directive.reports))
        .order_by(Directive.due_date, Directive.id)
    ).all()
    project_rows = {
        p.id: p for p in session.scalars(select(Project).where(Project.id.in_({d.project_id for d in rows})))
    }
    infos = [_info(d, project_rows[d.project_id]) for d in rows]
    order = lambda d: (d.status is DirectiveStatus.DONE, not d.overdue(today), d.due_date)  # noqa: E731
    assigned = sorted((d for d in infos if d.is_assignee(actor)), key=order)
    issued = sorted((d for d in infos if d.issuer == actor), key=order)
    return assigned, issued


def history(session: Session, team_id: str, directive_id: int) -> list[tuple[datetime, str, str]]:
    """(when, who, what) from the audit trail, oldest first."""
    events = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.team_id == team_id, AuditEvent.subject_type == "directive", AuditEvent.subject_id == directive_id
        )
        .order_by(AuditEvent.id)
    ).all()
    return [(e.created_at, e.actor, e.action.removeprefix("directive.")) for e in events]
