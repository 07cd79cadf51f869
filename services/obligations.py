"""Who owes a progress report for a period, and by when: the one rule behind the late mark, App Home,
the lead's list of who is missing, nudges, digests and the participation ledger.

A period is owed by a member (not an observer) who
- had joined before its due time (joining is not owing: a project registered on Thursday owes
  nothing for the week whose report was due on Monday),
- had not left by then,
- and was not away (`/approval away`) when it fell due (an absence over the due day; someone who marks
  themselves away after missing 10:00 still owes that report);
a period without a working day is owed by nobody. The report is on time up to 10:00 of the due day
in the project's zone or the person's own, whichever is later.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from models import Absence, MemberRole, User
from services.periods import DUE_TIME, Period
from services.projects import ProjectInfo
from services.users import FALLBACK_ZONE

FOREVER = datetime.max.replace(tzinfo=UTC)
DAY_MARGIN = timedelta(days=2)  # a due day in any zone lies within this of its UTC due time


@dataclass(frozen=True)
class Absences:
    """Each person's absences as spans of time [from, to): from when they said so until they came back
    or their last day away (`until`, in their own zone) ended."""

    spans: dict[str, tuple[tuple[datetime, datetime, str], ...]] = field(default_factory=dict)  # (from, to, proxy)

    def away_at(self, slack_user_id: str, moment: datetime) -> bool:
        return self.proxy_at(slack_user_id, moment) is not None

    def proxy_at(self, slack_user_id: str, moment: datetime) -> str | None:
        """Who stood in (대결) for the person at `moment`; None when they were not away."""
        return next((proxy for start, end, proxy in self.spans.get(slack_user_id, ()) if start <= moment < end), None)


NOBODY_AWAY = Absences()


def load_absences(
    session: Session, team_id: str | None, since: datetime, until: datetime, people: Iterable[str] | None = None
) -> Absences:
    """Absences touching [since, until), in one query; `team_id` None reads every workspace (the
    scheduler), where Slack user ids do not collide across the teams one installation serves."""
    proxy = aliased(User)
    query = (
        select(User.slack_user_id, User.tz, Absence.created_at, Absence.until, Absence.ended_at, proxy.slack_user_id)
        .join(User, User.id == Absence.user_id)
        .join(proxy, proxy.id == Absence.proxy_id)
        .where(Absence.created_at < until, or_(Absence.ended_at.is_(None), Absence.ended_at >= since))
        .order_by(Absence.id)
    )
    if team_id is not None:
        query = query.where(Absence.team_id == team_id)
    if people is not None:
        query = query.where(User.slack_user_id.in_(sorted(set(people))))
    spans: dict[str, list[tuple[datetime, datetime, str]]] = defaultdict(list)
    for slack_id, tz, created, last_day, ended, stand_in in session.execute(query):
        end = ended or FOREVER
        if last_day is not None and last_day < date.max:
            after = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=ZoneInfo(tz or FALLBACK_ZONE))
            end = min(end, after.astimezone(UTC))
        if end > created:
            spans[slack_id].append((created, end, stand_in))
    return Absences({person: tuple(found) for person, found in spans.items()})


def deadline(period: Period, project_tz: str, person_tz: str | None) -> datetime | None:
    """When the person's report for the period stops being on time (UTC); None when nothing is due."""
    if period.due_at is None:
        return None
    due_day = period.due_at.astimezone(ZoneInfo(project_tz)).date()
    own = datetime.combine(due_day, DUE_TIME, tzinfo=ZoneInfo(person_tz or project_tz)).astimezone(UTC)
    return max(period.due_at, own)


def owes(
    period: Period,
    project_tz: str,
    *,
    person: str,
    person_tz: str | None,
    role: MemberRole,
    joined_at: datetime | None,
    left_at: datetime | None = None,
    earlier: Iterable[tuple[datetime, datetime]] = (),
    absences: Absences = NOBODY_AWAY,
) -> bool:
    """Whether the person owes a report for the period (see the module's rule). `earlier` are stints of
    membership before the current one (joined, left): someone who left and came back owes what fell due
    while they were a member, and nothing from the time between."""
    limit = deadline(period, project_tz, person_tz)
    if limit is None or period.due_at is None or role is MemberRole.OBSERVER:
        return False
    stints = [*earlier, (joined_at, left_at)]
    due = period.due_at
    if not any((start is None or start < due) and (end is None or end > due) for start, end in stints):
        return False
    return not absences.away_at(person, limit)


def is_late(period: Period, project_tz: str, person_tz: str | None, moment: datetime, *, owed: bool) -> bool:
    """A report made at `moment` is late only when it was owed and its deadline had passed."""
    limit = deadline(period, project_tz, person_tz)
    return owed and limit is not None and moment > limit


def debtors(info: ProjectInfo, period: Period, absences: Absences) -> tuple[str, ...]:
    """The project's current members who owe a report for the period."""
    return tuple(
        m.slack_user_id
        for m in info.members
        if owes(
            period,
            info.timezone,
            person=m.slack_user_id,
            person_tz=m.tz,
            role=m.role,
            joined_at=m.joined_at,
            earlier=m.earlier,
            absences=absences,
        )
    )


def absences_around(
    session: Session, team_id: str | None, periods: Iterable[Period], people: Iterable[str] | None = None
) -> Absences:
    """The absences that can touch the due days of `periods` (one query)."""
    due = [p.due_at for p in periods if p.due_at is not None]
    if not due:
        return NOBODY_AWAY
    return load_absences(session, team_id, min(due) - DAY_MARGIN, max(due) + DAY_MARGIN, people)
