"""Reporting periods: which period a moment belongs to, and when its report is due.

A period is a span of local days in the project's time zone: a day, an ISO week (Monday first),
or two weeks counted from the Monday of the week the project started. Its report is due at 10:00
on the first working day of the period; a period with no working day is not due at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models import Cadence
from services.calendar import WorkCalendar

DUE_TIME = time(10, 0)
LENGTH = {Cadence.DAILY: 1, Cadence.WEEKLY: 7, Cadence.BIWEEKLY: 14}


@dataclass(frozen=True)
class Period:
    start: date  # first local day
    end: date  # first local day of the next period
    due_at: datetime | None  # UTC; None when the period has no working day

    def previous(self, cadence: Cadence, zone: str, calendar: WorkCalendar) -> Period:
        return period_starting(self.start - timedelta(days=LENGTH[cadence]), cadence, zone, calendar)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def period_starting(start: date, cadence: Cadence, zone: str, calendar: WorkCalendar) -> Period:
    end = start + timedelta(days=LENGTH[cadence])
    due_day = calendar.first_working_day(start, end)
    due_at = datetime.combine(due_day, DUE_TIME, tzinfo=ZoneInfo(zone)).astimezone(UTC) if due_day is not None else None
    return Period(start=start, end=end, due_at=due_at)


def period_at(moment: datetime, cadence: Cadence, zone: str, anchor: date, calendar: WorkCalendar) -> Period:
    """The period `moment` (aware) falls in; `anchor` is the project's first local day (for biweekly)."""
    local = moment.astimezone(ZoneInfo(zone)).date()
    if cadence is Cadence.DAILY:
        start = local
    elif cadence is Cadence.WEEKLY:
        start = _monday(local)
    else:
        first = _monday(anchor)
        start = first + timedelta(days=14 * ((_monday(local) - first).days // 14))
    return period_starting(start, cadence, zone, calendar)
