"""Who is reading: their language and time zone, for rendering."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kit.i18n import resolve_locale

if TYPE_CHECKING:
    from services.organisation import Organisation
    from services.users import Person


@dataclass(frozen=True)
class Reader:
    user_id: str
    locale: str
    tz: str
    is_admin: bool = False  # an admin is offered what services let admins do (accepting any directive)

    @property
    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.tz)
        except (ZoneInfoNotFoundError, ValueError):
            return ZoneInfo("UTC")

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def format_date(self, day: date) -> str:
        return day.isoformat()

    def format_datetime(self, moment: datetime) -> str:
        return moment.astimezone(self.zone).strftime("%Y-%m-%d %H:%M")


def reader_from(person: Person | None, slack_user_id: str, org: Organisation) -> Reader:
    """A person's cached profile, with the organisation's defaults where Slack told us nothing."""
    return Reader(
        user_id=slack_user_id,
        locale=resolve_locale(person.locale if person else None, org.locale),
        tz=(person.tz if person and person.tz else None) or org.timezone,
        is_admin=org.is_admin(slack_user_id),
    )
