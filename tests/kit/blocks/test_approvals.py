"""Approval Block Kit as plain data: 합의 reviewers answer 동의 / 이견, history names the system, and the
resubmission (재상신) form carries every field of the request it resubmits."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from kit.blocks import approvals as blocks
from kit.ids import Block as B
from kit.reader import Reader
from models import Cadence, MemberRole, ProjectStatus, RequestStatus, StepKind, StepStatus
from services import approvals
from services.approvals import HistoryEntry, RequestInfo, StepInfo
from services.projects import Member, ProjectInfo

AT = datetime(2026, 11, 23, 1, tzinfo=UTC)
KO = Reader("U5", "ko", "Asia/Seoul")
EN = Reader("U5", "en", "Asia/Seoul")


def step(id_, position, approver, kind=StepKind.APPROVE, status=StepStatus.WAITING, final=False) -> StepInfo:
    decided = status in (StepStatus.APPROVED, StepStatus.REJECTED)
    return StepInfo(
        id_, position, kind, final, approver, status, approver if decided else None, AT if decided else None, ""
    )


def request(steps, status=RequestStatus.PENDING, **fields) -> RequestInfo:
    values = {
        "id": 7,
        "team_id": "T1",
        "project_key": "JOBS",
        "project_name": "일자리 창출",
        "project_channel": "C9",
        "requester": "U1",
        "title": "2027 협약안",
        "details": "",
        "links": "",
        "status": status,
        "position": 2,
        "due_date": None,
        "reason": "",
        "created_at": AT,
        "closed_at": None,
        "resubmission_of": None,
        "steps": tuple(steps),
        "readers": (),
        "comments": (),
    }
    return RequestInfo(**{**values, **fields})


def labels(payload) -> list[str]:
    return [e["text"]["text"] for b in payload["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_an_agreement_reviewer_gets_agree_and_disagree_with_the_decision_styles():
    info = request([step(1, 1, "U2", status=StepStatus.APPROVED), step(2, 2, "U5", StepKind.AGREE, StepStatus.PENDING)])
    card = blocks.ask(info, KO, 2)
    assert labels(card)[:2] == ["동의", "이견"]
    styles = [e.get("style") for b in card["blocks"] if b["type"] == "actions" for e in b["elements"]][:2]
    assert styles == ["primary", "danger"]
    assert "합의하실 차례입니다" in json.dumps(card["blocks"], ensure_ascii=False)
    assert labels(blocks.ask(info, EN, 2))[:2] == ["Agree", "Disagree"]


def test_an_approver_still_gets_approve_and_return():
    info = request([step(1, 1, "U5", status=StepStatus.PENDING)], position=1)
    assert labels(blocks.ask(info, KO, 1))[:2] == ["승인", "반려"]


def test_the_line_and_the_already_answer_say_agreed_or_disagreed_for_agreement_steps():
    agreed = step(2, 2, "U5", StepKind.AGREE, StepStatus.APPROVED)
    disagreed = step(3, 2, "U6", StepKind.AGREE, StepStatus.REJECTED)
    info = request([step(1, 1, "U2", status=StepStatus.APPROVED), agreed, disagreed], RequestStatus.REJECTED)
    line = blocks.line_text(info, KO)
    assert "<@U2> 승인" in line and "<@U5> 동의" in line and "<@U6> 이견" in line
    assert "이견" in blocks.already(info, disagreed, KO)["text"]


def test_a_disagreement_tells_the_requester_who_disagreed_and_why():
    disagreed = step(3, 2, "U6", StepKind.AGREE, StepStatus.REJECTED)
    info = request(
        [step(1, 1, "U2", status=StepStatus.APPROVED), disagreed], RequestStatus.REJECTED, reason="예산 근거 부족"
    )
    text = blocks.notification("approval.returned", info, Reader("U1", "ko", "Asia/Seoul"), {"step_id": 3})["text"]
    assert text.startswith(":leftwards_arrow_with_hook: 합의자 <@U6>님이 이견을 내어")
    assert text.endswith("이견: 예산 근거 부족")


def test_the_reason_form_of_an_agreement_step_asks_for_the_disagreement():
    form = blocks.reason_modal(KO, step(2, 2, "U5", StepKind.AGREE, StepStatus.PENDING), "D5")
    assert form["title"]["text"] == "이견" and form["blocks"][0]["label"]["text"] == "이견 내용"
    assert blocks.reason_modal(KO, step(1, 1, "U5", status=StepStatus.PENDING), "D5")["title"]["text"] == "반려"


def test_system_events_in_the_history_read_as_the_system_never_a_blank_name():
    info = request([step(1, 1, "U2", status=StepStatus.APPROVED, final=True)], RequestStatus.APPROVED)
    events = [
        HistoryEntry(AT, "U1", "approval.requested", {"request": 7}),
        HistoryEntry(AT, "U2", "approval.approved", {"request": 7}),
        HistoryEntry(AT, "system", "approval.completed", {"request": 7}),
    ]
    history = blocks.show(info, events, KO)["blocks"][-1]["text"]["text"]
    assert "(시스템) 결재 완료" in history
    assert not any(line.split(" ", 2)[-1].startswith(" ") for line in history.splitlines()[1:])
    assert "(Onnuri) completed" in blocks.show(info, events, EN)["blocks"][-1]["text"]["text"]


def _initial(form, block_id):
    element = next(b for b in form["blocks"] if b.get("block_id") == block_id)["element"]
    return {k: v for k, v in element.items() if k.startswith("initial_")}


def test_the_resubmission_form_carries_every_field_exactly_as_it_was():
    earlier = request(
        [
            step(1, 1, "U2", status=StepStatus.APPROVED),
            step(2, 2, "U5", StepKind.AGREE, StepStatus.REJECTED),
            step(3, 2, "U6", StepKind.AGREE, StepStatus.SKIPPED),
            step(4, 3, "U3", status=StepStatus.SKIPPED, final=True),
        ],
        RequestStatus.REJECTED,
        details="12개 학교, 3천만 원",
        links="https://example.go.kr/doc/1",
        due_date=date(2026, 12, 11),
        readers=("U8", "U9"),
    )
    project = ProjectInfo(
        id=1,
        team_id="T1",
        key="JOBS",
        name="일자리 창출",
        description="",
        status=ProjectStatus.ACTIVE,
        channel_id="C9",
        target_date=None,
        lead_department=None,
        cooperating_departments=(),
        members=(Member("U1", "kim", None, MemberRole.LEAD),),
        created_at=AT,
        cadence=Cadence.WEEKLY,
        timezone="Asia/Seoul",
    )
    form = blocks.request_modal(Reader("U1", "ko", "Asia/Seoul"), [project], earlier=earlier)
    assert _initial(form, B.APPROVAL_TITLE) == {"initial_value": "2027 협약안"}
    assert _initial(form, B.APPROVAL_DETAILS) == {"initial_value": "12개 학교, 3천만 원"}
    assert _initial(form, B.APPROVAL_LINKS) == {"initial_value": "https://example.go.kr/doc/1"}
    assert _initial(form, B.APPROVAL_APPROVERS) == {"initial_users": ["U2", "U3"]}
    assert _initial(form, B.APPROVAL_AGREEMENT) == {"initial_users": ["U5", "U6"]}
    assert _initial(form, B.APPROVAL_AGREEMENT_POSITION) == {"initial_value": "2"}
    assert _initial(form, B.APPROVAL_FINAL) == {"initial_user": "U3"}
    assert _initial(form, B.APPROVAL_READERS) == {"initial_users": ["U8", "U9"]}
    assert _initial(form, B.APPROVAL_DUE) == {"initial_date": "2026-12-11"}
    # what the form would submit unchanged builds the very same line
    again = approvals.Draft(
        title="2027 협약안", approvers=["U2", "U3"], agreement=["U5", "U6"], agreement_position=2, final="U3"
    )
    assert approvals._positions(again) == [
        [("U2", StepKind.APPROVE)],
        [("U5", StepKind.AGREE), ("U6", StepKind.AGREE)],
        [("U3", StepKind.APPROVE)],
    ]
    assert json.loads(form["private_metadata"])["resubmission_of"] == 7


# -- what the card offers is what the service allows (RequestInfo.actions_for) ---------------------------


def test_only_the_requester_is_offered_withdraw_and_resubmit():
    pending = request([step(1, 1, "U2", status=StepStatus.PENDING)], position=1)
    assert pending.actions_for("U1") == (approvals.RequestAction.WITHDRAW, approvals.RequestAction.COMMENT)
    assert pending.actions_for("U5") == (approvals.RequestAction.COMMENT,)  # a reader: no withdraw
    returned = request([step(1, 1, "U2", status=StepStatus.REJECTED)], RequestStatus.REJECTED)
    assert returned.actions_for("U1") == (approvals.RequestAction.RESUBMIT,)
    assert returned.actions_for("U5") == ()
    requester = Reader("U1", "ko", "Asia/Seoul")
    assert labels(blocks.card(pending, requester)) == ["회수", "의견"]
    assert labels(blocks.card(pending, KO)) == ["의견"]
    assert labels(blocks.card(returned, requester)) == ["재상신"]
    assert labels(blocks.card(returned, KO)) == []


def test_withdrawing_is_not_offered_once_someone_has_decided():
    info = request([step(1, 1, "U2", status=StepStatus.APPROVED), step(2, 2, "U3", status=StepStatus.PENDING)])
    assert info.actions_for("U1") == (approvals.RequestAction.COMMENT,)


def test_a_decision_is_offered_only_while_the_asked_step_waits():
    waiting = request([step(1, 1, "U5", status=StepStatus.PENDING)], position=1)
    assert waiting.actions_for("U5", step_id=1) == (approvals.RequestAction.DECIDE, approvals.RequestAction.COMMENT)
    decided = request([step(1, 1, "U5", status=StepStatus.APPROVED), step(2, 2, "U3", status=StepStatus.PENDING)])
    assert decided.actions_for("U5", step_id=1) == (approvals.RequestAction.COMMENT,)
    done = request([step(1, 1, "U5", status=StepStatus.APPROVED)], RequestStatus.APPROVED)
    assert done.actions_for("U5", step_id=1) == ()
    assert labels(blocks.ask(done, KO, 1)) == []


def test_those_who_approved_are_told_of_a_disagreement_in_their_language():
    disagreed = step(3, 2, "U6", StepKind.AGREE, StepStatus.REJECTED)
    info = request(
        [step(1, 1, "U2", status=StepStatus.APPROVED), disagreed], RequestStatus.REJECTED, reason="예산 근거 부족"
    )
    ko = blocks.notification("approval.disagreed", info, Reader("U2", "ko", "Asia/Seoul"), {"step_id": 3})
    en = blocks.notification("approval.disagreed", info, Reader("U2", "en", "Asia/Seoul"), {"step_id": 3})
    assert ko["text"] == (
        ":leftwards_arrow_with_hook: 합의자 <@U6>님이 이견을 내어 결재하신 *2027 협약안* (#7)이 "
        "기안자에게 돌아갔습니다. 이견: 예산 근거 부족"
    )
    assert "<@U6> disagreed" in en["text"] and "which you had approved or agreed to" in en["text"]
    assert ko["blocks"][0]["accessory"]["value"] == "7"


def test_a_withdrawal_tells_the_line_nothing_more_is_asked_and_readers_that_it_is_for_reference():
    info = request([step(1, 1, "U2", status=StepStatus.SKIPPED)], RequestStatus.WITHDRAWN, readers=("U7",))
    line_ko = blocks.notification("approval.withdrawn", info, Reader("U2", "ko", "Asia/Seoul"), {"step_id": 1})
    line_en = blocks.notification("approval.withdrawn", info, Reader("U2", "en", "Asia/Seoul"), {"step_id": 1})
    cc_ko = blocks.notification("approval.withdrawn", info, Reader("U7", "ko", "Asia/Seoul"), {})
    cc_en = blocks.notification("approval.withdrawn", info, Reader("U7", "en", "Asia/Seoul"), {})
    assert line_ko["text"].endswith("<@U1>님이 *2027 협약안* (#7) 결재를 회수했습니다. 더 결재하실 일은 없습니다.")
    assert line_en["text"].endswith("<@U1> withdrew *2027 협약안* (#7). Nothing more is asked of you.")
    assert "[참조] <@U1>님이" in cc_ko["text"] and "참조로 알려 드립니다" in cc_ko["text"]
    assert "For your reference (cc): <@U1> withdrew" in cc_en["text"]
