"""Progress nudges: members who have not reported for the current period are reminded at 10:00 in
their own zone on a working day, once more a working day later, and then the project's leads get
the list of who is still missing. Everything is computed from the database at `now`; what was
already queued is read back from the outbox, so running this twice queues nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import NudgeSnooze, ProgressUpdate, Project, User
from services import notices, obligations, outbox, projects, users
from services.audience import Audience
from services.calendar import WorkCalendar
from services.errors import DomainError
from services.periods import LENGTH, Period
from services.progress import period_of
from services.projects import ProjectInfo

KINDS = (notices.ProgressNudge.kind, notices.NudgeEscalation.kind)


def nudge_key(project_id: int, slack_user_id: str, period: date, stage: int) -> str:
    return f"nudge:{project_id}:{period.isoformat()}:{slack_user_id}:{stage}"


def escalation_key(project_id: int, period: date, lead: str) -> str:
    return f"nudge:{project_id}:{period.isoformat()}:escalation:{lead}"


@dataclass(frozen=True)
class State:
    """Everything the job reads, loaded in a fixed number of queries."""

    projects: list[tuple[ProjectInfo, Period]]
    reported: set[tuple[int, str, date]]  # (project, member, period start)
    snoozed: dict[tuple[int, str, date], datetime]
    queued: dict[tuple[str, str], datetime]
    absences: obligations.Absences


def _load(session: Session, now: datetime, calendar: WorkCalendar, infos: list[ProjectInfo]) -> State:
    due = [
        (info, period)
        for info in infos
        if (period := period_of(info, now, calendar)).due_at is not None and now >= period.due_at
    ]
    if not due:
        return State([], set(), {}, {}, obligations.NOBODY_AWAY)
    since = min(period.start for _, period in due)
    ids = [info.id for info, _ in due]
    reported = {
        (project_id, slack_id, start)
        for project_id, slack_id, start in session.execute(
            select(ProgressUpdate.project_id, User.slack_user_id, ProgressUpdate.period_start)
            .join(User, User.id == ProgressUpdate.author_id)
            .where(ProgressUpdate.project_id.in_(ids), ProgressUpdate.period_start >= since)
        )
    }
    snoozed = {
        (project_id, slack_id, start): until
        for project_id, slack_id, start, until in session.execute(
            select(NudgeSnooze.project_id, User.slack_user_id, NudgeSnooze.period_start, NudgeSnooze.until)
            .join(User, User.id == NudgeSnooze.user_id)
            .where(NudgeSnooze.project_id.in_(ids), NudgeSnooze.period_start >= since)
        )
    }
    # a period is at most two weeks long, and its nudges were queued within it
    queued = outbox.queued_since(session, KINDS, now - timedelta(days=max(LENGTH.values()) + 1))
    absences = obligations.absences_around(session, None, [period for _, period in due])
    return State(due, reported, snoozed, queued, absences)


def due(
    session: Session, now: datetime, calendar: WorkCalendar, audience: Audience, infos: list[ProjectInfo]
) -> list[dict[str, Any]]:
    """The nudges and escalations due at `now` that were not queued before (outbox rows to insert);
    `infos` are the active projects."""
    state = _load(session, now, calendar, infos)
    wt = audience.working_time
    rows: list[dict[str, Any]] = []
    for info, period in state.projects:
        assert period.due_at is not None
        team, start = info.team_id, period.start
        missing = [
            person
            for person in obligations.debtors(info, period, state.absences)
            if (info.id, person, start) not in state.reported
        ]
        second_nudges: list[datetime] = []
        for member in missing:
            tz = audience.tz(team, member)
            first = state.queued.get((team, nudge_key(info.id, member, start, 1)))
            second = state.queued.get((team, nudge_key(info.id, member, start, 2)))
            if second is not None:
                # the member has until their next working day's 10:00 before the leads hear of it
                second_nudges.append(wt.slot_after(second, tz))
                continue
            if not audience.reachable(team, member, now):
                continue
            if first is None:
                if now >= wt.next_slot(period.due_at, tz):
                    key = nudge_key(info.id, member, start, 1)
                    rows.append(notices.row(team, member, notices.ProgressNudge(info.id, start, stage=1), key))
                continue
            next_at = wt.slot_after(first, tz)
            snoozed_until = state.snoozed.get((info.id, member, start))
            if snoozed_until is not None and snoozed_until > next_at:
                next_at = wt.next_slot(snoozed_until, tz)
            if now >= next_at:
                key = nudge_key(info.id, member, start, 2)
                rows.append(notices.row(team, member, notices.ProgressNudge(info.id, start, stage=2), key))
        if not second_nudges:
            continue
        for lead in (m.slack_user_id for m in info.leads):
            key = escalation_key(info.id, start, lead)
            if (team, key) in state.queued or not audience.reachable(team, lead, now):
                continue
            if now >= wt.next_slot(min(second_nudges), audience.tz(team, lead)):
                rows.append(notices.row(team, lead, notices.NudgeEscalation(info.id, start), key))
    return rows


def still_missing(
    session: Session, team_id: str, project_id: int, period_start: date, now: datetime, calendar: WorkCalendar
) -> tuple[ProjectInfo, list[str]] | None:
    """At delivery: the project and who has still not reported for that period (None if it is over)."""
    info = projects.get_by_id(session, team_id, project_id)
    if info is None:
        return None
    period = period_of(info, now, calendar)
    if period.start != period_start:
        return None
    reported = set(
        session.scalars(
            select(User.slack_user_id)
            .join(ProgressUpdate, ProgressUpdate.author_id == User.id)
            .where(ProgressUpdate.project_id == project_id, ProgressUpdate.period_start == period_start)
        )
    )
    absences = obligations.absences_around(session, team_id, [period])
    return info, [person for person in obligations.debtors(info, period, absences) if person not in reported]


def snooze(
    session: Session,
    team_id: str,
    actor: str,
    project_id: int,
    period_start: date,
    *,
    until: datetime,
) -> bool:
    """ "Snooze until tomorrow": no further nudge for that period before `until`. False if already snoozed."""
    project = session.get(Project, project_id)
    if project is None or project.team_id != team_id:
        raise DomainError("nudge.not_found")
    if projects.membership(project, actor) is None:
        raise DomainError("nudge.not_found")
    user = users.ensure(session, team_id, actor)
    try:
        with session.begin_nested():
            session.add(
                NudgeSnooze(
                    team_id=team_id, project_id=project_id, user_id=user.id, period_start=period_start, until=until
                )
            )
    except IntegrityError:
        return False
    return True
