"""People as Onnuri knows them: a cached profile (name, time zone, locale) and a department."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import Department, User
from models.base import utcnow

PROFILE_MAX_AGE = timedelta(days=1)
FALLBACK_ZONE = "Asia/Seoul"  # only for someone whose Slack profile has not been read yet


@dataclass(frozen=True)
class Person:
    slack_user_id: str
    display_name: str
    tz: str | None
    locale: str | None
    department: str | None
    profile_known: bool = False  # False until users.info has told us about them


def to_person(user: User) -> Person:
    return Person(
        slack_user_id=user.slack_user_id,
        display_name=user.display_name,
        tz=user.tz,
        locale=user.locale,
        department=user.department.name if user.department else None,
        profile_known=user.profile_fetched_at is not None,
    )


def find(session: Session, team_id: str, slack_user_id: str) -> User | None:
    return session.scalar(select(User).where(User.team_id == team_id, User.slack_user_id == slack_user_id))


def ensure(session: Session, team_id: str, slack_user_id: str) -> User:
    user = find(session, team_id, slack_user_id)
    if user is not None:
        return user
    try:
        with session.begin_nested():
            user = User(team_id=team_id, slack_user_id=slack_user_id, display_name="")
            session.add(user)
    except IntegrityError:  # another request registered them a moment ago
        user = find(session, team_id, slack_user_id)
        assert user is not None
    return user


def local_date(user: User | None, now: datetime) -> date:
    """The person's calendar day at `now`, where they are."""
    return now.astimezone(ZoneInfo((user.tz if user else None) or FALLBACK_ZONE)).date()


def profile_is_stale(user: User | None, now: datetime) -> bool:
    if user is None or user.profile_fetched_at is None:
        return True
    return now - user.profile_fetched_at > PROFILE_MAX_AGE


def save_profile(
    session: Session,
    team_id: str,
    slack_user_id: str,
    *,
    display_name: str,
    tz: str | None,
    locale: str | None,
    now: datetime,
) -> Person:
    user = ensure(session, team_id, slack_user_id)
    user.display_name = display_name[:120]
    user.tz = tz
    user.locale = locale
    user.profile_fetched_at = now
    session.flush()
    return to_person(user)


def home_opened(session: Session, team_id: str, slack_user_id: str) -> None:
    """Notes that the person is looking at App Home, so changes redraw it for a while (notices.refresh_homes).
    Real time, as the outbox keeps: it is about screens, not about what the bot's clock says."""
    ensure(session, team_id, slack_user_id).home_opened_at = utcnow()


def get_person(session: Session, team_id: str, slack_user_id: str) -> Person | None:
    user = find(session, team_id, slack_user_id)
    return to_person(user) if user else None


def department(session: Session, team_id: str, name: str) -> Department:
    """The department called `name`, registered on first mention."""
    name = " ".join(name.split())[:80]
    query = select(Department).where(Department.team_id == team_id, Department.name == name)
    found = session.scalar(query)
    if found is not None:
        return found
    try:
        with session.begin_nested():
            found = Department(team_id=team_id, name=name)
            session.add(found)
    except IntegrityError:
        found = session.scalar(query)
        assert found is not None
    return found


def set_department(session: Session, team_id: str, slack_user_id: str, name: str | None) -> Person:
    user = ensure(session, team_id, slack_user_id)
    user.department = department(session, team_id, name) if name and name.strip() else None
    session.flush()
    return to_person(user)


def list_departments(session: Session, team_id: str) -> list[str]:
    return list(session.scalars(select(Department.name).where(Department.team_id == team_id).order_by(Department.name)))
