"""The project registry (융합행정 과제): registering, membership, leads, closing, editing."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from models import (
    Cadence,
    Department,
    MemberRole,
    Project,
    ProjectDepartment,
    ProjectDepartmentRole,
    ProjectMember,
    ProjectStatus,
    User,
)
from services import audit, notices, users
from services.errors import DomainError
from services.limits import fitted

KEY_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]{0,19}$")
NAME_MAX = 200
DESCRIPTION_MAX = 3000
KEY_ATTEMPTS = 5
DEFAULT_TIMEZONE = "Asia/Seoul"


class JoinOutcome(enum.Enum):
    JOINED = "joined"
    ALREADY_MEMBER = "already_member"


class LeaveOutcome(enum.Enum):
    LEFT = "left"
    NOT_MEMBER = "not_member"


class CloseOutcome(enum.Enum):
    CLOSED = "closed"
    ALREADY_CLOSED = "already_closed"


class ReopenOutcome(enum.Enum):
    REOPENED = "reopened"
    ALREADY_ACTIVE = "already_active"


@dataclass(frozen=True)
class Member:
    slack_user_id: str
    display_name: str
    department: str | None
    role: MemberRole
    manager: bool = False  # may issue directives, as a lead may
    joined_at: datetime | None = None
    tz: str | None = None  # the person's own zone, when Slack has told us
    earlier: tuple[tuple[datetime, datetime], ...] = ()  # stints before they last joined (joined, left)


@dataclass(frozen=True)
class ProjectInfo:
    id: int
    team_id: str
    key: str
    name: str
    description: str
    status: ProjectStatus
    channel_id: str | None
    target_date: date | None
    lead_department: str | None
    cooperating_departments: tuple[str, ...]
    members: tuple[Member, ...]
    created_at: datetime
    cadence: Cadence
    timezone: str

    @property
    def leads(self) -> tuple[Member, ...]:
        return tuple(m for m in self.members if m.role is MemberRole.LEAD)

    @property
    def managers(self) -> tuple[Member, ...]:
        return tuple(m for m in self.members if m.manager)

    def role_of(self, slack_user_id: str) -> MemberRole | None:
        return next((m.role for m in self.members if m.slack_user_id == slack_user_id), None)

    def member(self, slack_user_id: str) -> Member | None:
        return next((m for m in self.members if m.slack_user_id == slack_user_id), None)

    def may_manage(self, viewer: str, *, is_admin: bool) -> bool:
        """Whether the viewer may edit, close and reopen the project (see `edit`, `close`, `reopen`)."""
        return _manages(self.role_of(viewer), is_admin)


@dataclass(frozen=True)
class ProjectDraft:
    """What a person gives when registering or editing a project.

    When editing, `lead_ids` (if given) is the full list of leads, and `member_ids` the members
    the editor wants among those the form showed them (see `edit`)."""

    name: str
    key: str | None = None
    description: str = ""
    channel_id: str | None = None
    lead_department: str | None = None
    cooperating_departments: Sequence[str] = ()
    member_ids: Sequence[str] = ()
    lead_ids: Sequence[str] | None = None
    manager_ids: Sequence[str] | None = None  # when editing: exactly these may issue directives
    target_date: date | None = None
    cadence: Cadence = Cadence.WEEKLY
    timezone: str | None = None  # the project's zone for due times; the creator's, when registering


def stints(stored: list[list[str]] | None) -> tuple[tuple[datetime, datetime], ...]:
    """A membership's earlier stints, as stored, read back as (joined, left) moments."""
    return tuple((datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in stored or ())


def normalise_key(raw: str) -> str:
    key = raw.strip().upper()
    if not KEY_PATTERN.match(key):
        raise DomainError("project.key_invalid", key=raw.strip()[:30])
    return key


def _name_key(name: str) -> str:
    """What makes two names the same name: neither case nor spacing (`일자리 창출` is `일자리창출`)."""
    return "".join(name.split()).casefold()


def _check_name_free(session: Session, team_id: str, name: str, *, except_id: int | None = None) -> None:
    """No two active projects of a workspace share a name: the second is refused, naming the first."""
    wanted = _name_key(name)
    for project_id, key, existing in session.execute(
        select(Project.id, Project.key, Project.name).where(
            Project.team_id == team_id, Project.status == ProjectStatus.ACTIVE
        )
    ):
        if project_id != except_id and _name_key(existing) == wanted:
            raise DomainError("project.name_taken", name=existing, key=key)


def _validated_name(name: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise DomainError("project.name_missing")
    if len(name) > NAME_MAX:
        raise DomainError("project.name_too_long", limit=NAME_MAX)
    return name


def _query(team_id: str) -> Select[tuple[Project]]:
    return (
        select(Project)
        .where(Project.team_id == team_id)
        .options(selectinload(Project.members), selectinload(Project.departments))
    )


def load(session: Session, team_id: str, key: str, *, for_update: bool = False) -> Project:
    """The project by key; for a change, its row is locked so concurrent changes run one after the other."""
    query = _query(team_id).where(Project.key == key.strip().upper())
    project = session.scalar(query.with_for_update(of=Project) if for_update else query)
    if project is None:
        raise DomainError("project.not_found", key=key.strip()[:30])
    return project


def _load_by_id(session: Session, team_id: str, project_id: int, *, for_update: bool = False) -> Project | None:
    query = _query(team_id).where(Project.id == project_id)
    return session.scalar(query.with_for_update(of=Project) if for_update else query)


def _info(project: Project) -> ProjectInfo:
    lead_dept = next((d.department.name for d in project.departments if d.role is ProjectDepartmentRole.LEAD), None)
    cooperating = tuple(d.department.name for d in project.departments if d.role is ProjectDepartmentRole.COOPERATING)
    members = tuple(
        Member(
            slack_user_id=m.user.slack_user_id,
            display_name=m.user.display_name,
            department=m.user.department.name if m.user.department else None,
            role=m.role,
            manager=m.manager,
            joined_at=m.joined_at,
            tz=m.user.tz,
            earlier=stints(m.earlier_stints),
        )
        for m in project.members
        if m.active
    )
    return ProjectInfo(
        id=project.id,
        team_id=project.team_id,
        key=project.key,
        name=project.name,
        description=project.description,
        status=project.status,
        channel_id=project.channel_id,
        target_date=project.target_date,
        lead_department=lead_dept,
        cooperating_departments=cooperating,
        members=members,
        created_at=project.created_at,
        cadence=project.cadence,
        timezone=project.timezone,
    )


def _next_generated_key(session: Session, team_id: str) -> str:
    """P-<n> after the highest generated key so far; hand-given keys do not use up numbers."""
    taken = session.scalars(select(Project.key).where(Project.team_id == team_id, Project.key.like("P-%")))
    numbers = [int(k[2:]) for k in taken if k[2:].isdigit()]
    return f"P-{max(numbers, default=0) + 1}"


def _department_names(lead: str | None, cooperating: Iterable[str]) -> tuple[str | None, tuple[str, ...]]:
    """The departments as they will be stored: trimmed, each once, the lead not repeated as cooperating."""
    lead_name = " ".join(lead.split()) if lead and lead.strip() else None
    seen = {lead_name} if lead_name else set()
    others = []
    for name in cooperating:
        clean = " ".join(name.split())
        if clean and clean not in seen:
            seen.add(clean)
            others.append(clean)
    return lead_name, tuple(others)


def _set_departments(session: Session, project: Project, names: tuple[str | None, tuple[str, ...]]) -> None:
    project.departments.clear()
    session.flush()
    lead_name, others = names
    roles = ([(lead_name, ProjectDepartmentRole.LEAD)] if lead_name else []) + [
        (name, ProjectDepartmentRole.COOPERATING) for name in others
    ]
    for position, (name, role) in enumerate(roles):
        department = users.department(session, project.team_id, name)
        project.departments.append(
            ProjectDepartment(team_id=project.team_id, department=department, role=role, position=position)
        )


def membership(project: Project, slack_user_id: str) -> ProjectMember | None:
    return next((m for m in project.members if m.active and m.user.slack_user_id == slack_user_id), None)


def _add_member(
    session: Session, project: Project, user: User, role: MemberRole, now: datetime
) -> ProjectMember | None:
    """Adds or re-activates a membership; None when the person is already an active member."""
    existing = next((m for m in project.members if m.user_id == user.id), None)
    if existing is None:
        member = ProjectMember(team_id=project.team_id, user=user, role=role, joined_at=now)
        project.members.append(member)
        return member
    if existing.active:
        return None
    # the stint that ended is kept: leaving and coming back never wipes what was owed in between
    existing.earlier_stints = [*existing.earlier_stints, [existing.joined_at.isoformat(), existing.left_at.isoformat()]]
    existing.left_at = None
    existing.joined_at = now
    existing.role = role
    return existing


def _notify(session: Session, project: Project, notice: notices.ProjectNotice, recipient: str, dedupe_key: str) -> None:
    notices.send(session, project.team_id, recipient, notice, dedupe_key)


def _notify_member_added(session: Session, project: Project, member: ProjectMember, actor: str) -> None:
    slack_id = member.user.slack_user_id
    dedupe_key = f"project:{project.id}:added:{slack_id}:{member.joined_at.timestamp():.3f}"
    _notify(session, project, notices.MemberAdded(project.id, by=actor), slack_id, dedupe_key)


def create(session: Session, team_id: str, actor: str, draft: ProjectDraft, *, now: datetime) -> ProjectInfo:
    name = _validated_name(draft.name)
    description = fitted(draft.description, DESCRIPTION_MAX)
    _check_name_free(session, team_id, name)
    creator = users.ensure(session, team_id, actor)
    given_key = normalise_key(draft.key) if draft.key else None
    if given_key and session.scalar(select(Project.id).where(Project.team_id == team_id, Project.key == given_key)):
        raise DomainError("project.key_taken", key=given_key)
    for _attempt in range(KEY_ATTEMPTS):
        key = given_key or _next_generated_key(session, team_id)
        project = Project(
            team_id=team_id,
            key=key,
            name=name,
            description=description,
            channel_id=draft.channel_id,
            target_date=draft.target_date,
            cadence=draft.cadence,
            timezone=draft.timezone or DEFAULT_TIMEZONE,
            created_by_id=creator.id,
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(project)
            break
        except IntegrityError:
            # A concurrent registration took the key between check and insert. A key the person chose
            # is theirs to change; a generated one simply moves on to the next number.
            if given_key:
                raise DomainError("project.key_taken", key=key) from None
    else:
        raise DomainError("project.key_taken", key=key)
    _set_departments(session, project, _department_names(draft.lead_department, draft.cooperating_departments))
    _add_member(session, project, creator, MemberRole.LEAD, now)
    added = [
        _add_member(session, project, users.ensure(session, team_id, slack_id), MemberRole.MEMBER, now)
        for slack_id in dict.fromkeys(draft.member_ids)
        if slack_id != actor
    ]
    session.flush()
    added_ids = [m.user.slack_user_id for m in added if m]
    event = audit.record(
        session, team_id, actor, "project.created", "project", project.id, key=key, name=name, members=added_ids, at=now
    )
    notices.refresh_homes(session, team_id, [actor, *added_ids], f"audit:{event.id}")
    for member in added:
        if member:
            _notify_member_added(session, project, member, actor)
    if project.channel_id:
        registered = notices.ProjectRegistered(project.id, by=actor)
        _notify(session, project, registered, project.channel_id, f"project:{project.id}:registered")
    return _info(project)


def get(session: Session, team_id: str, key: str) -> ProjectInfo:
    return _info(load(session, team_id, key))


def get_by_id(session: Session, team_id: str, project_id: int) -> ProjectInfo | None:
    project = _load_by_id(session, team_id, project_id)
    return _info(project) if project else None


def list_active(session: Session, team_id: str, viewer: str) -> list[ProjectInfo]:
    """Active projects, the viewer's own first, then newest first."""
    projects = session.scalars(
        _query(team_id)
        .where(Project.status == ProjectStatus.ACTIVE)
        .order_by(Project.created_at.desc(), Project.id.desc())
    ).all()
    infos = [_info(p) for p in projects]
    return sorted(infos, key=lambda p: p.role_of(viewer) is None)


def _bulk_infos(session: Session, *conditions) -> list[ProjectInfo]:
    """Infos for every project matching `conditions`, in three column queries however many there are:
    the scheduler and the digests read thousands, where loading ORM objects costs seconds."""
    rows = session.execute(select(*PROJECT_COLUMNS).where(*conditions).order_by(Project.id)).all()
    if not rows:
        return []
    ids = [row.id for row in rows]
    members: dict[int, list[Member]] = {}
    for row in session.execute(
        select(
            ProjectMember.project_id,
            User.slack_user_id,
            User.display_name,
            Department.name,
            ProjectMember.role,
            ProjectMember.manager,
            ProjectMember.joined_at,
            User.tz,
            ProjectMember.earlier_stints,
        )
        .join(User, User.id == ProjectMember.user_id)
        .outerjoin(Department, Department.id == User.department_id)
        .where(ProjectMember.project_id.in_(ids), ProjectMember.left_at.is_(None))
        .order_by(ProjectMember.id)
    ):
        members.setdefault(row[0], []).append(Member(*row[1:-1], earlier=stints(row[-1])))
    departments: dict[int, list[tuple[str, ProjectDepartmentRole]]] = {}
    for project_id, name, role in session.execute(
        select(ProjectDepartment.project_id, Department.name, ProjectDepartment.role)
        .join(Department, Department.id == ProjectDepartment.department_id)
        .where(ProjectDepartment.project_id.in_(ids))
        .order_by(ProjectDepartment.id)
    ):
        departments.setdefault(project_id, []).append((name, role))
    return [
        ProjectInfo(
            id=row.id,
            team_id=row.team_id,
            key=row.key,
            name=row.name,
            description=row.description,
            status=row.status,
            channel_id=row.channel_id,
            target_date=row.target_date,
            lead_department=next((n for n, r in departments.get(row.id, ()) if r is ProjectDepartmentRole.LEAD), None),
            cooperating_departments=tuple(
                n for n, r in departments.get(row.id, ()) if r is ProjectDepartmentRole.COOPERATING
            ),
            members=tuple(members.get(row.id, ())),
            created_at=row.created_at,
            cadence=row.cadence,
            timezone=row.timezone,
        )
        for row in rows
    ]


PROJECT_COLUMNS = (
    Project.id,
    Project.team_id,
    Project.key,
    Project.name,
    Project.description,
    Project.status,
    Project.channel_id,
    Project.target_date,
    Project.created_at,
    Project.cadence,
    Project.timezone,
)


def all_active(session: Session) -> list[ProjectInfo]:
    """Every active project of every workspace, for the scheduler."""
    return _bulk_infos(session, Project.status == ProjectStatus.ACTIVE)


def active_in_team(session: Session, team_id: str, keys: Iterable[str] | None = None) -> list[ProjectInfo]:
    """The workspace's active projects (or those of `keys`), ordered by key."""
    conditions = [Project.team_id == team_id, Project.status == ProjectStatus.ACTIVE]
    if keys is not None:
        conditions.append(Project.key.in_(sorted({key.strip().upper() for key in keys})))
    return sorted(_bulk_infos(session, *conditions), key=lambda info: info.key)


def list_mine(session: Session, team_id: str, slack_user_id: str) -> list[ProjectInfo]:
    """Active projects the person belongs to, newest first."""
    mine = (
        select(ProjectMember.project_id)
        .join(User, User.id == ProjectMember.user_id)
        .where(User.team_id == team_id, User.slack_user_id == slack_user_id, ProjectMember.left_at.is_(None))
    )
    projects = session.scalars(
        _query(team_id)
        .where(Project.status == ProjectStatus.ACTIVE, Project.id.in_(mine))
        .order_by(Project.created_at.desc(), Project.id.desc())
    ).all()
    return [_info(p) for p in projects]


def _require_active(project: Project, refusal: str = "project.closed") -> None:
    if project.status is ProjectStatus.CLOSED:
        raise DomainError(refusal, key=project.key)


def _manages(role: MemberRole | None, is_admin: bool) -> bool:
    """Leads and admins manage a project: edit it, close it, reopen it."""
    return is_admin or role is MemberRole.LEAD


def _require_manager(project: Project, actor: str, is_admin: bool) -> None:
    member = membership(project, actor)
    if not _manages(member.role if member else None, is_admin):
        raise DomainError("project.not_allowed", key=project.key)


def join(session: Session, team_id: str, actor: str, key: str, *, now: datetime) -> tuple[JoinOutcome, ProjectInfo]:
    project = load(session, team_id, key, for_update=True)
    _require_active(project)
    member = _add_member(session, project, users.ensure(session, team_id, actor), MemberRole.MEMBER, now)
    if member is None:
        return JoinOutcome.ALREADY_MEMBER, _info(project)
    session.flush()
    event = audit.record(session, team_id, actor, "project.joined", "project", project.id, key=project.key, at=now)
    info = _info(project)
    notices.refresh_homes(session, team_id, [actor, *(m.slack_user_id for m in info.leads)], f"audit:{event.id}")
    joined = f"{member.joined_at.timestamp():.3f}"
    for lead in info.leads:
        dedupe_key = f"project:{project.id}:joined:{actor}:{joined}:{lead.slack_user_id}"
        _notify(session, project, notices.MemberJoined(project.id, member=actor), lead.slack_user_id, dedupe_key)
    return JoinOutcome.JOINED, info


def leave(session: Session, team_id: str, actor: str, key: str, *, now: datetime) -> tuple[LeaveOutcome, ProjectInfo]:
    project = load(session, team_id, key, for_update=True)
    member = membership(project, actor)
    if member is None:
        return LeaveOutcome.NOT_MEMBER, _info(project)
    active_leads = [m for m in project.members if m.active and m.role is MemberRole.LEAD]
    if member.role is MemberRole.LEAD and len(active_leads) == 1:
        raise DomainError("project.sole_lead", key=project.key)
    member.left_at = now
    session.flush()
    event = audit.record(session, team_id, actor, "project.left", "project", project.id, key=project.key, at=now)
    info = _info(project)
    notices.refresh_homes(session, team_id, [actor, *(m.slack_user_id for m in info.leads)], f"audit:{event.id}")
    left = f"{now.timestamp():.3f}"
    for lead in info.leads:
        dedupe_key = f"project:{project.id}:left:{actor}:{left}:{lead.slack_user_id}"
        _notify(session, project, notices.MemberLeft(project.id, member=actor), lead.slack_user_id, dedupe_key)
    return LeaveOutcome.LEFT, info


def close(
    session: Session, team_id: str, actor: str, key: str, *, is_admin: bool, now: datetime
) -> tuple[CloseOutcome, ProjectInfo]:
    project = load(session, team_id, key, for_update=True)
    _require_manager(project, actor, is_admin)
    if project.status is ProjectStatus.CLOSED:
        return CloseOutcome.ALREADY_CLOSED, _info(project)
    project.status = ProjectStatus.CLOSED
    project.closed_at = now
    session.flush()
    event = audit.record(session, team_id, actor, "project.closed", "project", project.id, key=project.key, at=now)
    members = [m.user.slack_user_id for m in project.members if m.active]
    notices.refresh_homes(session, team_id, members, f"audit:{event.id}")
    if project.channel_id:
        closed = notices.ProjectClosed(project.id, by=actor)
        if not notices.send(session, team_id, project.channel_id, closed, f"project:{project.id}:closed"):
            # closed before and reopened since: this closing is news of its own
            _notify(session, project, closed, project.channel_id, f"project:{project.id}:closed:{event.id}")
    return CloseOutcome.CLOSED, _info(project)


def check_can_close(session: Session, team_id: str, actor: str, key: str, *, is_admin: bool) -> ProjectInfo:
    """Before asking whether to close: only a lead or an admin is asked at all."""
    project = load(session, team_id, key)
    _require_manager(project, actor, is_admin)
    return _info(project)


def reopen(
    session: Session, team_id: str, actor: str, key: str, *, is_admin: bool, now: datetime
) -> tuple[ReopenOutcome, ProjectInfo]:
    """A closed project active again (leads, admins). The time it was closed owes nobody anything: each
    member's stint ended when it closed and a new one starts now, as if they had left and come back."""
    project = load(session, team_id, key, for_update=True)
    _require_manager(project, actor, is_admin)
    if project.status is ProjectStatus.ACTIVE:
        return ReopenOutcome.ALREADY_ACTIVE, _info(project)
    _check_name_free(session, team_id, project.name, except_id=project.id)
    closed_at = project.closed_at or now
    for member in project.members:
        if member.active:
            member.earlier_stints = [*member.earlier_stints, [member.joined_at.isoformat(), closed_at.isoformat()]]
            member.joined_at = now
    project.status = ProjectStatus.ACTIVE
    project.closed_at = None
    session.flush()
    event = audit.record(session, team_id, actor, "project.reopened", "project", project.id, key=project.key, at=now)
    members = [m.user.slack_user_id for m in project.members if m.active]
    notices.refresh_homes(session, team_id, members, f"audit:{event.id}")
    if project.channel_id:
        reopened = notices.ProjectReopened(project.id, by=actor)
        _notify(session, project, reopened, project.channel_id, f"project:{project.id}:reopened:{event.id}")
    return ReopenOutcome.REOPENED, _info(project)


def check_can_edit(session: Session, team_id: str, actor: str, key: str, *, is_admin: bool) -> ProjectInfo:
    project = load(session, team_id, key)
    _require_active(project, "project.closed_edit")
    _require_manager(project, actor, is_admin)
    return _info(project)


def _apply_leads(session: Session, project: Project, lead_ids: Sequence[str], now: datetime) -> dict[str, list[str]]:
    """Makes exactly `lead_ids` the leads: others are kept as members, new ones join as leads."""
    wanted = list(dict.fromkeys(lead_ids))
    if not wanted:
        raise DomainError("project.lead_required", key=project.key)
    changes: dict[str, list[str]] = {}
    for member in project.members:
        if member.active and member.role is MemberRole.LEAD and member.user.slack_user_id not in wanted:
            member.role = MemberRole.MEMBER
            changes.setdefault("leads_removed", []).append(member.user.slack_user_id)
    for slack_id in wanted:
        current = membership(project, slack_id)
        if current is not None and current.role is MemberRole.LEAD:
            continue
        if current is not None:
            current.role = MemberRole.LEAD
        else:
            _add_member(session, project, users.ensure(session, project.team_id, slack_id), MemberRole.LEAD, now)
        changes.setdefault("leads_added", []).append(slack_id)
    return changes


def _apply_managers(
    session: Session, project: Project, manager_ids: Sequence[str], now: datetime
) -> dict[str, list[str]]:
    """Makes exactly `manager_ids` the managers; someone named who is not a member joins as one."""
    wanted = set(manager_ids)
    changes: dict[str, list[str]] = {}
    for member in project.members:
        if member.active and member.manager and member.user.slack_user_id not in wanted:
            member.manager = False
            changes.setdefault("managers_removed", []).append(member.user.slack_user_id)
    for slack_id in dict.fromkeys(manager_ids):
        current = membership(project, slack_id) or _add_member(
            session, project, users.ensure(session, project.team_id, slack_id), MemberRole.MEMBER, now
        )
        if current is not None and not current.manager:
            current.manager = True
            changes.setdefault("managers_added", []).append(slack_id)
    return changes


def may_read_work(info: ProjectInfo, viewer: str, *, is_admin: bool) -> bool:
    """A project's progress, discussions and digests are for its members and admins (its registration,
    shown by /project show and /project list, is for anyone who might join)."""
    return is_admin or info.role_of(viewer) is not None


def check_can_read_work(info: ProjectInfo, viewer: str, *, is_admin: bool) -> None:
    if not may_read_work(info, viewer, is_admin=is_admin):
        raise DomainError("project.members_only", key=info.key)


def may_direct(project: Project, actor: str) -> bool:
    """A lead or a manager of the project may issue directives on it."""
    member = membership(project, actor)
    return member is not None and (member.role is MemberRole.LEAD or member.manager)


def edit(
    session: Session,
    team_id: str,
    actor: str,
    project_id: int,
    draft: ProjectDraft,
    *,
    is_admin: bool,
    members_shown: Sequence[str] = (),
    now: datetime,
) -> ProjectInfo:
    """Applies an edit form. Only people the form showed can be removed (`members_shown` minus the
    draft's members), so someone who joined while the form was open stays a member."""
    project = _load_by_id(session, team_id, project_id, for_update=True)
    if project is None:
        raise DomainError("project.form_stale")
    _require_active(project, "project.closed_edit")
    _require_manager(project, actor, is_admin)
    name = _validated_name(draft.name)
    if _name_key(name) != _name_key(project.name):
        _check_name_free(session, team_id, name, except_id=project.id)
    description = fitted(draft.description, DESCRIPTION_MAX)
    departments = _department_names(draft.lead_department, draft.cooperating_departments)
    before = _info(project)
    changes: dict[str, object] = {}
    if name != project.name:
        changes["name"] = project.name = name
    if description != project.description:
        changes["description"] = True
        project.description = description
    if draft.channel_id != project.channel_id:
        changes["channel"] = project.channel_id = draft.channel_id
    if draft.cadence is not project.cadence:
        project.cadence = draft.cadence
        changes["cadence"] = draft.cadence.value
    if draft.target_date != project.target_date:
        project.target_date = draft.target_date
        changes["target_date"] = draft.target_date.isoformat() if draft.target_date else None
    if (before.lead_department, before.cooperating_departments) != departments:
        _set_departments(session, project, departments)
        changes["departments"] = True
    if draft.lead_ids is not None:
        changes.update(_apply_leads(session, project, draft.lead_ids, now))
    if draft.manager_ids is not None:
        changes.update(_apply_managers(session, project, draft.manager_ids, now))
    keep = set(draft.member_ids) | set(draft.lead_ids or ()) | set(draft.manager_ids or ())
    for slack_id in dict.fromkeys(members_shown):
        member = membership(project, slack_id)
        if member is not None and member.role is not MemberRole.LEAD and slack_id not in keep:
            member.left_at = now
            changes.setdefault("removed", []).append(slack_id)  # type: ignore[union-attr]
            if slack_id != actor:
                dedupe_key = f"project:{project.id}:removed:{slack_id}:{now.timestamp():.3f}"
                _notify(session, project, notices.MemberRemoved(project.id, by=actor), slack_id, dedupe_key)
    for slack_id in dict.fromkeys(draft.member_ids):
        added = _add_member(session, project, users.ensure(session, team_id, slack_id), MemberRole.MEMBER, now)
        if added is not None:
            changes.setdefault("added", []).append(slack_id)  # type: ignore[union-attr]
            _notify_member_added(session, project, added, actor)
    session.flush()
    after = _info(project)
    if changes:
        event = audit.record(
            session, team_id, actor, "project.edited", "project", project.id, key=project.key, **changes, at=now
        )
        everyone = [m.slack_user_id for m in before.members] + [m.slack_user_id for m in after.members]
        notices.refresh_homes(session, team_id, everyone, f"audit:{event.id}")
    return after
