"""Digest builders on plain data: what they show in both languages, one screen at most, Block Kit
limits with 200 projects and long names, and escaping."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from bot.fakeslack.web_api import Call
from kit.blocks import digests as blocks
from kit.reader import Reader
from models import Cadence, Health, MemberRole, ProjectDepartmentRole, ProjectStatus
from services.digests import (
    Conclusion,
    DepartmentProgress,
    MemberProgress,
    OverdueDirective,
    PendingApproval,
    ProjectDigest,
    ProjectLine,
    Tally,
)
from services.periods import Period
from services.projects import Member, ProjectInfo
from tests.fakes.blockkit import all_problems

KO = Reader("U1", "ko", "Asia/Seoul")
EN = Reader("U3", "en", "America/New_York")
WHEN = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
DUE = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday 10:00 KST
EVIL = "<!channel> & <@U666> <http://evil.example|click>"


def info(**overrides) -> ProjectInfo:
    values: dict[str, Any] = dict(
        id=1,
        team_id="T1",
        key="JOBS",
        name="일자리 창출",
        description="",
        status=ProjectStatus.ACTIVE,
        channel_id="C9",
        target_date=None,
        lead_department="일자리정책과",
        cooperating_departments=("복지정책과",),
        members=(Member("U1", "kim", "일자리정책과", MemberRole.LEAD), Member("U2", "lee", None, MemberRole.MEMBER)),
        created_at=WHEN,
        cadence=Cadence.WEEKLY,
        timezone="Asia/Seoul",
    )
    values.update(overrides)
    return ProjectInfo(**values)


def digest(**overrides) -> ProjectDigest:
    values: dict[str, Any] = dict(
        project=info(),
        week_start=date(2026, 11, 23),
        week_end=date(2026, 11, 29),
        period=Period(date(2026, 11, 23), date(2026, 11, 30), DUE),
        percent=40,
        health=Health.AT_RISK,
        trend=(None, None, None, None, None, 10, 30, 40),
        health_trend=(None, None, None, None, None, Health.ON_TRACK, Health.ON_TRACK, Health.AT_RISK),
        members=(
            MemberProgress("U1", "kim", "일자리정책과", 40, Health.AT_RISK, True),
            MemberProgress("U2", "", None, None, None, False),
        ),
        departments=(
            DepartmentProgress("일자리정책과", ProjectDepartmentRole.LEAD, 40, Health.AT_RISK, 1, 1),
            DepartmentProgress("복지정책과", ProjectDepartmentRole.COOPERATING, None, None, 0, 0),
            DepartmentProgress(None, None, None, None, 1, 0),
        ),
        approvals=Tally(opened=2, closed=1, open_now=1),
        pending_approvals=(PendingApproval(12, "협약안 결재", "U1", ("U5",), WHEN),),
        directives=Tally(opened=3, closed=1, open_now=2),
        overdue=(OverdueDirective(4, "현황 보고\n둘째 줄", date(2026, 11, 20), ("U2", "U1")),),
        discussions_opened=1,
        conclusions=(Conclusion(7, "우선 학교", "A안으로 결정", WHEN),),
        missing=("U2",),
        late=True,
    )
    values.update(overrides)
    values.setdefault("missing_late", values["missing"] if values["late"] else ())
    return ProjectDigest(**values)


def line(n: int, **overrides) -> ProjectLine:
    values: dict[str, Any] = dict(
        project_id=n,
        key=f"P-{n}",
        name=f"과제 {n}",
        health=Health.ON_TRACK,
        percent=50,
        late_reports=0,
        overdue_directives=0,
        pending_approvals=0,
    )
    values.update(overrides)
    return ProjectLine(**values)


def problems(payload: dict[str, Any]) -> list[str]:
    return all_problems([Call("chat.postMessage", {"channel": "C9", **payload}, "xoxb-t", 200, 0.0)])


def texts(payload: dict[str, Any]) -> list[str]:
    return [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]


def blob(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


def test_project_digest_in_korean_shows_every_figure():
    payload = blocks.project_digest(digest(), KO)
    assert not problems(payload)
    shown = blob(payload)
    assert payload["blocks"][0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "주간 요약 · 일자리 창출", "emoji": True},
    }
    assert "`JOBS` · 11월 4주차(11. 23.~11. 29.)" in shown
    overview = texts(payload)[0]
    assert "`▓▓▓▓░░░░░░` 40% · :large_yellow_circle: 주의" in overview
    assert "`·····▁▃▄`" in overview  # the percent sparkline
    assert overview.endswith(":large_green_circle::large_green_circle::large_yellow_circle:")
    departments = texts(payload)[1]
    assert "*일자리정책과* (주관) `▓▓▓▓░░░░░░` 40% · 1명 중 1명 보고" in departments
    assert "*복지정책과* (협조) 진척률 미입력 · 아직 참여자 없음" in departments
    assert "*부서 미지정* 진척률 미입력 · 1명 중 0명 보고" in departments
    members = texts(payload)[2]
    assert "kim (일자리정책과) `▓▓▓▓░░░░░░` 40% :white_check_mark:" in members
    assert "<@U1>" not in members and "<@U2>" in members  # names, no pings; a mention only without a name
    assert "*결재* 상신 2건 · 완료 1건 · 진행 중 1건" in shown
    assert "#12 협약안 결재 — <@U5> 결재 대기 (2026-11-24부터)" in shown
    assert "*지시* 신규 3건 · 완료 1건 · 기한 경과 1건" in shown
    assert "#4 현황 보고 — 기한 2026-11-20 · <@U2>, <@U1>" in shown and "둘째 줄" not in shown
    assert "*토론* 신규 1건 · 결론 1건" in shown and "#7 *우선 학교*: A안으로 결정" in shown
    assert texts(payload)[-1] == ":alarm_clock: 이번 기간 미보고 (마감 지남): <@U2>"
    assert payload["text"] == "주간 요약 — 일자리 창출 (JOBS): 40%, 주의"


def test_project_digest_in_english():
    payload = blocks.project_digest(digest(), EN)
    shown = blob(payload)
    assert payload["blocks"][0]["text"]["text"] == "Weekly digest · 일자리 창출"
    assert "*Approvals* 2 submitted · 1 closed · 1 pending now" in shown
    assert "waiting on <@U5> (since 2026-11-23)" in shown  # the reader's own day, in New York
    assert "*일자리정책과* (lead)" in shown and "1 of 1 reported" in shown
    assert payload["text"] == "Weekly digest — 일자리 창출 (JOBS): 40%, At risk"


def test_who_has_not_reported_before_the_due_time_when_all_did_and_when_nothing_is_due():
    before = texts(blocks.project_digest(digest(late=False), EN))[-1]
    assert before == "Not reported yet this period (due 2026-11-22 20:00): <@U2>"
    both = texts(blocks.project_digest(digest(missing=("U1", "U2"), missing_late=("U1",)), EN))[-1]
    assert both.splitlines() == [
        ":alarm_clock: Not reported this period, past the due time: <@U1>",
        "Not reported yet this period (due 2026-11-22 20:00): <@U2>",
    ]
    assert texts(blocks.project_digest(digest(missing=()), KO))[-1] == "이번 기간 모두 보고했습니다."
    nothing_due = digest(period=Period(date(2026, 11, 23), date(2026, 11, 30), None))
    assert texts(blocks.project_digest(nothing_due, KO))[-1] == "이번 기간은 보고가 없는 기간입니다."


def test_a_project_with_no_reports_and_a_closed_one():
    quiet = digest(percent=None, health=None, trend=(None,) * 8, health_trend=(None,) * 8, members=(), departments=())
    payload = blocks.project_digest(quiet, EN)
    assert not problems(payload)
    assert "no percent yet · no reports yet" in texts(payload)[0] and "········" in texts(payload)[0]
    assert not any("By member" in text for text in texts(payload))
    assert payload["text"] == "Weekly digest — 일자리 창출 (JOBS): no percent yet, no reports yet"
    closed = blocks.project_digest(digest(project=info(status=ProjectStatus.CLOSED)), KO)
    assert "종료된 과제" in closed["blocks"][1]["elements"][0]["text"]


def test_project_digest_stays_one_screen_with_long_lists_and_long_names():
    long = "가나다라" * 75  # 300 characters
    many = digest(
        project=info(name="긴 과제 이름 " * 20),
        members=tuple(MemberProgress(f"U{n}", long, long, n % 101, Health.BLOCKED, True) for n in range(200)),
        departments=tuple(DepartmentProgress(f"{long}{n}", None, 50, Health.ON_TRACK, 3, 1) for n in range(200)),
        pending_approvals=tuple(PendingApproval(n, long, "U1", ("U5", "U6"), WHEN) for n in range(200)),
        overdue=tuple(OverdueDirective(n, long, date(2026, 11, 1), ("U2",)) for n in range(200)),
        conclusions=tuple(Conclusion(n, long, long * 10, WHEN) for n in range(200)),
        missing=tuple(f"U{n}" for n in range(200)),
    )
    payload = blocks.project_digest(many, KO)
    assert not problems(payload)
    assert len(payload["blocks"]) <= 12
    assert all(len(text) <= 3000 for text in texts(payload))
    assert len(payload["blocks"][0]["text"]["text"]) <= 150
    departments, members, approvals, directives, discussions, missing = texts(payload)[1:]
    assert departments.count("\n") <= blocks.DEPARTMENTS_SHOWN + 1 and departments.endswith("외 190건")
    assert members.count("\n") <= blocks.MEMBERS_SHOWN + 1 and "외 1" in members.splitlines()[-1]
    for section in (approvals, directives, discussions):
        assert section.endswith("외 195건")
    assert missing.count("<@") == blocks.PEOPLE_SHOWN and missing.endswith("외 170명")


def test_user_text_is_escaped_and_never_pings():
    evil = digest(
        project=info(name=EVIL),
        members=(MemberProgress("U1", EVIL, EVIL, 10, Health.ON_TRACK, True),),
        departments=(DepartmentProgress(EVIL, ProjectDepartmentRole.LEAD, 10, Health.ON_TRACK, 1, 1),),
        pending_approvals=(PendingApproval(1, EVIL, "U1", ("U5",), WHEN),),
        overdue=(OverdueDirective(2, EVIL, date(2026, 11, 1), ("U2",)),),
        conclusions=(Conclusion(3, EVIL, EVIL, WHEN),),
    )
    for reader in (KO, EN):
        payload = blocks.project_digest(evil, reader)
        assert not problems(payload)  # no live broadcast, mention or disguised link, nothing escaped twice
        assert "&lt;!channel&gt; &amp; &lt;@U666&gt;" in texts(payload)[1]
        assert "&lt;!channel&gt;" in payload["text"]
    cross = blocks.cross_digest([line(1, name=EVIL, key="K&<>")], KO)
    assert not problems(cross)
    # escaped, then cut to NAME_LIMIT characters without splitting an entity
    assert "*&lt;!channel&gt; &amp; &lt;@U666&gt; &lt;http://evil.exampl…* `K&amp;&lt;&gt;`" in blob(cross)


def test_cross_digest_puts_the_worst_first_and_shows_only_what_needs_attention():
    lines = [
        line(1, health=Health.ON_TRACK, percent=90),
        line(2, health=None, percent=None),
        line(3, health=Health.AT_RISK, late_reports=1),
        line(4, health=Health.BLOCKED, percent=20, late_reports=2, overdue_directives=3, pending_approvals=1),
        line(5, health=Health.AT_RISK, overdue_directives=4),
    ]
    payload = blocks.cross_digest(lines, KO)
    assert not problems(payload)
    assert payload["blocks"][0]["text"]["text"] == "과제 한눈에 보기"
    summary = payload["blocks"][1]["elements"][0]["text"]
    assert summary == "과제 5개 · 막힘 1 · 주의 2 · 기한 지난 지시 7 · 진행 중 결재 1"
    rows = texts(payload)[0].splitlines()
    assert [row.split("`")[1] for row in rows] == ["P-4", "P-5", "P-3", "P-2", "P-1"]
    assert rows[0] == (
        ":red_circle: *과제 4* `P-4` `▓▓░░░░░░░░` 20% · :alarm_clock: 미보고 2명 · "
        ":warning: 기한 지난 지시 3건 · :hourglass: 진행 중 결재 1건"
    )
    assert rows[3] == ":white_circle: *과제 2* `P-2` 진척률 미입력"
    assert rows[4] == ":large_green_circle: *과제 1* `P-1` `▓▓▓▓▓▓▓▓▓░` 90%"
    assert payload["text"] == "과제 한눈에 보기: 과제 5개, 막힘 1, 주의 2"


def test_cross_digest_in_english_and_when_there_is_nothing():
    payload = blocks.cross_digest([line(1, late_reports=1, pending_approvals=2)], EN)
    assert texts(payload)[0].endswith("50% · :alarm_clock: not reported: 1 · :hourglass: pending approvals: 2")
    assert payload["blocks"][1]["elements"][0]["text"].startswith("Projects: 1 · blocked: 0 · at risk: 0")
    empty = blocks.cross_digest([], EN)
    assert not problems(empty)
    assert empty["text"] == "There are no active projects." and texts(empty) == ["There are no active projects."]


def test_cross_digest_of_200_projects_with_long_names_is_one_screen():
    lines = [
        line(n, name="아주 긴 과제 이름 & <기호> " * 20, key=f"KEY-{n:04d}-LONG-X", health=list(Health)[n % 3])
        for n in range(200)
    ]
    lines = [replace(p, late_reports=99, overdue_directives=999, pending_approvals=999) for p in lines]
    payload = blocks.cross_digest(lines, EN)
    assert not problems(payload)
    rows = [row for text in texts(payload) for row in text.splitlines()]
    assert len(rows) == blocks.PROJECTS_SHOWN
    assert all(len(text) <= 3000 for text in texts(payload)) and len(payload["blocks"]) <= 50
    assert all(row.startswith(":red_circle:") for row in rows)  # 67 blocked projects: the first 20 shown
    assert payload["blocks"][-1]["elements"][0]["text"] == "and 180 more projects; see one with `/digest KEY`."
