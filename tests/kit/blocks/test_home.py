"""App Home's own sections as plain data: the directives I issued (open ones with status and due, a count of
the rest) and the approvals I requested, each with where it waits, in Korean and English."""

from __future__ import annotations

import dataclasses
import json
from datetime import date

from slack_sdk.models.views import View

from kit.blocks import home as blocks
from kit.reader import Reader
from services.approvals import MyPending
from services.terms import DirectiveStatus, StepKind, StepStatus
from tests.kit.blocks.test_approvals import request, step
from tests.kit.blocks.test_directives import directive

KO = Reader("U1", "ko", "Asia/Seoul")
EN = Reader("U1", "en", "Asia/Seoul")
TODAY = date(2026, 12, 2)


def shown(view) -> str:
    View(**view).to_dict()
    return json.dumps(view["blocks"], ensure_ascii=False)


def waiting_at(approver: str, request_id: int = 7) -> object:
    return request(
        [step(1, 1, "U2", status=StepStatus.APPROVED), step(2, 2, approver, status=StepStatus.PENDING)],
        id=request_id,
    )


def test_my_requests_say_where_each_waits():
    agreement = request(
        [step(3, 1, "U5", StepKind.AGREE, StepStatus.PENDING), step(4, 1, "U6", StepKind.AGREE, StepStatus.PENDING)],
        id=8,
        position=1,
    )
    mine = MyPending([waiting_at("U3"), agreement], 2)
    ko, en = (shown(blocks.home(r, None, [], today=TODAY, my_requests=mine)) for r in (KO, EN))
    assert "*내가 상신한 결재* (2)" in ko
    assert "*#7* 2027 협약안 · `JOBS` · <@U3> 결재 단계에서 대기 중" in ko
    assert "*#8* 2027 협약안 · `JOBS` · <@U5>, <@U6> 합의 단계에서 대기 중" in ko
    assert "*Approvals I requested* (2)" in en and "waiting for <@U3> to approve" in en
    assert "waiting for <@U5>, <@U6> to agree" in en


def test_my_requests_beyond_those_shown_are_counted_and_none_is_said_plainly():
    many = MyPending([waiting_at("U3", n) for n in range(blocks.MY_REQUESTS_SHOWN)], 12)
    assert "외 4건은 `/approval list`에서 확인하십시오." in shown(
        blocks.home(KO, None, [], today=TODAY, my_requests=many)
    )
    none = shown(blocks.home(KO, None, [], today=TODAY, my_requests=MyPending([], 0)))
    assert "*내가 상신한 결재* (0)" in none and "진행 중인 상신 결재가 없습니다." in none


def test_directives_i_issued_show_the_open_ones_with_status_and_due_and_count_the_done():
    issued = [
        directive(),
        dataclasses.replace(directive(DirectiveStatus.REPORTED), id=5),
        *(dataclasses.replace(directive(DirectiveStatus.DONE), id=n) for n in (6, 7, 8)),
    ]
    ko, en = (shown(blocks.home(r, None, [], today=TODAY, issued=issued)) for r in (KO, EN))
    assert "*내가 내린 지시* (2)" in ko
    assert "*#4* 협약 초안을 검토하세요 · `JOBS` · <@U2>, <@U3> · 2026-11-30 · " in ko
    assert "*#5*" in ko and "*#6*" not in ko
    assert "완료된 지시 3건" in ko
    assert "*Directives I issued* (2)" in en and "3 directives done" in en


def test_someone_who_never_issued_a_directive_sees_no_such_section():
    assert "내가 내린 지시" not in shown(blocks.home(KO, None, [], today=TODAY))


def test_all_issued_directives_done_says_none_is_open():
    done = [dataclasses.replace(directive(DirectiveStatus.DONE), id=6)]
    ko = shown(blocks.home(KO, None, [], today=TODAY, issued=done))
    assert "*내가 내린 지시* (0)" in ko and "진행 중인 지시가 없습니다." in ko and "완료된 지시 1건" in ko
