"""Progress updates with frozen time: periods, late marking, editing, status and Home summaries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from models import Cadence, Health, OutboxMessage
from models.base import utcnow
from services import progress, projects
from services.calendar import WorkCalendar
from services.errors import DomainError
from services.progress import Entry, MyStatus
from tests.fakes.homes import looking_at_home

TEAM = "T1"
KR = WorkCalendar("KR")
MONDAY_9 = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # 09:00 KST, before the 10:00 due time
MONDAY_11 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 11:00 KST
NEXT_WEEK = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
REGISTERED = datetime(2026, 11, 2, tzinfo=UTC)  # weeks before the periods the tests look at


def make_project(sf, key="P", members=("U2",), cadence=Cadence.WEEKLY, channel="C9"):
    with sf.begin() as s:
        return projects.create(
            s,
            TEAM,
            "U1",
            projects.ProjectDraft(
                name=f"과제 {key}",
                key=key,
                member_ids=members,
                cadence=cadence,
                channel_id=channel,
                timezone="Asia/Seoul",
            ),
            now=REGISTERED,
        )


def post(sf, actor="U2", key="P", now=MONDAY_9, **entry):
    entry.setdefault("done", "협약서 초안 완료")
    with sf.begin() as s:
        return progress.post(s, TEAM, actor, key, Entry(**entry), now=now, calendar=KR)


def test_update_before_due_is_on_time_and_after_is_late_but_kept(session_factory):
    make_project(session_factory)
    on_time = post(session_factory, now=MONDAY_9, percent=30)
    late = post(session_factory, now=MONDAY_11, percent=40)
    assert (on_time.late, late.late) == (False, True)
    assert on_time.period_start == late.period_start == MONDAY_9.date()


def test_percent_and_health_carry_over_from_the_previous_update(session_factory):
    make_project(session_factory)
    post(session_factory, percent=40, health=Health.AT_RISK)
    again = post(session_factory, done="다음 단계")
    assert (again.percent, again.health) == (40, Health.AT_RISK)


@pytest.mark.parametrize("raw", ["150", "-1", "12.5", "abc", "40%%", "1e2", "²", "0x10"])
def test_percent_must_be_a_whole_number_from_0_to_100(raw):
    with pytest.raises(DomainError) as refused:
        progress.validate_percent(raw)
    assert refused.value.code == "progress.bad_percent"


def test_valid_percents():
    assert [progress.validate_percent(v) for v in ("0", "100", "40%", " 7 ", None, "")] == [0, 100, 40, 7, None, None]


def test_a_percent_with_a_space_or_written_in_korean_is_read():
    written = ("62 %", "62퍼센트", "62 퍼센트", "62％")
    assert [progress.validate_percent(v) for v in written] == [62, 62, 62, 62]


def test_a_lower_percent_than_the_authors_previous_report_is_said_never_refused(session_factory):
    make_project(session_factory, members=("U2", "U3"))
    first = post(session_factory, percent=40)
    lower = post(session_factory, percent=30, now=NEXT_WEEK)
    someone_else = post(session_factory, actor="U3", percent=10, now=NEXT_WEEK)  # their first: nothing to compare
    carried = post(session_factory, done="보완", now=NEXT_WEEK)  # no percent given: 30 carried over

    assert (first.previous_percent, first.went_back) == (None, False)
    assert (lower.previous_percent, lower.percent, lower.went_back) == (40, 30, True)
    assert (someone_else.previous_percent, someone_else.went_back) == (None, False)
    assert (carried.percent, carried.went_back) == (30, False)
    with session_factory() as s:  # the card reads it back the same way, alone or on a board
        assert progress.get_update(s, TEAM, lower.id).went_back
        board = progress.get_updates(s, TEAM, [carried.id, lower.id, first.id])
    assert [(u.previous_percent, u.went_back) for u in board] == [(30, False), (40, True), (None, False)]


def test_editing_a_percent_down_below_the_previous_report_is_said(session_factory):
    make_project(session_factory)
    post(session_factory, percent=40)
    update = post(session_factory, percent=50, now=NEXT_WEEK)
    with session_factory.begin() as s:
        edited = progress.edit(s, TEAM, "U2", update.id, Entry(done="정정", percent=35), now=NEXT_WEEK, calendar=KR)
    assert (edited.previous_percent, edited.percent, edited.went_back) == (40, 35, True)


def test_non_members_and_closed_projects_are_refused_and_nothing_is_stored(session_factory):
    make_project(session_factory)
    with pytest.raises(DomainError) as outsider:
        post(session_factory, actor="U9")
    assert outsider.value.code == "progress.not_member" and outsider.value.params == {"key": "P"}
    with session_factory.begin() as s:
        projects.close(s, TEAM, "U1", "P", is_admin=False, now=utcnow())
    with pytest.raises(DomainError) as closed:
        post(session_factory)
    assert closed.value.code == "project.closed"
    with session_factory() as s:
        assert s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "progress.card")).all() == []


def test_an_empty_update_is_refused(session_factory):
    make_project(session_factory)
    with pytest.raises(DomainError) as empty:
        post(session_factory, done="  ")
    assert empty.value.code == "progress.empty"


def test_a_text_of_exactly_the_limit_is_kept_whole(session_factory):
    make_project(session_factory)
    update = post(session_factory, done="가" * progress.TEXT_MAX)
    assert update.done == "가" * progress.TEXT_MAX


def test_posting_queues_the_channel_card_and_redraws_the_homes_of_members_looking_at_them(session_factory):
    make_project(session_factory, members=("U2", "U3"))
    looking_at_home(session_factory, TEAM, "U1", "U2", "U9")  # U9 is on no project; U3 has not opened Home
    update = post(session_factory)
    with session_factory() as s:
        rows = s.scalars(select(OutboxMessage).where(OutboxMessage.dedupe_key.contains(f"progress:{update.id}"))).all()
    kinds = sorted((r.kind, r.recipient) for r in rows)
    assert kinds == [("home.refresh", "U1"), ("home.refresh", "U2"), ("progress.card", "C9")]


def test_a_burst_of_reports_queues_one_pending_home_redraw_per_person_whatever_the_project_size(session_factory):
    members = tuple(f"U{n}" for n in range(10, 70))
    make_project(session_factory, members=members)
    looking_at_home(session_factory, TEAM, "U1", *members)
    for member in members:
        post(session_factory, actor=member)
    with session_factory() as s:
        homes = s.scalars(select(OutboxMessage.recipient).where(OutboxMessage.kind == "home.refresh")).all()
    assert sorted(homes) == sorted([*members, "U1"])  # one each, not one per member per report


def test_only_the_author_edits_and_only_within_the_period(session_factory):
    make_project(session_factory)
    update = post(session_factory)
    with session_factory.begin() as s, pytest.raises(DomainError) as other:
        progress.edit(s, TEAM, "U1", update.id, Entry(done="남의 것"), now=MONDAY_11, calendar=KR)
    assert other.value.code == "progress.not_yours"
    with session_factory.begin() as s:
        edited = progress.edit(s, TEAM, "U2", update.id, Entry(done="고침", percent=55), now=MONDAY_11, calendar=KR)
    assert (edited.done, edited.percent, edited.edited, edited.late) == ("고침", 55, True, False)
    with session_factory.begin() as s, pytest.raises(DomainError) as over:
        progress.edit(s, TEAM, "U2", update.id, Entry(done="지난 주"), now=NEXT_WEEK, calendar=KR)
    assert over.value.code == "progress.period_over"
    with session_factory() as s:
        edits = s.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.kind == "progress.card_edit")).all()
    assert edits == [f"progress:{update.id}:edit:1"]


def test_project_status_latest_per_member_trend_and_missing(session_factory):
    make_project(session_factory, members=("U2", "U3"))
    post(session_factory, actor="U2", now=MONDAY_9 - timedelta(days=7), percent=10)
    post(session_factory, actor="U2", now=MONDAY_9, percent=30, health=Health.ON_TRACK)
    post(session_factory, actor="U3", now=MONDAY_11, percent=35, health=Health.BLOCKED)
    with session_factory() as s:
        status = progress.project_progress(s, TEAM, "P", now=MONDAY_11 + timedelta(hours=1), calendar=KR)
    assert [u.author for u in status.latest_by_member] == ["U3", "U2"]
    assert status.percent == 35 and status.health is Health.BLOCKED  # the worst this period
    assert status.trend[-2:] == (10, 35) and len(status.trend) == progress.TREND_PERIODS
    assert status.missing == ("U1",)


def test_my_status_through_the_period(session_factory):
    make_project(session_factory, members=("U2", "U3"))
    post(session_factory, actor="U2", now=MONDAY_9)
    post(session_factory, actor="U3", now=MONDAY_11)

    def status_of(user, now):
        with session_factory() as s:
            [mine] = progress.my_projects(s, TEAM, user, now=now, calendar=KR)
        return mine.my_status

    assert status_of("U2", MONDAY_11) is MyStatus.REPORTED
    assert status_of("U3", MONDAY_11) is MyStatus.REPORTED_LATE
    assert status_of("U1", MONDAY_9) is MyStatus.DUE
    assert status_of("U1", MONDAY_11) is MyStatus.LATE


def test_a_daily_project_on_a_holiday_is_not_due(session_factory):
    make_project(session_factory, cadence=Cadence.DAILY)
    chuseok = datetime(2026, 9, 25, 3, 0, tzinfo=UTC)  # Chuseok, a public holiday in Korea
    with session_factory() as s:
        [mine] = progress.my_projects(s, TEAM, "U1", now=chuseok, calendar=KR)
    assert mine.my_status is MyStatus.NOT_DUE and mine.progress.missing == ()


def count_queries(engine, action) -> int:
    statements = []

    def record(*_args):
        statements.append(1)

    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def test_home_summary_queries_do_not_grow_with_projects(session_factory, engine):
    def home_queries() -> int:
        with session_factory() as s:
            return count_queries(engine, lambda: progress.my_projects(s, TEAM, "U2", now=MONDAY_11, calendar=KR))

    make_project(session_factory, key="A", members=[f"U{n}" for n in range(2, 22)])
    post(session_factory, key="A")
    one = home_queries()
    for n in range(49):
        key = f"K{n}"
        make_project(session_factory, key=key, members=[f"U{m}" for m in range(2, 22)])
        post(session_factory, key=key, actor=f"U{2 + n % 20}")
    fifty = home_queries()
    assert one == fifty


def test_several_reports_are_read_at_once_in_the_order_asked(session_factory):
    from services import progress as service

    with session_factory() as session:
        assert service.get_updates(session, "T1", []) == []
        assert service.get_updates(session, "T1", [999]) == []


def test_a_report_longer_than_the_limit_is_refused_with_its_length_and_nothing_is_kept(session_factory):
    make_project(session_factory)
    with pytest.raises(DomainError) as refused:
        post(session_factory, done="가" * 5500)
    assert refused.value.code == "text.too_long" and refused.value.params["length"] == 5500
    with session_factory() as s:
        assert s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "progress.card")).all() == []
