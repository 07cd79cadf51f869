"""Working days: Monday to Friday, minus the public holidays of one country (the holidays package,
which knows Korea's substitute holidays)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cached_property

import holidays


class WorkCalendar:
    def __init__(self, country: str = "KR") -> None:
        self.country = country

    @cached_property
    def _holidays(self) -> holidays.HolidayBase:
        return holidays.country_holidays(self.country)  # fills years lazily as they are asked about

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._holidays

    def first_working_day(self, start: date, end: date) -> date | None:
        """The first working day in [start, end), or None when the span has none."""
        day = start
        while day < end:
            if self.is_working_day(day):
                return day
            day += timedelta(days=1)
        return None

    def holiday_name(self, day: date) -> str | None:
        return self._holidays.get(day)
