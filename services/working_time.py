"""When a person may be reached: working days in their own time zone, outside quiet hours.

Everything here takes aware UTC moments and a zone name; the local wall clock is computed with
zoneinfo, so daylight-saving changes move the UTC instant, never the local hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from services.calendar import WorkCalendar

SEND_TIME = time(10, 0)  # nudges and reminders go out at 10:00 in the reader's own zone
MAX_SEARCH_DAYS = 60


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _local_span(text: str, what: str, example: str) -> tuple[time, time]:
    """ "HH:MM-HH:MM" as two local wall-clock times (no offset)."""
    first, sep, second = text.strip().partition("-")
    if not sep:
        raise ValueError(f"{what} must look like {example}, not {text!r}")
    start, end = time.fromisoformat(first.strip()), time.fromisoformat(second.strip())
    if start.tzinfo is not None or end.tzinfo is not None:
        raise ValueError(f"{what} are local wall-clock times, without an offset")
    return start, end


@dataclass(frozen=True)
class QuietHours:
    """Local hours when nobody is messaged; the span may wrap midnight (19:00-08:00)."""

    start: time = time(19, 0)
    end: time = time(8, 0)

    @classmethod
    def parse(cls, text: str) -> QuietHours:
        """ "19:00-08:00"; an empty string or "off" means no quiet hours."""
        text = text.strip().lower()
        if text in ("", "off", "none"):
            return cls(time(0, 0), time(0, 0))
        return cls(*_local_span(text, "quiet hours", "19:00-08:00"))

    def contains(self, local: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class OfficeHours:
    """Local office hours on working days (근무시간): what "N hours waiting" counts."""

    start: time = time(9, 0)
    end: time = time(18, 0)

    @classmethod
    def parse(cls, text: str) -> OfficeHours:
        """ "09:00-18:00": a start before an end, on the same day."""
        start, end = _local_span(text, "office hours", "09:00-18:00")
        if not start < end:
            raise ValueError(f"office hours must start before they end, not {text!r}")
        return cls(start, end)

    @property
    def length(self) -> float:
        """Hours in one working day."""
        return (datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)).total_seconds() / 3600

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class WorkingTime:
    calendar: WorkCalendar
    quiet: QuietHours = QuietHours()
    office: OfficeHours = OfficeHours()

    def local(self, moment: datetime, tz: str) -> datetime:
        return moment.astimezone(zone(tz))

    def is_working_day(self, moment: datetime, tz: str) -> bool:
        return self.calendar.is_working_day(self.local(moment, tz).date())

    def reachable(self, moment: datetime, tz: str) -> bool:
        """A working day where the person is, and not inside their quiet hours."""
        local = self.local(moment, tz)
        return self.calendar.is_working_day(local.date()) and not self.quiet.contains(local.time())

    def slot(self, day: date, tz: str, at: time = SEND_TIME) -> datetime:
        """`at` o'clock on `day` in the zone, as UTC (a time skipped by a DST jump moves forward)."""
        local = datetime.combine(day, at, tzinfo=zone(tz))
        return local.astimezone(UTC)

    def next_slot(self, moment: datetime, tz: str, at: time = SEND_TIME) -> datetime:
        """The first `at` o'clock on a local working day at or after `moment`."""
        day = self.local(moment, tz).date()
        for _ in range(MAX_SEARCH_DAYS):
            if self.calendar.is_working_day(day):
                candidate = self.slot(day, tz, at)
                if candidate >= moment:
                    return candidate
            day += timedelta(days=1)
        return self.slot(day, tz, at)

    def slot_after(self, moment: datetime, tz: str, at: time = SEND_TIME) -> datetime:
        """The `at` o'clock of the working day after the local day of `moment`."""
        day = self.local(moment, tz).date() + timedelta(days=1)
        return self.next_slot(self.slot(day, tz, time(0, 0)), tz, at)

    def office_hours(self, start: datetime, end: datetime, tz: str) -> float:
        """Office hours (근무시간) between two moments in the zone: the part of each working day's office
        hours that falls between them. Thursday 17:00 to the next Wednesday 10:00 is 1 + 9 + 9 + 1 = 20."""
        if end <= start:
            return 0.0
        total = timedelta()
        day = self.local(start, tz).date()
        last = self.local(end, tz).date()
        guard = 0
        while day <= last and guard < 3700:  # ten years of days at most
            if self.calendar.is_working_day(day):
                opens = datetime.combine(day, self.office.start, tzinfo=zone(tz)).astimezone(UTC)
                closes = datetime.combine(day, self.office.end, tzinfo=zone(tz)).astimezone(UTC)
                overlap = min(closes, end) - max(opens, start)
                if overlap > timedelta():
                    total += overlap
            day += timedelta(days=1)
            guard += 1
        return total.total_seconds() / 3600

    def office_days(self, hours: float) -> float:
        """Office hours as working days (9 hours a day by default)."""
        return hours / self.office.length

    def after_office_hours(self, start: datetime, hours: float, tz: str) -> datetime:
        """The moment `hours` office hours after `start` (the deadline of something given that long)."""
        left = timedelta(hours=hours)
        day = self.local(start, tz).date()
        for _ in range(3700):
            if self.calendar.is_working_day(day):
                opens = datetime.combine(day, self.office.start, tzinfo=zone(tz)).astimezone(UTC)
                closes = datetime.combine(day, self.office.end, tzinfo=zone(tz)).astimezone(UTC)
                begin = max(opens, start)
                if closes > begin:
                    if begin + left <= closes:
                        return begin + left
                    left -= closes - begin
            day += timedelta(days=1)
        return start + left
