"""The organisation's settings as the rules use them, parsed once by the composition root (bot/compose.py)
and handed down: its zone and default language, its admins, its calendar of working days, office and quiet
hours, how participation is counted, and when approvals are chased."""

from __future__ import annotations

from dataclasses import dataclass

from services.calendar import WorkCalendar
from services.ledger import Rules
from services.working_time import WorkingTime


@dataclass(frozen=True)
class Organisation:
    timezone: str  # for people whose Slack profile has none, month boundaries and office hours
    locale: str  # ko or en, for people whose Slack locale is unknown
    admins: frozenset[str]
    working_time: WorkingTime  # its calendar, quiet hours and office hours
    rules: Rules  # how the participation ledger counts
    approval_remind_hours: int
    approval_escalate_hours: int

    @property
    def calendar(self) -> WorkCalendar:
        return self.working_time.calendar

    def is_admin(self, slack_user_id: str) -> bool:
        return slack_user_id in self.admins
