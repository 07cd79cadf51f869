"""Working time with frozen instants: quiet hours, the 10:00 slot in each person's zone across both 2026
US daylight-saving changes, weekends, and Korean public and substitute holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest

from services.calendar import WorkCalendar
from services.working_time import OfficeHours, QuietHours, WorkingTime

KR = WorkCalendar("KR")
WT = WorkingTime(KR)
SEOUL = "Asia/Seoul"
NEW_YORK = "America/New_York"


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(day: date, hour: int, minute: int, tz: str) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def kr_holidays(year: int) -> dict[date, str]:
    return dict(holidays.country_holidays("KR", years=year, language="en_US").items())


def substitute_holidays(year: int) -> list[date]:
    """Korea's substitute holidays (대체공휴일) that fall on a weekday, as the holidays package names them."""
    return sorted(d for d, name in kr_holidays(year).items() if "alternative" in name.lower() and d.weekday() < 5)


# --- quiet hours --------------------------------------------------------------------------------


def test_quiet_hours_parse_a_span_across_midnight():
    quiet = QuietHours.parse(" 19:00-08:00 ")
    assert (quiet.start, quiet.end) == (time(19, 0), time(8, 0))
    assert str(quiet) == "19:00-08:00"


def test_quiet_hours_default_is_seven_in_the_evening_to_eight_in_the_morning():
    assert QuietHours() == QuietHours.parse("19:00-08:00")


@pytest.mark.parametrize("text", ["off", "OFF", "", "none"])
def test_quiet_hours_off_contains_no_moment(text):
    quiet = QuietHours.parse(text)
    assert not any(quiet.contains(time(hour, minute)) for hour in range(24) for minute in (0, 59))


@pytest.mark.parametrize("text", ["19:00", "7pm-8am", "25:00-08:00", "19:00-8", "nonsense", "19:00~08:00"])
def test_quiet_hours_bad_input_raises_value_error(text):
    with pytest.raises(ValueError):
        QuietHours.parse(text)


@pytest.mark.parametrize(
    ("moment", "quiet"),
    [
        (time(18, 59), False),
        (time(19, 0), True),
        (time(23, 59), True),
        (time(0, 0), True),
        (time(3, 30), True),
        (time(7, 59), True),
        (time(8, 0), False),
        (time(12, 0), False),
    ],
)
def test_quiet_hours_contains_wraps_midnight(moment, quiet):
    assert QuietHours.parse("19:00-08:00").contains(moment) is quiet


def test_quiet_hours_within_one_day_do_not_wrap():
    lunch = QuietHours.parse("12:00-13:00")
    assert lunch.contains(time(12, 0)) and lunch.contains(time(12, 59))
    assert not lunch.contains(time(13, 0)) and not lunch.contains(time(11, 59)) and not lunch.contains(time(0, 0))


# --- the 10:00 slot across daylight-saving changes -------------------------------------------------


def test_new_york_ten_oclock_moves_an_hour_in_utc_when_dst_begins():
    # Sunday 8 March 2026, 02:00 EST -> 03:00 EDT
    friday, monday = date(2026, 3, 6), date(2026, 3, 9)
    assert WT.slot(friday, NEW_YORK) == at(2026, 3, 6, 15, 0)  # EST, UTC-5
    assert WT.slot(monday, NEW_YORK) == at(2026, 3, 9, 14, 0)  # EDT, UTC-4
    assert WT.next_slot(at(2026, 3, 6, 16, 0), NEW_YORK) == at(2026, 3, 9, 14, 0)


def test_new_york_ten_oclock_moves_back_when_dst_ends():
    # Sunday 1 November 2026, 02:00 EDT -> 01:00 EST
    assert WT.slot(date(2026, 10, 30), NEW_YORK) == at(2026, 10, 30, 14, 0)
    assert WT.next_slot(at(2026, 10, 30, 14, 1), NEW_YORK) == at(2026, 11, 2, 15, 0)
    # from inside the repeated hour on the change day itself
    assert WT.next_slot(at(2026, 11, 1, 5, 30), NEW_YORK) == at(2026, 11, 2, 15, 0)
    assert WT.next_slot(at(2026, 11, 1, 6, 30), NEW_YORK) == at(2026, 11, 2, 15, 0)


@pytest.mark.parametrize(
    ("sunday", "monday_ten_utc"),
    [(date(2026, 3, 8), at(2026, 3, 9, 14, 0)), (date(2026, 11, 1), at(2026, 11, 2, 15, 0))],
)
def test_slot_after_the_dst_sunday_is_monday_ten_new_york(sunday, monday_ten_utc):
    noon_sunday = local(sunday, 12, 0, NEW_YORK)
    assert WT.slot_after(noon_sunday - timedelta(days=2), NEW_YORK) == monday_ten_utc  # from Friday noon
    assert WT.next_slot(noon_sunday, NEW_YORK) == monday_ten_utc
    assert not WT.reachable(noon_sunday, NEW_YORK)
    assert WT.reachable(monday_ten_utc, NEW_YORK)
    assert not WT.reachable(monday_ten_utc - timedelta(hours=2, minutes=1), NEW_YORK)  # 07:59 local


