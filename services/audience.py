"""Who can be messaged now, for the scheduler: everyone's time zone and absences, read in two queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from models import Absence, User
from services.working_time import WorkingTime

Person = tuple[str, str]  # (team id, slack user id)


@dataclass(frozen=True)
class Audience:
    working_time: WorkingTime
    default_tz: str
    zones: dict[Person, str]
    away_until: dict[Person, date | None]  # None: away until they say they are back
    proxies: dict[Person, str]  # who decides for someone away (대결)

    def tz(self, team_id: str, slack_user_id: str) -> str:
        return self.zones.get((team_id, slack_user_id)) or self.default_tz

    def is_away(self, team_id: str, slack_user_id: str, now: datetime) -> bool:
        person = (team_id, slack_user_id)
        if person not in self.away_until:
            return False
        until = self.away_until[person]
        return until is None or self.working_time.local(now, self.tz(*person)).date() <= until

    def stand_in(self, team_id: str, slack_user_id: str, now: datetime) -> str:
        """The person, or their proxy while they are away."""
        if self.is_away(team_id, slack_user_id, now):
            return self.proxies.get((team_id, slack_user_id), slack_user_id)
        return slack_user_id

    def reachable(self, team_id: str, slack_user_id: str, now: datetime) -> bool:
        """A working day and outside quiet hours where they are, and not away."""
        return self.working_time.reachable(now, self.tz(team_id, slack_user_id)) and not self.is_away(
            team_id, slack_user_id, now
        )


def load(session: Session, working_time: WorkingTime, default_tz: str) -> Audience:
    zones = {
        (team, slack_id): tz
        for team, slack_id, tz in session.execute(select(User.team_id, User.slack_user_id, User.tz))
        if tz
    }
    away: dict[Person, date | None] = {}
    proxies: dict[Person, str] = {}
    proxy = aliased(User)
    rows = session.execute(
        select(User.team_id, User.slack_user_id, Absence.until, proxy.slack_user_id)
        .join(Absence, Absence.user_id == User.id)
        .join(proxy, proxy.id == Absence.proxy_id)
        .where(Absence.ended_at.is_(None))
        .order_by(Absence.id)
    )
    for team, slack_id, until, proxy_id in rows:
        away[(team, slack_id)] = until  # the latest absence wins
        proxies[(team, slack_id)] = proxy_id
    return Audience(working_time, default_tz, zones, away, proxies)
