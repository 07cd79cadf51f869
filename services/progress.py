"""Progress updates (진척 보고): posting, editing within the period, and reading status at a glance.

"보고서 형식에 얽매이지 말고 간결하게": an update is a percent, a health and a few short texts. Each one
counts for the period it was posted in; after the period's due time it is marked late, never lost.
"""

from __future__ import annotations

import enum
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session, aliased, selectinload

from models import Department, Health, MemberRole, ProgressUpdate, Project, ProjectStatus, User
from services import audit, notices, obligations, projects, users
from services.calendar import WorkCalendar
from services.errors import DomainError
from services.limits import fitted
from services.periods import LENGTH, Period, period_at
from services.projects import ProjectInfo

TEXT_MAX = 3000
TREND_PERIODS = 8
HEALTH_ORDER = {Health.ON_TRACK: 0, Health.AT_RISK: 1, Health.BLOCKED: 2}


class MyStatus(enum.Enum):
    REPORTED = "reported"
    REPORTED_LATE = "reported_late"
    DUE = "due"
    LATE = "late"
    NOT_DUE = "not_due"


@dataclass(frozen=True)
class Entry:
    """What a person reports; a percent or health of None keeps the value of their previous update."""

    done: str = ""
    next: str = ""
    blockers: str = ""
    percent: int | None = None
    health: Health | None = None


@dataclass(frozen=True)
class UpdateInfo:
    id: int
    team_id: str
    project_id: int
    project_key: str
    project_name: str
    channel_id: str | None
    author: str
    author_name: str
    author_department: str | None
    period_start: date
    percent: int | None
    health: Health
    done: str
    next: str
    blockers: str
    late: bool
    edited: bool
    edits: int
    created_at: datetime
    previous_percent: int | None = None  # the percent of the author's report before this one on the project

    @property
    def went_back(self) -> bool:
        """A lower percent than the author's report before: said on the card and to the author, never refused."""
        return self.percent is not None and self.previous_percent is not None and self.percent < self.previous_percent


@dataclass(frozen=True)
class ProjectProgress:
    project: ProjectInfo
    period: Period
    percent: int | None
    health: Health | None
    latest_by_member: tuple[UpdateInfo, ...]
    trend: tuple[int | None, ...]  # percent at the end of each of the last periods, oldest first
    missing: tuple[str, ...]  # members with no update this period (empty when the period is not due)


@dataclass(frozen=True)
class MyProject:
    progress: ProjectProgress
    my_status: MyStatus
    i_lead: bool


def validate_percent(value: object) -> int | None:
    """0-100 as a whole number; anything else is refused with the value shown back."""
    if value is None or value == "":
        return None
    text = re.sub(r"\s*(%|％|퍼센트)$", "", str(value).strip())
    if not re.fullmatch(r"[0-9]{1,3}", text) or int(text) > 100:
        raise DomainError("progress.bad_percent", value=str(value)[:20])
    return int(text)


def _clip(text: str) -> str:
    return fitted(text, TEXT_MAX)


def period_of(project: Project | ProjectInfo, now: datetime, calendar: WorkCalendar) -> Period:
    anchor = project.created_at.astimezone(ZoneInfo(project.timezone)).date()
    return period_at(now, project.cadence, project.timezone, anchor, calendar)


def _info(update: ProgressUpdate, project: Project | ProjectInfo, previous_percent: int | None = None) -> UpdateInfo:
    author = update.author
    return UpdateInfo(
        id=update.id,
        team_id=update.team_id,
        project_id=project.id,
        project_key=project.key,
        project_name=project.name,
        channel_id=project.channel_id,
        author=author.slack_user_id,
        author_name=author.display_name,
        author_department=author.department.name if author.department else None,
        period_start=update.period_start,
        percent=update.percent,
        health=update.health,
        done=update.done,
        next=update.next,
        blockers=update.blockers,
        late=update.late,
        edited=update.edits > 0,
        edits=update.edits,
        created_at=update.created_at,
        previous_percent=previous_percent,
    )