def test_seoul_has_no_dst_so_its_ten_oclock_stays_at_one_utc():
    for day in (date(2026, 3, 6), date(2026, 3, 9), date(2026, 10, 30), date(2026, 11, 2)):
        assert WT.slot(day, SEOUL) == datetime.combine(day, time(1, 0), tzinfo=UTC)
    assert WT.next_slot(at(2026, 3, 7, 1, 0), SEOUL) == at(2026, 3, 9, 1, 0)
    assert WT.next_slot(at(2026, 10, 31, 1, 0), SEOUL) == at(2026, 11, 2, 1, 0)


def test_same_instant_is_reachable_in_seoul_but_not_in_new_york():
    monday_ten_seoul = at(2026, 11, 2, 1, 0)  # Sunday 20:00 in New York
    assert WT.reachable(monday_ten_seoul, SEOUL)
    assert not WT.reachable(monday_ten_seoul, NEW_YORK)
    assert WT.next_slot(monday_ten_seoul, NEW_YORK) == at(2026, 11, 2, 15, 0)


def test_next_slot_at_the_slot_itself_is_that_slot_and_one_minute_later_is_the_next_day():
    monday_ten = at(2026, 11, 2, 15, 0)
    assert WT.next_slot(monday_ten, NEW_YORK) == monday_ten
    assert WT.next_slot(monday_ten + timedelta(minutes=1), NEW_YORK) == at(2026, 11, 3, 15, 0)


def test_slot_after_is_the_next_working_day_even_early_in_the_morning():
    tuesday_early = local(date(2026, 11, 3), 6, 0, SEOUL)
    assert WT.slot_after(tuesday_early, SEOUL) == local(date(2026, 11, 4), 10, 0, SEOUL)


def test_reachable_respects_configured_quiet_hours_in_local_time():
    late = WorkingTime(KR, QuietHours.parse("22:00-06:00"))
    seven_pm_tuesday = local(date(2026, 11, 3), 19, 30, NEW_YORK)
    assert not WT.reachable(seven_pm_tuesday, NEW_YORK)
    assert late.reachable(seven_pm_tuesday, NEW_YORK)
    assert WorkingTime(KR, QuietHours.parse("off")).reachable(local(date(2026, 11, 3), 3, 0, SEOUL), SEOUL)


# --- weekends and Korean holidays -------------------------------------------------------------------


def test_weekend_is_skipped_and_unreachable():
    friday_evening = local(date(2026, 11, 27), 15, 0, SEOUL)
    assert WT.next_slot(friday_evening, SEOUL) == local(date(2026, 11, 30), 10, 0, SEOUL)
    assert WT.slot_after(friday_evening, SEOUL) == local(date(2026, 11, 30), 10, 0, SEOUL)
    assert not WT.reachable(local(date(2026, 11, 28), 11, 0, SEOUL), SEOUL)
    assert not WT.reachable(local(date(2026, 11, 29), 11, 0, SEOUL), SEOUL)


def test_chuseok_2026_is_skipped():
    chuseok = [d for d, name in kr_holidays(2026).items() if "chuseok" in name.lower()]
    assert sorted(chuseok) == [date(2026, 9, 24), date(2026, 9, 25), date(2026, 9, 26)]
    wednesday = local(date(2026, 9, 23), 10, 0, SEOUL)
    assert WT.slot_after(wednesday, SEOUL) == local(date(2026, 9, 28), 10, 0, SEOUL)
    assert WT.next_slot(wednesday + timedelta(minutes=1), SEOUL) == local(date(2026, 9, 28), 10, 0, SEOUL)
    for day in chuseok:
        assert not WT.reachable(local(day, 11, 0, SEOUL), SEOUL)


def test_korean_substitute_holidays_are_skipped():
    substitutes = substitute_holidays(2026)
    # 삼일절 (Sun 1 Mar), 부처님오신날 (Sun 24 May), 광복절 (Sat 15 Aug) and 개천절 (Sat 3 Oct) fall on weekends
    assert substitutes == [date(2026, 3, 2), date(2026, 5, 25), date(2026, 8, 17), date(2026, 10, 5)]
    for day in substitutes:
        assert not KR.is_working_day(day)
        assert not WT.reachable(local(day, 11, 0, SEOUL), SEOUL)
        friday = day - timedelta(days=3)
        # Friday's slot_after and the weekend's next_slot both pass over the substitute Monday
        assert WT.slot_after(local(friday, 10, 0, SEOUL), SEOUL) == local(day + timedelta(days=1), 10, 0, SEOUL)
        assert WT.next_slot(local(day, 0, 0, SEOUL), SEOUL) == local(day + timedelta(days=1), 10, 0, SEOUL)


def test_seollal_2027_with_its_substitute_day_pushes_the_next_slot_to_wednesday():
    # 설날 2027: Sat 6 - Mon 8 February, with a substitute holiday on Tuesday 9 February
    assert date(2027, 2, 9) in substitute_holidays(2027)
    friday = local(date(2027, 2, 5), 10, 0, SEOUL)
    assert WT.slot_after(friday, SEOUL) == local(date(2027, 2, 10), 10, 0, SEOUL)


