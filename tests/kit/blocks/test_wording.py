"""What the cards, notices and reminders say, in the office's words (issue 17): 기안자 and 상신 / 재상신 on
approvals, a 참조 notice for readers, 보완 요청 / 완료 확인 on directives (their button styles unchanged),
periods and waits said as people say them, and English without `(s)` or `None`."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime

from kit.blocks import approvals as approval_blocks
from kit.blocks import directives as directive_blocks
from kit.blocks import home as home_blocks
from kit.blocks import nudges as nudge_blocks
from kit.blocks import projects as project_blocks
from kit.blocks import reports as report_blocks
from kit.reader import Reader
from models import Cadence, MemberRole, ProjectStatus, RequestStatus, StepKind, StepStatus
from services.approvals import HistoryEntry, Outcome, RequestInfo, Result, StepInfo
from services.directives import DirectiveInfo, ReportInfo
from services.ledger import AdjustmentNotice
from services.periods import Period
from services.progress import MyProject, MyStatus, ProjectProgress
from services.projects import Member, ProjectInfo
from services.terms import DirectiveKind, DirectiveStatus, Health, ReportKind

AT = datetime(2026, 12, 7, 1, tzinfo=UTC)
TODAY = date(2026, 12, 7)
REQUESTER, APPROVER, READER, ISSUER, ASSIGNEE = "U1", "U2", "U3", "U4", "U5"


def ko(user: str = REQUESTER) -> Reader:
    return Reader(user, "ko", "Asia/Seoul")


def en(user: str = REQUESTER) -> Reader:
    return Reader(user, "en", "Asia/Seoul")


def shown(payload) -> str:
    return json.dumps(payload, ensure_ascii=False)


def request(**fields) -> RequestInfo:
    step = StepInfo(11, 1, StepKind.APPROVE, True, APPROVER, StepStatus.PENDING, None, None, "")
    values = {
        "id": 3,
        "team_id": "T1",
        "project_key": "JOBS",
        "project_name": "일자리 창출",
        "project_channel": "C9",
        "requester": REQUESTER,
        "title": "시범 학교 공기청정기 구매",
        "details": "",
        "links": "",
        "status": RequestStatus.PENDING,
        "position": 1,
        "due_date": None,
        "reason": "",
        "created_at": AT,
        "closed_at": None,
        "resubmission_of": None,
        "steps": (step,),
        "readers": (READER,),
        "comments": (),
    }
    return RequestInfo(**{**values, **fields})


def directive(status=DirectiveStatus.REPORTED, note="") -> DirectiveInfo:
    return DirectiveInfo(
        id=3,
        team_id="T1",
        project_key="JOBS",
        project_name="일자리 창출",
        issuer=ISSUER,
        kind=DirectiveKind.REPORT,
        text="현황 보고",
        due_date=date(2026, 12, 11),
        status=status,
        note=note,
        assignees=((ASSIGNEE, True, True),),
        reports=(ReportInfo(ASSIGNEE, ReportKind.COMPLETION, "보고드립니다", AT),),
        created_at=AT,
    )


def project(**overrides) -> ProjectInfo:
    values = dict(
        id=1,
        team_id="T1",
        key="ATOPY",
        name="아토피 없는 경기도",
        description="",
        status=ProjectStatus.ACTIVE,
        channel_id=None,
        target_date=None,
        lead_department=None,
        cooperating_departments=(),
        members=(Member(REQUESTER, "kim", None, MemberRole.LEAD),),
        created_at=AT,
        cadence=Cadence.WEEKLY,
        timezone="Asia/Seoul",
    )
    return ProjectInfo(**{**values, **overrides})


def test_the_approval_card_names_the_requester_as_the_drafter_and_says_when_there_is_no_due_date():
    korean = shown(approval_blocks.card(request(), ko()))
    english = shown(approval_blocks.card(request(), en()))
    assert "*기안자*\\n<@U1>" in korean and "*기한*\\n없음" in korean and "요청" not in korean
    assert "*Requester*\\n<@U1>" in english and "*Due*\\nNo due date" in english and "None" not in english
    assert "*Status*\\nIn progress" in english


def test_the_approver_is_asked_with_an_honorific_not_as_a_website_member():
    asked = shown(approval_blocks.ask(request(), ko(APPROVER), 11))
    assert ":point_right: 결재하실 차례입니다." in asked and "회원님" not in asked
    assert "<@U1>님이 결재를 상신했습니다: *시범 학교 공기청정기 구매* (#3)" in asked


def test_a_decision_answer_takes_the_particle_of_the_title_and_number():
    info = request()
    approved = approval_blocks.decision_answer(
        Result(Outcome.DECIDED, info, info.steps[0]), ko(APPROVER), approving=True
    )
    assert approved["text"] == ":white_check_mark: #3 *시범 학교 공기청정기 구매*를 승인했습니다."
    not_yours = approval_blocks.decision_answer(Result(Outcome.NOT_YOURS, request(id=1), None), ko(), approving=True)
    assert not_yours["text"] == "결재 #1은 결재하실 건이 아닙니다."


def test_a_reader_is_told_of_a_completed_request_as_참조_and_the_requester_as_their_own():
    done = request(status=RequestStatus.APPROVED)
    to_reader = approval_blocks.notification("approval.completed", done, ko(READER), {})["text"]
    to_requester = approval_blocks.notification("approval.completed", done, ko(REQUESTER), {})["text"]
    assert to_reader.startswith(":white_check_mark: [참조] <@U1>님이 상신한 *시범 학교 공기청정기 구매* (#3) 결재가")
    assert "참조로 알려 드립니다" in to_reader
    assert to_requester == ":white_check_mark: *시범 학교 공기청정기 구매* (#3) 결재가 완료되었습니다."
    assert "For your reference (cc)" in approval_blocks.notification("approval.completed", done, en(READER), {})["text"]


def test_the_history_says_상신_and_재상신_and_numbers_an_earlier_requests_events():
    info = request(id=4, resubmission_of=3)
    events = [
        HistoryEntry(AT, REQUESTER, "approval.requested", {"request": 3}),
        HistoryEntry(AT, APPROVER, "approval.rejected", {"request": 3}),
        HistoryEntry(AT, REQUESTER, "approval.requested", {"request": 4, "resubmission_of": 3}),
    ]
    history = approval_blocks.show(info, events, ko())["blocks"][-1]["text"]["text"].splitlines()
    assert history[1].endswith("<@U1> 상신(#3)") and history[2].endswith("<@U2> 반려(#3)")
    assert history[3].endswith("<@U1> 재상신")
    assert approval_blocks.show(info, events, en())["blocks"][-1]["text"]["text"].endswith("<@U1> resubmitted")


def test_the_resubmission_form_is_titled_재상신():
    earlier = request(status=RequestStatus.REJECTED)
    assert approval_blocks.request_modal(ko(), [], earlier=earlier)["title"]["text"] == "결재 재상신"
    assert approval_blocks.request_modal(ko(), [])["title"]["text"] == "결재 상신"


def test_sending_a_directive_back_is_보완_요청_everywhere_and_accepting_it_완료_확인():
    reported = directive()
    buttons = [
        (e["text"]["text"], e.get("style"))
        for b in directive_blocks.card(reported, Reader(ISSUER, "ko", "Asia/Seoul"), TODAY)["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert buttons == [("완료 확인", "primary"), ("보완 요청", "danger")]
    form = directive_blocks.return_modal(Reader(ISSUER, "ko", "Asia/Seoul"), 3, None)
    assert form["title"]["text"] == "보완 요청" and form["submit"]["text"] == "보완 요청"
    returned = directive(DirectiveStatus.RETURNED, note="자료 보완")
    card = shown(directive_blocks.card(returned, ko(ASSIGNEE), TODAY))
    assert "보완 요청 사항: 자료 보완" in card and "보완 요청" in card
    told = directive_blocks.notification("directive.returned", returned, ko(ASSIGNEE))["text"]
    assert told == ":leftwards_arrow_with_hook: 지시 #3에 보완 요청을 받았습니다: 자료 보완"
    history = directive_blocks.show(returned, [(AT, ISSUER, "returned"), (AT, ISSUER, "accepted")], ko(), TODAY)
    assert "<@U4> 보완 요청" in shown(history) and "<@U4> 완료 확인" in shown(history)
    assert directive_blocks.outcome("directive.accepted_ok", reported, ko())["text"].endswith("완료를 확인했습니다.")


def test_a_directive_number_takes_the_particle_it_is_read_with():
    for number, particle in ((1, "을"), (2, "를"), (3, "을"), (6, "을"), (7, "을"), (8, "을"), (10, "을"), (4, "를")):
        info = replace(directive(), id=number)
        assert (
            directive_blocks.outcome("directive.ack_ok", info, ko())["text"]
            == f"지시 #{number}{particle} 확인했습니다."
        )


def test_a_progress_nudge_names_the_week_as_people_say_it():
    payload = nudge_blocks.progress_nudge(project(), date(2026, 12, 7), 1, ko())
    assert payload["text"] == (
        ":memo: *아토피 없는 경기도* (`ATOPY`)의 12월 2주차(12. 7.~12. 13.) 진척 보고가 아직 없습니다. "
        "한두 줄이면 충분합니다."
    )
    daily = nudge_blocks.progress_nudge(project(cadence=Cadence.DAILY), date(2026, 12, 7), 2, ko())
    assert "(`ATOPY`)의 12월 7일(월) 진척 보고가 아직 없습니다." in daily["text"]
    english = nudge_blocks.escalation(project(), date(2026, 12, 7), ["U7"], en())["text"]
    assert "1 member has not reported for week 2 of December (Dec 7 – Dec 13) after two reminders: <@U7>" in english


def test_an_overdue_approval_is_waiting_at_the_approvers_step():
    text = nudge_blocks.approval_reminder(request(), APPROVER, 30, True, ko())["text"]
    assert text == (
        ":warning: 결재 #3 “시범 학교 공기청정기 구매”가 <@U2> 결재 단계에서 근무시간 기준 30시간째 대기 중입니다."
    )
    assert "에게서" not in text
    assert "for 1 working hour." in nudge_blocks.approval_reminder(request(), APPROVER, 1, False, en())["text"]


def test_home_names_the_period_it_counts():
    period = Period(date(2026, 12, 7), date(2026, 12, 14), AT)
    item = MyProject(ProjectProgress(project(), period, 40, Health.ON_TRACK, (), (), ("U7",)), MyStatus.LATE, True)
    blob = shown(home_blocks.home(ko(), None, [item], today=TODAY))
    assert "12월 2주차(12. 7.~12. 13.) · 내 상태: *미보고 (마감 지남)*" in blob
    assert "*아토피 없는 경기도* `ATOPY` 12월 2주차(12. 7.~12. 13.) 미보고: <@U7>" in blob


def test_a_reports_month_reads_as_a_month():
    notice = AdjustmentNotice(REQUESTER, "2026-11", 1, "합동 설명회 주관", "U9")
    assert "2026년 11월 참여 실적을 +1점 보정했습니다" in report_blocks.adjustment_notice(notice, ko())["text"]
    assert "for November 2026 by +1 point." in report_blocks.adjustment_notice(notice, en())["text"]


def test_english_project_lines_count_members_without_hedging():
    one = project_blocks.project_list([project()], en())
    two = project_blocks.project_list(
        [project(members=(*project().members, Member("U8", "lee", None, MemberRole.MEMBER)))], en()
    )
    assert one["text"] == "1 active cross-department project" and "1 member ·" in shown(one)
    assert "2 members ·" in shown(two) and "(s)" not in shown(one) + shown(two)


def test_a_project_without_a_lead_says_so_once():
    nobody = project(members=(Member("U8", "lee", None, MemberRole.MEMBER),))
    korean = shown(project_blocks.project_list([nobody], ko()))
    assert "주관 미지정 · 참여 1명" in korean and "주관 주관" not in korean
    assert "Lead nobody yet · 1 member" in shown(project_blocks.project_list([nobody], en()))