def _previous_percents(session: Session, update_ids: Sequence[int]) -> dict[int, int | None]:
    """For each update, the percent of its author's latest earlier report on the same project that had one."""
    if not update_ids:
        return {}
    earlier = aliased(ProgressUpdate)
    before = (
        select(earlier.percent)
        .where(
            earlier.project_id == ProgressUpdate.project_id,
            earlier.author_id == ProgressUpdate.author_id,
            earlier.id < ProgressUpdate.id,
            earlier.percent.is_not(None),
        )
        .order_by(earlier.id.desc())
        .limit(1)
        .correlate(ProgressUpdate)
        .scalar_subquery()
    )
    rows = session.execute(select(ProgressUpdate.id, before).where(ProgressUpdate.id.in_(list(update_ids))))
    return {update_id: percent for update_id, percent in rows}


def _with_previous(session: Session, update: ProgressUpdate, project: Project | ProjectInfo) -> UpdateInfo:
    return _info(update, project, _previous_percents(session, [update.id]).get(update.id))


def _update_rows(session: Session, *conditions) -> list[Row]:
    """Updates with their author as plain rows: the digests read thousands, where ORM objects cost seconds."""
    return list(
        session.execute(
            select(
                ProgressUpdate.id,
                ProgressUpdate.team_id,
                ProgressUpdate.project_id,
                User.slack_user_id,
                User.display_name,
                Department.name.label("department"),
                ProgressUpdate.period_start,
                ProgressUpdate.percent,
                ProgressUpdate.health,
                ProgressUpdate.done,
                ProgressUpdate.next,
                ProgressUpdate.blockers,
                ProgressUpdate.late,
                ProgressUpdate.edits,
                ProgressUpdate.created_at,
            )
            .join(User, User.id == ProgressUpdate.author_id)
            .outerjoin(Department, Department.id == User.department_id)
            .where(*conditions)
            .order_by(ProgressUpdate.id)
        )
    )


def _info_from_row(row: Row, project: ProjectInfo) -> UpdateInfo:
    return UpdateInfo(
        id=row.id,
        team_id=row.team_id,
        project_id=project.id,
        project_key=project.key,
        project_name=project.name,
        channel_id=project.channel_id,
        author=row.slack_user_id,
        author_name=row.display_name,
        author_department=row.department,
        period_start=row.period_start,
        percent=row.percent,
        health=row.health,
        done=row.done,
        next=row.next,
        blockers=row.blockers,
        late=row.late,
        edited=row.edits > 0,
        edits=row.edits,
        created_at=row.created_at,
    )


def _previous(session: Session, project_id: int, author_id: int) -> ProgressUpdate | None:
    return session.scalar(
        select(ProgressUpdate)
        .where(ProgressUpdate.project_id == project_id, ProgressUpdate.author_id == author_id)
        .order_by(ProgressUpdate.id.desc())
        .limit(1)
    )


def last_entry(session: Session, team_id: str, actor: str, key: str) -> UpdateInfo | None:
    """The person's latest update on the project, to pre-fill the form."""
    project = projects.load(session, team_id, key)
    user = users.find(session, team_id, actor)
    previous = _previous(session, project.id, user.id) if user else None
    return _info(previous, project) if previous else None


@dataclass(frozen=True)
class Form:
    """What the progress form needs: the projects one can report on, the chosen one, its last values."""

    choices: list[ProjectInfo]
    selected: str
    previous: UpdateInfo | None


def form_for(session: Session, team_id: str, actor: str, key: str | None) -> Form:
    """The form for `key` (or the newest of the person's projects); refuses what the post would refuse."""
    choices = projects.list_mine(session, team_id, actor)
    if key is not None:
        project = projects.load(session, team_id, key)
        if project.status is ProjectStatus.CLOSED:
            raise DomainError("project.closed", key=project.key)
        if not any(p.key == project.key for p in choices):
            raise DomainError("progress.not_member", key=project.key)
        selected = project.key
    elif choices:
        selected = choices[0].key
    else:
        raise DomainError("progress.no_projects")
    return Form(choices, selected, last_entry(session, team_id, actor, selected))


