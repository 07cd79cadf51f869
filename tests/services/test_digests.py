"""Digests on a real database with frozen time: each figure of a project's week, the cross-project lines,
their fixed query count, and digest subscriptions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, select

from models import (
    AuditEvent,
    Cadence,
    DirectiveKind,
    Discussion,
    Health,
    ProjectDepartmentRole,
    ReportKind,
)
from models.base import utcnow
from models.db import write_transaction
from services import approvals, digests, directives, discussions, progress, projects, users
from services import audience as audiences
from services.calendar import WorkCalendar
from services.errors import DomainError
from services.progress import Entry
from services.working_time import QuietHours, WorkingTime

TEAM = "T1"
KR = WorkCalendar("KR")
WEEK = date(2026, 11, 23)  # a Monday
MON_9 = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # 09:00 KST, before the 10:00 due time
MON_11 = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 11:00 KST, after it
TUE = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)  # Wednesday 12:00 KST
LAST_WEEK = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
REGISTERED = datetime(2026, 11, 2, tzinfo=UTC)  # weeks before anything the tests look at


def make_project(sf, key="P", members=("U2", "U3", "U4"), *, lead="U1", team=TEAM, registered=None, **draft):
    with sf.begin() as s:
        return projects.create(
            s,
            team,
            lead,
            projects.ProjectDraft(
                name=draft.pop("name", f"과제 {key}"),
                key=key,
                member_ids=members,
                channel_id="C9",
                timezone=draft.pop("timezone", "Asia/Seoul"),
                **draft,
            ),
            now=registered or REGISTERED,
        )


def post(sf, actor, now, key="P", **entry):
    entry.setdefault("done", "진행")
    with sf.begin() as s:
        return progress.post(s, TEAM, actor, key, Entry(**entry), now=now, calendar=KR)


def request(sf, title, now, key="P", requester="U1", approver="U2"):
    with sf.begin() as s:
        return approvals.create(s, TEAM, requester, key, approvals.Draft(title=title, approvers=[approver]), now=now)


def withdraw(sf, request_id, now, requester="U1"):
    with sf.begin() as s:
        approvals.withdraw(s, TEAM, requester, request_id, now=now)


def issue(sf, text, now, due, key="P", assignees=("U2",)):
    with sf.begin() as s:
        return directives.issue(
            s,
            TEAM,
            "U1",
            key,
            assignees=assignees,
            text=text,
            kind=DirectiveKind.ACTION,
            due_date=due,
            is_admin=False,
            now=now,
            calendar=KR,
        )


def complete(sf, directive_id, now):
    with sf.begin() as s:
        directives.report(s, TEAM, "U2", directive_id, ReportKind.COMPLETION, "완료", now=now)
        directives.accept(s, TEAM, "U1", directive_id, is_admin=False, now=now)


def discuss(sf, topic, created_at, key="P"):
    with sf.begin() as s:
        info = discussions.open_(s, TEAM, "U1", key, topic=topic, is_admin=False, today=created_at.date(), now=utcnow())
        s.get(Discussion, info.id).created_at = created_at
        return info.id


def conclude(sf, discussion_id, conclusion, now):
    with sf.begin() as s:
        discussions.close(s, TEAM, "U1", discussion_id, conclusion, is_admin=False, now=now)


def week_of(sf, project_id, now=NOW, week_start=WEEK):
    with sf() as s:
        return digests.project_week(s, TEAM, project_id, week_start=week_start, now=now, calendar=KR)


@pytest.fixture
def project(session_factory):
    with session_factory.begin() as s:
        users.set_department(s, TEAM, "U1", "일자리정책과")
        users.set_department(s, TEAM, "U2", "복지정책과")
        users.set_department(s, TEAM, "U3", "복지정책과")
    return make_project(
        session_factory,
        members=("U2", "U3", "U4"),
        lead_department="일자리정책과",
        cooperating_departments=("복지정책과", "교육협력과"),
    )


def test_unknown_project_has_no_digest(session_factory):
    assert week_of(session_factory, 404) is None


def test_progress_by_member_department_overall_and_trends(session_factory, project):
    post(session_factory, "U2", LAST_WEEK, percent=10, health=Health.ON_TRACK)
    post(session_factory, "U2", MON_9, percent=30, health=Health.ON_TRACK)
    post(session_factory, "U3", MON_11, percent=50, health=Health.BLOCKED)
    digest = week_of(session_factory, project.id)
    assert (digest.week_start, digest.week_end) == (WEEK, date(2026, 11, 29))
    by_member = {m.slack_user_id: (m.percent, m.health, m.reported) for m in digest.members}
    assert by_member == {
        "U1": (None, None, False),
        "U2": (30, Health.ON_TRACK, True),
        "U3": (50, Health.BLOCKED, True),
        "U4": (None, None, False),
    }
    by_department = {d.name: (d.role, d.percent, d.health, d.members, d.reported) for d in digest.departments}
    assert by_department == {
        "일자리정책과": (ProjectDepartmentRole.LEAD, None, None, 1, 0),
        "복지정책과": (ProjectDepartmentRole.COOPERATING, 40, Health.BLOCKED, 2, 2),
        "교육협력과": (ProjectDepartmentRole.COOPERATING, None, None, 0, 0),
        None: (None, None, None, 1, 0),  # U4 has no department
    }
    assert [d.name for d in digest.departments][:3] == ["일자리정책과", "복지정책과", "교육협력과"]
    assert digest.percent == 50 and digest.health is Health.BLOCKED
    assert digest.trend[-2:] == (10, 50) and len(digest.trend) == progress.TREND_PERIODS
    assert digest.health_trend[-2:] == (Health.ON_TRACK, Health.BLOCKED)
    assert digest.health_trend[0] is None  # nothing reported that long ago


def test_health_trend_takes_each_members_last_update_and_carries_over_quiet_periods(session_factory, project):
    post(session_factory, "U2", LAST_WEEK - timedelta(days=7), health=Health.AT_RISK)
    post(session_factory, "U2", LAST_WEEK - timedelta(days=6), health=Health.ON_TRACK)  # replaces the first
    post(session_factory, "U3", MON_9, health=Health.AT_RISK)
    digest = week_of(session_factory, project.id)
    assert digest.health_trend[-3:] == (Health.ON_TRACK, Health.ON_TRACK, Health.AT_RISK)


def test_who_has_not_reported_and_whether_they_are_late(session_factory, project):
    post(session_factory, "U2", MON_9)
    before_due = week_of(session_factory, project.id, now=MON_9)
    after_due = week_of(session_factory, project.id, now=NOW)
    assert before_due.missing == after_due.missing == ("U1", "U3", "U4")
    assert (before_due.late, after_due.late) == (False, True)


def test_mondays_digest_of_last_week_counts_who_reported_in_that_week(session_factory, project):
    post(session_factory, "U2", LAST_WEEK - timedelta(hours=1))  # Monday 16 November, 10:00: on time
    post(session_factory, "U3", LAST_WEEK + timedelta(days=2))  # Wednesday: late, but reported
    post(session_factory, "U4", MON_9)  # this week's report says nothing about last week
    monday_nine = week_of(session_factory, project.id, now=MON_9, week_start=LAST_WEEK.date())
    assert (monday_nine.week_start, monday_nine.week_end) == (date(2026, 11, 16), date(2026, 11, 22))
    assert {m.slack_user_id for m in monday_nine.members if m.reported} == {"U2", "U3"}
    assert sum(d.reported for d in monday_nine.departments) == 2
    assert monday_nine.missing == ("U1", "U4") and monday_nine.late
    assert monday_nine.period.start == date(2026, 11, 16)


def test_a_daily_projects_week_counts_every_day_due_in_it(session_factory):
    info = make_project(session_factory, key="DAY", members=("U2",), cadence=Cadence.DAILY)
    post(session_factory, "U1", MON_9, key="DAY")
    post(session_factory, "U2", MON_9, key="DAY")
    post(session_factory, "U1", TUE - timedelta(hours=2), key="DAY")  # Tuesday 09:00
    week = week_of(session_factory, info.id)  # Wednesday noon: Monday, Tuesday and Wednesday are due
    assert week.missing == ("U1", "U2") and week.missing_late == ("U1", "U2")  # U1 missed Wednesday, U2 two days
    assert {m.slack_user_id for m in week.members if m.reported} == {"U1", "U2"}
    with session_factory() as s:
        [line] = digests.cross_project(s, TEAM, now=NOW, calendar=KR, only={"DAY"})
    assert line.late_reports == 2


def test_someone_in_new_york_is_not_late_before_ten_oclock_there(session_factory, project):
    with session_factory.begin() as s:
        users.save_profile(s, TEAM, "U3", display_name="park", tz="America/New_York", locale="en", now=LAST_WEEK)
    eleven_in_seoul = MON_11
    week = week_of(session_factory, project.id, now=eleven_in_seoul)
    assert "U3" in week.missing and "U3" not in week.missing_late and "U2" in week.missing_late


def test_a_member_who_joined_during_the_week_is_not_listed_as_missing_from_it(session_factory, project):
    with write_transaction(session_factory) as s:
        projects.join(s, TEAM, "U5", "P", now=TUE)
    digest = week_of(session_factory, project.id)
    assert "U5" not in digest.missing and "U5" in {m.slack_user_id for m in digest.members}


def test_no_digest_of_a_week_that_ended_before_the_project_was_registered(session_factory):
    info = make_project(session_factory, key="NEW", registered=datetime(2026, 11, 26, 5, tzinfo=UTC))
    assert week_of(session_factory, info.id, week_start=date(2026, 11, 16)) is None
    assert week_of(session_factory, info.id, week_start=date(2026, 11, 23)) is not None


def test_the_weekly_digests_go_out_on_the_weeks_first_working_day_for_projects_that_existed(session_factory):
    old = make_project(session_factory, key="OLD")
    thursday = make_project(session_factory, key="NEW", registered=datetime(2026, 11, 26, 5, tzinfo=UTC))
    with session_factory() as s:
        audience = audiences.load(s, WorkingTime(KR, QuietHours()), "Asia/Seoul")

    def due(at: datetime) -> list[tuple[str, str]]:
        with session_factory() as s:
            infos = projects.all_active(s)
            return [
                (r["dedupe_key"], r["payload"]["week_start"]) for r in digests.due(s, at, audience, infos, frozenset())
            ]

    friday = datetime(2026, 11, 27, 1, tzinfo=UTC)  # 10:00 in Seoul
    assert due(friday) == []  # neither last week's digest on a Friday, nor one for a project born on Thursday
    monday = datetime(2026, 11, 30, 0, tzinfo=UTC)  # 09:00
    assert due(monday - timedelta(minutes=1)) == []
    assert due(monday) == [
        (f"digest:project:{old.id}:2026-11-30", "2026-11-23"),
        (f"digest:project:{thursday.id}:2026-11-30", "2026-11-23"),  # it existed for part of that week
    ]
    assert due(monday + timedelta(days=1)) == []  # Tuesday: Monday's digest is not sent again or late


def test_approvals_opened_closed_and_pending_in_the_week(session_factory, project):
    old_pending = request(session_factory, "지난주 요청", LAST_WEEK)
    new_pending = request(session_factory, "이번 주 요청", TUE)
    withdrawn = request(session_factory, "회수할 요청", MON_11)
    withdraw(session_factory, withdrawn.id, TUE)
    old_withdrawn = request(session_factory, "지난주 회수", LAST_WEEK)
    withdraw(session_factory, old_withdrawn.id, LAST_WEEK + timedelta(hours=1))
    digest = week_of(session_factory, project.id)
    assert (digest.approvals.opened, digest.approvals.closed, digest.approvals.open_now) == (2, 1, 2)
    assert [a.id for a in digest.pending_approvals] == [old_pending.id, new_pending.id]
    assert digest.pending_approvals[1].title == "이번 주 요청"
    assert digest.pending_approvals[1].waiting_on == ("U2",) and digest.pending_approvals[1].requester == "U1"


def test_directives_opened_closed_and_overdue(session_factory, project):
    overdue = issue(session_factory, "지난주 지시", LAST_WEEK, date(2026, 11, 20))
    issue(session_factory, "이번 주 지시", TUE, date(2026, 12, 1))
    done = issue(session_factory, "끝난 지시", LAST_WEEK, date(2026, 11, 18))
    complete(session_factory, done.id, TUE)
    issue(session_factory, "오늘 기한", TUE, date(2026, 11, 25), assignees=("U3", "U2"))  # due today: not overdue
    digest = week_of(session_factory, project.id)
    assert (digest.directives.opened, digest.directives.closed, digest.directives.open_now) == (2, 1, 3)
    assert [(d.id, d.text, d.due_date, d.assignees) for d in digest.overdue] == [
        (overdue.id, "지난주 지시", date(2026, 11, 20), ("U2",))
    ]


def test_discussions_opened_and_conclusions_in_the_weeks_local_days(session_factory, project):
    # Monday 00:30 in Seoul is still Sunday in UTC: it belongs to this week, 23:30 on Sunday does not
    inside = discuss(session_factory, "월요일 새벽", datetime(2026, 11, 22, 15, 30, tzinfo=UTC))
    discuss(session_factory, "일요일 밤", datetime(2026, 11, 22, 14, 30, tzinfo=UTC))
    earlier = discuss(session_factory, "지난주 토론", LAST_WEEK)
    conclude(session_factory, earlier, "A안으로 결정", TUE)
    conclude(session_factory, inside, "다음 주 재논의", NOW + timedelta(days=7))  # after the week
    digest = week_of(session_factory, project.id, now=NOW + timedelta(days=8))
    assert digest.discussions_opened == 1
    assert [(c.id, c.topic, c.conclusion) for c in digest.conclusions] == [(earlier, "지난주 토론", "A안으로 결정")]


def test_a_day_inside_the_week_means_that_week(session_factory, project):
    digest = week_of(session_factory, project.id, week_start=date(2026, 11, 26))
    assert digest.week_start == WEEK


def test_current_week_by_key_and_unknown_key(session_factory, project):
    request(session_factory, "이번 주 요청", TUE)
    with session_factory() as s:
        digest = digests.current_week(s, TEAM, " p ", viewer="U1", is_admin=False, now=NOW, calendar=KR)
        assert digest.week_start == WEEK and digest.approvals.opened == 1
        with pytest.raises(DomainError) as unknown:
            digests.current_week(s, TEAM, "NOPE", viewer="U1", is_admin=False, now=NOW, calendar=KR)
    assert unknown.value.code == "digest.not_found" and unknown.value.params == {"key": "NOPE"}


def test_cross_project_lines(session_factory):
    make_project(session_factory, "A", members=("U2", "U3"))
    make_project(session_factory, "B", members=("U2",))
    make_project(session_factory, "GONE", members=("U2",))
    make_project(session_factory, "ELSE", members=("U2",), team="T2")
    post(session_factory, "U2", MON_9, key="A", percent=60, health=Health.AT_RISK)
    post(session_factory, "U2", MON_9, key="B", percent=20)
    post(session_factory, "U1", MON_9, key="B")
    request(session_factory, "결재 1", TUE, key="A")
    request(session_factory, "결재 2", TUE, key="A")
    issue(session_factory, "기한 지남", LAST_WEEK, date(2026, 11, 20), key="B")
    issue(session_factory, "기한 남음", TUE, date(2026, 12, 1), key="B")
    with session_factory.begin() as s:
        projects.close(s, TEAM, "U1", "GONE", is_admin=False, now=utcnow())
    with session_factory() as s:
        lines = digests.cross_project(s, TEAM, now=NOW, calendar=KR)
        before_due = digests.cross_project(s, TEAM, now=MON_9, calendar=KR)
        only_b = digests.cross_project(s, TEAM, now=NOW, calendar=KR, only={"b", "NOPE"})
        nothing = digests.cross_project(s, TEAM, now=NOW, calendar=KR, only=set())
    figures = {
        line.key: (line.health, line.percent, line.late_reports, line.overdue_directives, line.pending_approvals)
        for line in lines
    }
    assert figures == {
        "A": (Health.AT_RISK, 60, 2, 0, 2),  # U1 and U3 have not reported after 10:00
        "B": (Health.ON_TRACK, 20, 0, 1, 0),
    }
    assert [line.late_reports for line in before_due] == [0, 0]  # not late before the due time
    assert [line.key for line in only_b] == ["B"] and nothing == []


def test_cross_project_compares_due_dates_with_each_projects_own_today(session_factory):
    make_project(session_factory, "SEOUL", members=("U2",))
    make_project(session_factory, "NYC", members=("U2",), timezone="America/New_York")
    issue(session_factory, "어제 기한", LAST_WEEK, date(2026, 11, 24), key="SEOUL")
    issue(session_factory, "어제 기한", LAST_WEEK, date(2026, 11, 24), key="NYC")
    wednesday_in_seoul = datetime(2026, 11, 24, 16, 0, tzinfo=UTC)  # 01:00 Wed in Seoul, 11:00 Tue in New York
    with session_factory() as s:
        lines = digests.cross_project(s, TEAM, now=wednesday_in_seoul, calendar=KR)
    assert {line.key: line.overdue_directives for line in lines} == {"SEOUL": 1, "NYC": 0}


def statements(engine, action) -> int:
    count = 0

    def record(*_args):
        nonlocal count
        count += 1

    event.listen(engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return count


def test_cross_project_queries_do_not_grow_with_projects(session_factory, engine):
    def add_projects(start, stop):
        for n in range(start, stop):
            key = f"K{n}"
            make_project(session_factory, key, members=[f"U{2 + (n + m) % 20}" for m in range(5)])
            post(session_factory, f"U{2 + n % 20}", MON_9, key=key, percent=n % 100)
            request(session_factory, "결재", TUE, key=key, approver=f"U{2 + n % 20}")
            issue(session_factory, "지시", LAST_WEEK, date(2026, 11, 20), key=key, assignees=(f"U{2 + n % 20}",))

    def cross_queries() -> tuple[int, int]:
        with session_factory() as s:
            found: list = []
            count = statements(engine, lambda: found.extend(digests.cross_project(s, TEAM, now=NOW, calendar=KR)))
        assert all(line.overdue_directives == 1 and line.pending_approvals == 1 for line in found)
        return count, len(found)

    add_projects(0, 3)
    three, lines_for_three = cross_queries()
    add_projects(3, 30)
    thirty, lines_for_thirty = cross_queries()
    assert (lines_for_three, lines_for_thirty) == (3, 30)
    assert three == thirty


def test_subscribe_and_unsubscribe_say_whether_anything_changed(session_factory):
    with session_factory.begin() as s:
        assert digests.subscribe(s, TEAM, "U5", now=utcnow()) is True
    with session_factory.begin() as s:
        assert digests.subscribe(s, TEAM, "U5", now=utcnow()) is False
    with session_factory.begin() as s:
        assert digests.unsubscribe(s, TEAM, "U5", now=utcnow()) is True
    with session_factory.begin() as s:
        assert digests.unsubscribe(s, TEAM, "U5", now=utcnow()) is False
        assert digests.unsubscribe(s, TEAM, "UNKNOWN", now=utcnow()) is False
    with session_factory() as s:
        actions = s.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["digest.subscribed", "digest.unsubscribed"]


def test_recipients_are_known_admins_and_subscribers_each_once(session_factory):
    with session_factory.begin() as s:
        users.ensure(s, TEAM, "UADMIN")
        users.ensure(s, "T2", "UADMIN2")
        digests.subscribe(s, TEAM, "U7", now=utcnow())
        digests.subscribe(s, TEAM, "UADMIN", now=utcnow())  # an admin who also subscribed
        digests.subscribe(s, TEAM, "U5", now=utcnow())
        digests.subscribe(s, "T2", "U8", now=utcnow())
    admins = frozenset({"UADMIN", "UADMIN2", "UNEVERSEEN"})
    with session_factory() as s:
        assert digests.recipients(s, TEAM, admins) == ["UADMIN", "U7", "U5"]
        assert digests.recipients(s, TEAM, frozenset()) == ["U7", "UADMIN", "U5"]
        assert digests.recipients(s, "T2", admins) == ["UADMIN2", "U8"]


def test_what_digest_shows_an_admin_and_a_member(session_factory):
    make_project(session_factory, "MINE", members=("U2",))
    make_project(session_factory, "THEIRS", members=("U3",), lead="U4")
    with session_factory() as s:
        admin = digests.for_viewer(s, TEAM, "UADMIN", is_admin=True, now=NOW, calendar=KR)
        member = digests.for_viewer(s, TEAM, "U2", is_admin=False, now=NOW, calendar=KR)
        with pytest.raises(DomainError) as outsider:
            digests.for_viewer(s, TEAM, "U9", is_admin=False, now=NOW, calendar=KR)
    assert [line.key for line in admin] == ["MINE", "THEIRS"]
    assert [line.key for line in member] == ["MINE"]
    assert outsider.value.code == "digest.no_projects"