def test_korean_holidays_also_apply_to_someone_in_new_york():
    # the calendar is the organisation's: a substitute Monday in Korea is not a working day in New York either
    assert WT.next_slot(at(2026, 3, 1, 17, 0), NEW_YORK) == local(date(2026, 3, 3), 10, 0, NEW_YORK)


# --- office hours (근무시간) ---------------------------------------------------------------------------


def test_office_hours_within_one_working_day():
    start = local(date(2026, 11, 23), 10, 0, SEOUL)
    assert WT.office_hours(start, start + timedelta(hours=5, minutes=30), SEOUL) == 5.5
    assert WT.office_hours(start, start + timedelta(hours=12), SEOUL) == 8.0  # 18:00 closes the day
    assert WT.office_hours(start, start, SEOUL) == 0.0
    assert WT.office_hours(start, start - timedelta(hours=1), SEOUL) == 0.0


def test_thursday_evening_to_wednesday_morning_is_three_working_days_not_eighty_seven_hours():
    thursday_evening = local(date(2026, 11, 26), 19, 0, SEOUL)
    wednesday_morning = local(date(2026, 12, 2), 10, 0, SEOUL)
    assert WT.office_hours(thursday_evening, wednesday_morning, SEOUL) == 9 + 9 + 9 + 1  # Fri, Mon, Tue, Wed
    assert WT.office_days(28.0) == 28 / 9


def test_office_hours_do_not_count_a_weekend_or_the_night():
    friday_ten = local(date(2026, 11, 20), 10, 0, SEOUL)
    monday_ten = local(date(2026, 11, 23), 10, 0, SEOUL)
    assert WT.office_hours(friday_ten, monday_ten, SEOUL) == 8 + 1
    saturday = local(date(2026, 11, 21), 9, 0, SEOUL)
    assert WT.office_hours(saturday, saturday + timedelta(hours=30), SEOUL) == 0.0


def test_office_hours_do_not_count_a_holiday_or_substitute_holiday():
    # Wed 23 Sep 10:00 to Tue 29 Sep 10:00: Chuseok Thu-Sat and the weekend are not counted
    start, end = local(date(2026, 9, 23), 10, 0, SEOUL), local(date(2026, 9, 29), 10, 0, SEOUL)
    assert WT.office_hours(start, end, SEOUL) == 8 + 9 + 1  # Wed rest, Mon 28 (working), Tue morning
    # Fri 27 Feb 10:00 to Tue 3 Mar 10:00: the weekend and the substitute Monday (2 March) are not counted
    start, end = local(date(2026, 2, 27), 10, 0, SEOUL), local(date(2026, 3, 3), 10, 0, SEOUL)
    assert WT.office_hours(start, end, SEOUL) == 8 + 1


def test_office_hours_are_counted_in_the_given_zone():
    # Friday 20:00 to Monday 08:00 New York time; in Seoul that is Saturday 10:00 to Monday 22:00
    start, end = local(date(2026, 11, 20), 20, 0, NEW_YORK), local(date(2026, 11, 23), 8, 0, NEW_YORK)
    assert WT.office_hours(start, end, NEW_YORK) == 0.0
    assert WT.office_hours(start, end, SEOUL) == 9.0


def test_office_hours_over_the_dst_weekend():
    # Friday 6 March 12:00 EST to Monday 9 March 12:00 EDT: 6 hours on Friday and 3 on Monday
    start, end = local(date(2026, 3, 6), 12, 0, NEW_YORK), local(date(2026, 3, 9), 12, 0, NEW_YORK)
    assert WT.office_hours(start, end, NEW_YORK) == 9.0


def test_the_moment_a_number_of_office_hours_later():
    thursday_evening = local(date(2026, 11, 26), 19, 0, SEOUL)
    assert WT.after_office_hours(thursday_evening, 24, SEOUL) == local(date(2026, 12, 1), 15, 0, SEOUL)
    assert WT.after_office_hours(thursday_evening, 0, SEOUL) == local(date(2026, 11, 27), 9, 0, SEOUL)
    monday = local(date(2026, 11, 23), 10, 0, SEOUL)
    assert WT.after_office_hours(monday, 8, SEOUL) == local(date(2026, 11, 23), 18, 0, SEOUL)
    for hours in (1, 9, 24, 72):
        deadline = WT.after_office_hours(thursday_evening, hours, SEOUL)
        assert WT.office_hours(thursday_evening, deadline, SEOUL) == hours


def test_office_hours_are_a_setting():
    assert str(OfficeHours.parse(" 08:30 - 17:30 ")) == "08:30-17:30"
    assert OfficeHours.parse("08:30-17:30").length == 9.0
    for bad in ("18:00-09:00", "9-18", "09:00", "09:00+09:00-18:00"):
        with pytest.raises(ValueError):
            OfficeHours.parse(bad)
    early = WorkingTime(KR, office=OfficeHours.parse("08:00-17:00"))
    start = local(date(2026, 11, 23), 7, 0, SEOUL)
    assert early.office_hours(start, start + timedelta(hours=3), SEOUL) == 2.0