def _whose_home_changes(project: Project, author: str) -> list[str]:
    """Whose App Home a report changes: its author's (their status) and the leads' and managers' (who has not
    reported). Other members' Homes show only their own status, so a report costs the same few redraws in a
    project of 20 or of 300."""
    overseers = [m.user.slack_user_id for m in project.members if m.active and (m.role is MemberRole.LEAD or m.manager)]
    return [author, *overseers]


def _check_can_report(project: Project, actor: str, entry: Entry):
    if project.status is ProjectStatus.CLOSED:
        raise DomainError("project.closed", key=project.key)
    member = projects.membership(project, actor)
    if member is None:
        raise DomainError("progress.not_member", key=project.key)
    if not (entry.done.strip() or entry.next.strip() or entry.blockers.strip()) and entry.percent is None:
        raise DomainError("progress.empty", key=project.key)
    return member


def post(
    session: Session, team_id: str, actor: str, key: str, entry: Entry, *, now: datetime, calendar: WorkCalendar
) -> UpdateInfo:
    project = projects.load(session, team_id, key)
    member = _check_can_report(project, actor, entry)
    previous = _previous(session, project.id, member.user_id)
    period = period_of(project, now, calendar)
    owed = obligations.owes(
        period,
        project.timezone,
        person=actor,
        person_tz=member.user.tz,
        role=member.role,
        joined_at=member.joined_at,
        earlier=projects.stints(member.earlier_stints),
        absences=obligations.absences_around(session, team_id, [period], [actor]),
    )
    update = ProgressUpdate(
        team_id=team_id,
        project_id=project.id,
        author=member.user,
        period_start=period.start,
        percent=entry.percent if entry.percent is not None else (previous.percent if previous else None),
        health=entry.health or (previous.health if previous else Health.ON_TRACK),
        done=_clip(entry.done),
        next=_clip(entry.next),
        blockers=_clip(entry.blockers),
        late=obligations.is_late(period, project.timezone, member.user.tz, now, owed=owed),
        created_at=now,
    )
    session.add(update)
    session.flush()
    audit.record(
        session,
        team_id,
        actor,
        "progress.posted",
        "progress_update",
        update.id,
        key=project.key,
        late=update.late,
        at=now,
    )
    if project.channel_id:
        notices.send(
            session, team_id, project.channel_id, notices.ProgressCard(update.id), f"progress:{update.id}:card"
        )
    notices.refresh_homes(session, team_id, _whose_home_changes(project, actor), f"progress:{update.id}")
    return _info(update, project, previous.percent if previous else None)


def _own_update(
    session: Session, team_id: str, actor: str, update_id: int, *, for_update: bool = False
) -> tuple[ProgressUpdate, Project]:
    query = select(ProgressUpdate).where(ProgressUpdate.team_id == team_id, ProgressUpdate.id == update_id)
    update = session.scalar(query.with_for_update(of=ProgressUpdate) if for_update else query)
    if update is None:
        raise DomainError("progress.not_found")
    if update.author.slack_user_id != actor:
        raise DomainError("progress.not_yours")
    project = session.get(Project, update.project_id)
    assert project is not None
    return update, project


def check_editable(
    session: Session, team_id: str, actor: str, update_id: int, *, now: datetime, calendar: WorkCalendar
) -> UpdateInfo:
    """Only the author, and only while the update's period lasts."""
    update, project = _own_update(session, team_id, actor, update_id)
    if period_of(project, now, calendar).start != update.period_start:
        raise DomainError("progress.period_over", key=project.key)
    return _info(update, project)


