"""Days, reporting periods and months as people say them: `12월 7일(월)`, `12월 2주차(12. 7.~12. 13.)`, `12월`.

Every message that names a period (nudges, digests, App Home, /project show, reports) words it here.

Weeks of a month: a Monday-to-Sunday week belongs to the month that holds its Thursday (most of its
days), and is numbered from the week that holds that month's first Thursday: week = (Thursday's day - 1)
// 7 + 1. It is the rule KS X ISO 8601 gives weeks of the year, applied to months, so a week has one name,
no month has a "6주차", and 2026-12-07 (Mon) to 12-13 is 12월 2주차 since 12-03 is December's first
Thursday. A week that starts in one month and is mostly in the next is the next month's first week.
"""

from __future__ import annotations

from datetime import date, timedelta

from kit.i18n import t
from kit.text import Raw
from services.periods import LENGTH
from services.terms import Cadence

WEEK = 7


def week_of_month(monday: date) -> tuple[int, int]:
    """(month, week) of the Monday-to-Sunday week starting `monday`, by its Thursday."""
    thursday = monday + timedelta(days=3 - monday.weekday())
    return thursday.month, (thursday.day - 1) // WEEK + 1


def _listed(key: str, index: int, locale: str) -> str:
    return t(key, locale, plain=True).split(",")[index]


def month_name(month: int, locale: str) -> str:
    """12월 / December."""
    return _listed("period.months", month - 1, locale)


def day_text(day: date, locale: str) -> Raw:
    """One day, with its weekday: 12월 7일(월) / Mon, December 7."""
    weekday = _listed("period.weekdays", day.weekday(), locale)
    return t("period.day", locale, month=month_name(day.month, locale), day=day.day, weekday=weekday)


def date_text(day: date, locale: str) -> Raw:
    """A short date inside a range: 12. 7. / Dec 7."""
    return t("period.date", locale, month=_listed("period.short_months", day.month - 1, locale), day=day.day)


def range_text(first: date, last: date, locale: str) -> Raw:
    """From `first` to `last`, both included: 12. 7.~12. 13."""
    return t("period.range", locale, start=date_text(first, locale), end=date_text(last, locale))


def month_text(year: int, month: int, locale: str) -> Raw:
    """A month with its year, as reports name it: 2026년 11월 / November 2026."""
    return t("period.month_of_year", locale, year=year, month=month_name(month, locale))


def month_label(text: str, locale: str) -> str:
    """`YYYY-MM` as month_text says it; anything else as it is."""
    year, _, month = text.partition("-")
    if year.isdigit() and month.isdigit() and 1 <= int(month) <= 12:
        return month_text(int(year), int(month), locale)
    return text


def period_text(start: date, end: date, locale: str) -> Raw:
    """A reporting period from `start` to `end` (the first day of the next period, not included):
    a day (12월 7일(월)), a week or two Monday-to-Sunday weeks (12월 2주차(12. 7.~12. 13.),
    12월 2~3주차(12. 7.~12. 20.)), a calendar month (12월), or else its first and last days."""
    days = (end - start).days
    last = end - timedelta(days=1)
    if days == 1:
        return day_text(start, locale)
    if start.day == 1 and end == (start + timedelta(days=32)).replace(day=1):
        return Raw(month_name(start.month, locale))
    span = range_text(start, last, locale)
    if start.weekday() == 0 and days in (WEEK, 2 * WEEK):
        month, week = week_of_month(start)
        names = {"month": month_name(month, locale), "week": week, "range": span}
        if days == WEEK:
            return t("period.week", locale, **names)
        last_month, last_week = week_of_month(start + timedelta(days=WEEK))
        if last_month == month:
            return t("period.weeks", locale, last=last_week, **names)
        return t("period.weeks_across", locale, last=last_week, last_month=month_name(last_month, locale), **names)
    return span


def cadence_period(start: date, cadence: Cadence, locale: str) -> Raw:
    """The period of a project's cadence that begins on `start`."""
    return period_text(start, start + timedelta(days=LENGTH[cadence]), locale)
