"""Reporting periods with frozen time: weeks, days, fortnights, holidays, zones and DST."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from models import Cadence
from services.calendar import WorkCalendar
from services.obligations import is_late
from services.periods import period_at

KR = WorkCalendar("KR")
SEOUL = "Asia/Seoul"
ANCHOR = date(2026, 11, 2)


def at(*args, tz=UTC) -> datetime:
    return datetime(*args, tzinfo=tz)


def test_week_runs_monday_to_sunday_and_is_due_monday_ten_local():
    period = period_at(at(2026, 11, 26, 3, 0), Cadence.WEEKLY, SEOUL, ANCHOR, KR)  # Thu 12:00 in Seoul
    assert (period.start, period.end) == (date(2026, 11, 23), date(2026, 11, 30))
    assert period.due_at == at(2026, 11, 23, 1, 0)  # 10:00 KST


def test_posting_before_due_is_on_time_and_after_is_late():
    period = period_at(at(2026, 11, 23, 0, 59), Cadence.WEEKLY, SEOUL, ANCHOR, KR)
    assert not is_late(period, SEOUL, SEOUL, at(2026, 11, 23, 0, 59), owed=True)
    assert is_late(period, SEOUL, SEOUL, at(2026, 11, 23, 1, 1), owed=True)
    assert not is_late(period, SEOUL, SEOUL, at(2026, 11, 23, 1, 1), owed=False)


def test_the_local_day_decides_the_period_not_utc():
    # Sunday 23:30 UTC is already Monday 08:30 in Seoul: the new week, and not late yet
    period = period_at(at(2026, 11, 29, 23, 30), Cadence.WEEKLY, SEOUL, ANCHOR, KR)
    assert period.start == date(2026, 11, 30)
    assert not is_late(period, SEOUL, SEOUL, at(2026, 11, 29, 23, 30), owed=True)


def test_a_monday_holiday_moves_the_due_time_to_the_next_working_day():
    # Seollal 2027 is Sat 6 - Mon 8 February, with a substitute holiday on Tuesday 9 February
    period = period_at(at(2027, 2, 9, 3, 0), Cadence.WEEKLY, SEOUL, ANCHOR, KR)
    assert period.start == date(2027, 2, 8)
    assert KR.holiday_name(date(2027, 2, 8)) and KR.holiday_name(date(2027, 2, 9))
    assert period.due_at == at(2027, 2, 10, 1, 0)  # Wednesday 10:00 KST


def test_daily_period_on_a_weekend_is_not_due():
    saturday = period_at(at(2026, 11, 28, 3, 0), Cadence.DAILY, SEOUL, ANCHOR, KR)
    assert saturday.due_at is None and not is_late(saturday, SEOUL, SEOUL, at(2026, 11, 28, 14, 0), owed=True)
    friday = period_at(at(2026, 11, 27, 3, 0), Cadence.DAILY, SEOUL, ANCHOR, KR)
    assert friday.due_at == at(2026, 11, 27, 1, 0)


@pytest.mark.parametrize(
    ("moment", "start"),
    [
        (at(2026, 11, 3), date(2026, 11, 2)),
        (at(2026, 11, 15), date(2026, 11, 2)),
        (at(2026, 11, 16, 3), date(2026, 11, 16)),
        (at(2026, 11, 29, 3), date(2026, 11, 16)),
        (at(2026, 11, 30, 3), date(2026, 11, 30)),
    ],
)
def test_fortnights_count_from_the_projects_first_monday(moment, start):
    period = period_at(moment, Cadence.BIWEEKLY, SEOUL, date(2026, 11, 4), KR)
    assert period.start == start and (period.end - period.start).days == 14


def test_due_time_follows_daylight_saving_in_the_projects_zone():
    winter = period_at(at(2026, 11, 10, 18), Cadence.WEEKLY, "America/New_York", ANCHOR, WorkCalendar("US"))
    summer = period_at(at(2026, 6, 10, 18), Cadence.WEEKLY, "America/New_York", ANCHOR, WorkCalendar("US"))
    assert winter.due_at.hour == 15 and summer.due_at.hour == 14  # 10:00 EST / EDT


def test_previous_period_is_the_one_before():
    period = period_at(at(2026, 11, 26), Cadence.WEEKLY, SEOUL, ANCHOR, KR)
    assert period.previous(Cadence.WEEKLY, SEOUL, KR).start == date(2026, 11, 16)