def edit(
    session: Session,
    team_id: str,
    actor: str,
    update_id: int,
    entry: Entry,
    *,
    now: datetime,
    calendar: WorkCalendar,
) -> UpdateInfo:
    check_editable(session, team_id, actor, update_id, now=now, calendar=calendar)
    update, project = _own_update(session, team_id, actor, update_id, for_update=True)
    _check_can_report(project, actor, entry)
    update.done, update.next, update.blockers = _clip(entry.done), _clip(entry.next), _clip(entry.blockers)
    if entry.percent is not None:
        update.percent = entry.percent
    if entry.health is not None:
        update.health = entry.health
    update.edits += 1
    update.edited_at = now
    session.flush()
    audit.record(session, team_id, actor, "progress.edited", "progress_update", update.id, key=project.key, at=now)
    if project.channel_id:
        edit = notices.ProgressCardEdit(update.id, card=f"progress:{update.id}:card")
        notices.send(session, team_id, project.channel_id, edit, f"progress:{update.id}:edit:{update.edits}")
    notices.refresh_homes(
        session, team_id, _whose_home_changes(project, actor), f"progress:{update.id}:edit:{update.edits}"
    )
    return _with_previous(session, update, project)


def get_update(session: Session, team_id: str, update_id: int) -> UpdateInfo | None:
    update = session.scalar(
        select(ProgressUpdate).where(ProgressUpdate.team_id == team_id, ProgressUpdate.id == update_id)
    )
    if update is None:
        return None
    project = session.get(Project, update.project_id)
    return _with_previous(session, update, project) if project else None


def get_updates(session: Session, team_id: str, update_ids: list[int]) -> list[UpdateInfo]:
    """Several reports (a channel's board), in the order asked; ones that no longer exist are left out."""
    if not update_ids:
        return []
    found = {
        update.id: update
        for update in session.scalars(
            select(ProgressUpdate)
            .where(ProgressUpdate.team_id == team_id, ProgressUpdate.id.in_(update_ids))
            .options(selectinload(ProgressUpdate.author))
        )
    }
    projects_by_id = {
        p.id: p for p in session.scalars(select(Project).where(Project.id.in_({u.project_id for u in found.values()})))
    }
    previous = _previous_percents(session, list(found))
    return [
        _info(found[i], projects_by_id[found[i].project_id], previous.get(i))
        for i in update_ids
        if i in found and found[i].project_id in projects_by_id
    ]


def _status(period: Period, now: datetime, mine: list[UpdateInfo], owed: bool, deadline: datetime | None) -> MyStatus:
    if mine:
        return MyStatus.REPORTED if any(not u.late for u in mine) else MyStatus.REPORTED_LATE
    if not owed or deadline is None:
        return MyStatus.NOT_DUE
    return MyStatus.LATE if now > deadline else MyStatus.DUE


def _by_project(updates: Sequence[Row]) -> dict[int, list[Row]]:
    """Rows grouped by project in one pass, each group in the rows' order."""
    grouped: dict[int, list[Row]] = defaultdict(list)
    for update in updates:
        grouped[update.project_id].append(update)
    return grouped


