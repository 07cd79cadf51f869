"""Who owes a progress report: joining is not owing, an absence over the due time excuses, observers and
holiday-only periods owe nothing; and every surface (late mark, App Home status, the lead's missing list,
nudges) follows the one rule."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.compose import organisation
from bot.settings import Settings
from models import Cadence, MemberRole
from models.db import write_transaction
from scheduler.jobs import tick
from services import approvals, obligations, progress, projects, users
from services.calendar import WorkCalendar
from services.obligations import Absences
from services.periods import period_at
from services.progress import Entry, MyStatus

TEAM = "T1"
KR = WorkCalendar("KR")
SEOUL = "Asia/Seoul"


def kst(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=ZoneInfo(SEOUL)).astimezone(UTC)


WEEK_OF_30_NOV = period_at(kst(11, 30), Cadence.WEEKLY, SEOUL, date(2026, 1, 5), KR)  # due Mon 30 Nov 10:00


def owes(**kwargs) -> bool:
    defaults = {"person": "U2", "person_tz": SEOUL, "role": MemberRole.MEMBER, "joined_at": kst(11, 2)}
    return obligations.owes(WEEK_OF_30_NOV, SEOUL, **{**defaults, **kwargs})


def test_a_member_who_joined_before_the_due_time_owes_the_period():
    assert owes(joined_at=kst(11, 30, 9, 59))


def test_joining_at_or_after_the_due_time_is_not_owing():
    assert not owes(joined_at=kst(11, 30, 10))
    assert not owes(joined_at=kst(12, 3, 15))  # registered on Thursday


def test_observers_and_people_who_left_before_it_fell_due_owe_nothing():
    assert not owes(role=MemberRole.OBSERVER)
    assert not owes(left_at=kst(11, 30, 9))
    assert owes(left_at=kst(11, 30, 11))


def test_an_absence_over_the_due_time_excuses_and_one_begun_after_it_does_not():
    over = Absences({"U2": ((kst(11, 27, 18), kst(12, 2, 0), "U1"),)})
    after = Absences({"U2": ((kst(11, 30, 17), kst(12, 2, 0), "U1"),)})
    back_before = Absences({"U2": ((kst(11, 27, 18), kst(11, 30, 9), "U1"),)})
    assert not owes(absences=over)
    assert owes(absences=after)  # marked away after missing 10:00: still owed
    assert owes(absences=back_before)


def test_the_deadline_is_the_later_of_the_projects_and_the_persons_ten_oclock():
    new_york = obligations.deadline(WEEK_OF_30_NOV, SEOUL, "America/New_York")
    assert new_york == datetime(2026, 11, 30, 10, tzinfo=ZoneInfo("America/New_York")).astimezone(UTC)
    assert obligations.deadline(WEEK_OF_30_NOV, SEOUL, "Europe/Berlin") == kst(11, 30, 18)
    assert obligations.deadline(WEEK_OF_30_NOV, SEOUL, None) == kst(11, 30)


def test_a_period_without_a_working_day_is_owed_by_nobody():
    chuseok = period_at(kst(9, 25), Cadence.DAILY, SEOUL, date(2026, 1, 5), KR)  # 추석
    assert chuseok.due_at is None
    assert not obligations.owes(chuseok, SEOUL, person="U2", person_tz=SEOUL, role=MemberRole.MEMBER, joined_at=None)


def test_absences_are_read_with_their_last_day_in_the_persons_zone(session_factory):
    with write_transaction(session_factory) as s:
        users.save_profile(s, TEAM, "U2", display_name="lee", tz=SEOUL, locale="ko", now=kst(11, 1))
        approvals.set_away(s, TEAM, "U2", "U1", date(2026, 11, 30), now=kst(11, 27, 18))
    with session_factory() as s:
        found = obligations.load_absences(s, TEAM, kst(11, 1), kst(12, 31))
    assert found.away_at("U2", kst(11, 30, 23, 59)) and found.proxy_at("U2", kst(11, 30, 12)) == "U1"
    assert not found.away_at("U2", kst(12, 1, 0))
    assert not found.away_at("U2", kst(11, 27, 17))


# --- a project registered on Thursday ----------------------------------------------------------------


def register_on_thursday(sf) -> None:
    with write_transaction(sf) as s:
        for person in ("U1", "U2", "U3"):
            users.save_profile(s, TEAM, person, display_name=person.lower(), tz=SEOUL, locale="ko", now=kst(12, 1))
        projects.create(
            s,
            TEAM,
            "U1",
            projects.ProjectDraft(name="청년 일자리", key="JOBS", member_ids=["U2", "U3"], timezone=SEOUL),
            now=kst(12, 3, 14),
        )


def test_a_project_registered_on_thursday_marks_no_first_report_late(session_factory):
    register_on_thursday(session_factory)
    with write_transaction(session_factory) as s:
        update = progress.post(s, TEAM, "U1", "JOBS", Entry(done="착수 회의"), now=kst(12, 3, 15), calendar=KR)
    assert not update.late


def test_a_project_registered_on_thursday_lists_nobody_as_missing_and_shows_not_due(session_factory):
    register_on_thursday(session_factory)
    with session_factory() as s:
        status = progress.project_progress(s, TEAM, "JOBS", now=kst(12, 4, 11), calendar=KR)
        mine = progress.my_projects(s, TEAM, "U2", now=kst(12, 4, 11), calendar=KR)
    assert status.missing == ()
    assert [m.my_status for m in mine] == [MyStatus.NOT_DUE]


def test_a_project_registered_on_thursday_nudges_nobody_that_week_and_everyone_the_next(session_factory):
    register_on_thursday(session_factory)
    settings = Settings(admins=frozenset())
    for day, hour in ((3, 15), (4, 10), (4, 11), (7, 9)):
        assert tick(session_factory, organisation(settings), kst(12, day, hour))["nudges"] == 0
    assert (
        tick(session_factory, organisation(settings), kst(12, 7, 10))["nudges"] == 3
    )  # the first week it existed before


def test_someone_who_joins_midweek_is_not_late_and_owes_from_the_next_period(session_factory):
    register_on_thursday(session_factory)
    with write_transaction(session_factory) as s:
        users.save_profile(s, TEAM, "U4", display_name="u4", tz=SEOUL, locale="ko", now=kst(12, 1))
        projects.join(s, TEAM, "U4", "JOBS", now=kst(12, 9, 14))  # Wednesday of the second week
    with session_factory() as s:
        status = progress.project_progress(s, TEAM, "JOBS", now=kst(12, 9, 15), calendar=KR)
    assert "U4" not in status.missing and set(status.missing) == {"U1", "U2", "U3"}
    with write_transaction(session_factory) as s:
        update = progress.post(s, TEAM, "U4", "JOBS", Entry(done="자료 검토"), now=kst(12, 9, 16), calendar=KR)
        late = progress.post(s, TEAM, "U2", "JOBS", Entry(done="자료 검토"), now=kst(12, 9, 16), calendar=KR)
    assert not update.late and late.late
    with session_factory() as s:
        next_week = progress.project_progress(s, TEAM, "JOBS", now=kst(12, 14, 11), calendar=KR)
    assert "U4" in next_week.missing


def test_leaving_and_rejoining_keeps_what_was_owed_before_and_owes_nothing_in_between(session_factory):
    register_on_thursday(session_factory)
    # U2 misses the report due Monday 7 December, leaves on Tuesday and comes back the next Wednesday
    with write_transaction(session_factory) as s:
        projects.leave(s, TEAM, "U2", "JOBS", now=kst(12, 8, 12))
        projects.join(s, TEAM, "U2", "JOBS", now=kst(12, 16, 12))
    with session_factory() as s:
        info = projects.get(s, TEAM, "JOBS")
    member = info.member("U2")
    assert member.earlier == ((kst(12, 3, 14), kst(12, 8, 12)),)
    week = lambda day: period_at(kst(12, day), Cadence.WEEKLY, SEOUL, date(2026, 12, 3), KR)  # noqa: E731
    owed = lambda day: obligations.owes(  # noqa: E731
        week(day),
        SEOUL,
        person="U2",
        person_tz=SEOUL,
        role=MemberRole.MEMBER,
        joined_at=member.joined_at,
        earlier=member.earlier,
    )
    assert (owed(7), owed(14), owed(21)) == (True, False, True)


def test_leaving_and_rejoining_does_not_wipe_a_missed_report_from_the_score(session_factory):
    from services import ledger

    register_on_thursday(session_factory)
    rules = organisation(Settings(admins=frozenset())).rules

    def missed() -> tuple[int, int, float | None]:
        with session_factory() as s:
            record = ledger.person_month(s, TEAM, "U2", ledger.Month(2026, 12), now=kst(12, 18), rules=rules)
        line = record.lines[0]
        return line.progress_due, line.missed, record.score

    before = missed()
    with write_transaction(session_factory) as s:
        projects.leave(s, TEAM, "U2", "JOBS", now=kst(12, 16, 12))
        projects.join(s, TEAM, "U2", "JOBS", now=kst(12, 16, 12, 5))
    assert before == (2, 2, 0.0) and missed() == before
