"""Periods as people say them: 12월 2주차(12. 7.~12. 13.), a week belonging to the month of its Thursday."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kit.periods import cadence_period, day_text, month_label, month_text, period_text, week_of_month
from services.terms import Cadence


@pytest.mark.parametrize(
    ("monday", "named"),
    [
        (date(2026, 12, 7), (12, 2)),  # Thursday 12-10; December's first Thursday is 12-03
        (date(2026, 11, 30), (12, 1)),  # mostly December: Thursday 12-03
        (date(2026, 12, 28), (12, 5)),  # Thursday 12-31
        (date(2025, 12, 29), (1, 1)),  # Thursday 2026-01-01: January's first week
        (date(2026, 6, 1), (6, 1)),
        (date(2026, 6, 29), (7, 1)),  # Thursday 07-02
        (date(2026, 11, 23), (11, 4)),
    ],
)
def test_a_week_belongs_to_the_month_of_its_thursday_counted_from_that_months_first_thursday(monday, named):
    assert week_of_month(monday) == named


def test_no_week_is_ever_a_sixth_week():
    monday = date(2024, 1, 1)
    for _ in range(52 * 5):
        assert 1 <= week_of_month(monday)[1] <= 5
        monday += timedelta(days=7)


def test_a_weekly_period_reads_as_the_week_of_its_month_with_its_days():
    assert period_text(date(2026, 12, 7), date(2026, 12, 14), "ko") == "12월 2주차(12. 7.~12. 13.)"
    assert period_text(date(2026, 12, 7), date(2026, 12, 14), "en") == "week 2 of December (Dec 7 – Dec 13)"
    assert period_text(date(2026, 11, 30), date(2026, 12, 7), "ko") == "12월 1주차(11. 30.~12. 6.)"


def test_a_two_week_period_names_both_weeks():
    assert period_text(date(2026, 12, 7), date(2026, 12, 21), "ko") == "12월 2~3주차(12. 7.~12. 20.)"
    assert period_text(date(2026, 12, 28), date(2027, 1, 11), "ko") == "12월 5주차~1월 1주차(12. 28.~1. 10.)"
    assert period_text(date(2026, 12, 7), date(2026, 12, 21), "en") == "weeks 2–3 of December (Dec 7 – Dec 20)"


def test_a_daily_period_is_its_day_and_a_calendar_month_is_its_month():
    assert period_text(date(2026, 12, 7), date(2026, 12, 8), "ko") == "12월 7일(월)"
    assert day_text(date(2026, 12, 13), "ko") == "12월 13일(일)"
    assert period_text(date(2026, 12, 7), date(2026, 12, 8), "en") == "Mon, December 7"
    assert period_text(date(2026, 12, 1), date(2027, 1, 1), "ko") == "12월"
    assert period_text(date(2026, 2, 1), date(2026, 3, 1), "en") == "February"


def test_any_other_span_is_its_first_and_last_days():
    assert period_text(date(2026, 12, 9), date(2026, 12, 12), "ko") == "12. 9.~12. 11."


def test_a_cadence_period_is_named_from_its_first_day():
    assert cadence_period(date(2026, 12, 7), Cadence.WEEKLY, "ko") == "12월 2주차(12. 7.~12. 13.)"
    assert cadence_period(date(2026, 12, 7), Cadence.BIWEEKLY, "ko") == "12월 2~3주차(12. 7.~12. 20.)"
    assert cadence_period(date(2026, 12, 7), Cadence.DAILY, "ko") == "12월 7일(월)"


def test_a_reports_month_reads_with_its_year():
    assert month_text(2026, 11, "ko") == "2026년 11월" and month_text(2026, 11, "en") == "November 2026"
    assert month_label("2026-11", "ko") == "2026년 11월" and month_label("2026-13", "ko") == "2026-13"