def _summaries(
    session: Session, infos: list[ProjectInfo], now: datetime, calendar: WorkCalendar, *, trend: bool
) -> dict[int, tuple[ProjectProgress, list[UpdateInfo], obligations.Absences]]:
    """Progress of many projects in a fixed number of queries, however many projects there are."""
    if not infos:
        return {}
    periods = {i.id: period_of(i, now, calendar) for i in infos}
    span = TREND_PERIODS * max(LENGTH.values()) if trend else 0
    since = min(p.start for p in periods.values()) - timedelta(days=span)
    recent = _update_rows(session, ProgressUpdate.project_id.in_(list(periods)), ProgressUpdate.period_start >= since)
    latest_ids = (
        select(func.max(ProgressUpdate.id))
        .where(ProgressUpdate.project_id.in_(list(periods)))
        .group_by(ProgressUpdate.project_id, ProgressUpdate.author_id)
    )
    latest = _update_rows(session, ProgressUpdate.id.in_(latest_ids))
    recent_of = _by_project(recent)
    latest_of = _by_project(latest)
    teams = {info.team_id for info in infos}
    absences = obligations.absences_around(session, teams.pop() if len(teams) == 1 else None, periods.values())
    result = {}
    for info in infos:
        period = periods[info.id]
        mine_recent = [_info_from_row(u, info) for u in recent_of.get(info.id, ())]
        current = [u for u in mine_recent if u.period_start == period.start]
        by_member = sorted((_info_from_row(u, info) for u in latest_of.get(info.id, ())), key=lambda u: -u.id)
        result[info.id] = (
            ProjectProgress(
                project=info,
                period=period,
                percent=next((u.percent for u in by_member if u.percent is not None), None),
                health=_health(current, by_member),
                latest_by_member=tuple(by_member),
                trend=_trend(mine_recent, period, info) if trend else (),
                missing=_missing(info, current, period, absences),
            ),
            current,
            absences,
        )
    return result


def _health(current: list[UpdateInfo], latest: list[UpdateInfo]) -> Health | None:
    """The worst health reported this period; before anyone reports, the last one reported."""
    if current:
        latest_now = {u.author: u for u in current}  # later updates replace earlier ones
        return max((u.health for u in latest_now.values()), key=HEALTH_ORDER.__getitem__)
    return latest[0].health if latest else None


def _missing(
    info: ProjectInfo, current: list[UpdateInfo], period: Period, absences: obligations.Absences
) -> tuple[str, ...]:
    """Who owes the period and has not reported for it."""
    reported = {u.author for u in current}
    return tuple(m for m in obligations.debtors(info, period, absences) if m not in reported)


def _trend(updates: list[UpdateInfo], period: Period, info: ProjectInfo) -> tuple[int | None, ...]:
    """The percent standing at the end of each of the last periods, oldest first."""
    step = timedelta(days=LENGTH[info.cadence])
    starts = [period.start - step * back for back in reversed(range(TREND_PERIODS))]
    values: list[int | None] = []
    standing = None
    for start in starts:
        reported = [u.percent for u in updates if u.period_start == start and u.percent is not None]
        standing = reported[-1] if reported else standing
        values.append(standing)
    return tuple(values)


def summaries(
    session: Session, infos: list[ProjectInfo], *, now: datetime, calendar: WorkCalendar, trend: bool = False
) -> dict[int, ProjectProgress]:
    """Progress of many projects by project id, in a fixed number of queries."""
    found = _summaries(session, infos, now, calendar, trend=trend)
    return {pid: summary for pid, (summary, _current, _absences) in found.items()}


def project_progress(
    session: Session, team_id: str, key: str, *, now: datetime, calendar: WorkCalendar
) -> ProjectProgress:
    info = projects.get(session, team_id, key)
    return _summaries(session, [info], now, calendar, trend=True)[info.id][0]


def my_projects(
    session: Session, team_id: str, slack_user_id: str, *, now: datetime, calendar: WorkCalendar
) -> list[MyProject]:
    """Everything App Home shows about the person's projects, in a fixed number of queries."""
    infos = projects.list_mine(session, team_id, slack_user_id)
    summaries = _summaries(session, infos, now, calendar, trend=False)
    result = []
    for info in infos:
        progress, current, absences = summaries[info.id]
        me = info.member(slack_user_id)
        owed = me is not None and slack_user_id in obligations.debtors(info, progress.period, absences)
        result.append(
            MyProject(
                progress=progress,
                my_status=_status(
                    progress.period,
                    now,
                    [u for u in current if u.author == slack_user_id],
                    owed,
                    obligations.deadline(progress.period, info.timezone, me.tz if me else None),
                ),
                i_lead=info.role_of(slack_user_id) is MemberRole.LEAD,
            )
        )
    return result
