"""Directive Block Kit as plain data: the card offers what DirectiveInfo.actions_for allows, to whom it allows
it: an assignee acknowledges and reports while it is open; the issuer, or an admin, decides on a completion."""

from __future__ import annotations

from datetime import UTC, date, datetime

from kit.blocks import directives as blocks
from kit.reader import Reader
from services.directives import DirectiveAction, DirectiveInfo, ReportInfo
from services.terms import DirectiveKind, DirectiveStatus, ReportKind

AT = datetime(2026, 11, 23, 1, tzinfo=UTC)
TODAY = date(2026, 11, 23)
ISSUER, LEAD, HELPER, ADMIN, OTHER = "U1", "U2", "U3", "U9", "U5"


def directive(status=DirectiveStatus.ISSUED, acknowledged=(False, False)) -> DirectiveInfo:
    reports = (
        (ReportInfo(LEAD, ReportKind.COMPLETION, "완료했습니다", AT),) if status is DirectiveStatus.REPORTED else ()
    )
    return DirectiveInfo(
        id=4,
        team_id="T1",
        project_key="JOBS",
        project_name="일자리 창출",
        issuer=ISSUER,
        kind=DirectiveKind.ACTION,
        text="협약 초안을 검토하세요",
        due_date=date(2026, 11, 30),
        status=status,
        note="",
        assignees=((LEAD, True, acknowledged[0]), (HELPER, False, acknowledged[1])),
        reports=reports,
        created_at=AT,
    )


def reader(user: str, *, admin: bool = False) -> Reader:
    return Reader(user, "ko", "Asia/Seoul", is_admin=admin)


def labels(payload) -> list[str]:
    return [e["text"]["text"] for b in payload["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_an_assignee_acknowledges_once_and_reports_while_it_is_open():
    fresh = directive()
    assert fresh.actions_for(LEAD) == (DirectiveAction.ACKNOWLEDGE, DirectiveAction.REPORT)
    acknowledged = directive(DirectiveStatus.ACKNOWLEDGED, acknowledged=(True, False))
    assert acknowledged.actions_for(LEAD) == (DirectiveAction.REPORT,)
    assert acknowledged.actions_for(HELPER) == (DirectiveAction.ACKNOWLEDGE, DirectiveAction.REPORT)
    assert directive(DirectiveStatus.DONE, (True, True)).actions_for(LEAD) == ()
    assert directive(DirectiveStatus.REPORTED, (True, True)).actions_for(LEAD) == ()
    assert labels(blocks.card(fresh, reader(LEAD), TODAY)) == ["확인", "중간 보고", "완료 보고"]


def test_the_issuer_and_an_admin_decide_on_a_completion_report_and_nobody_else():
    reported = directive(DirectiveStatus.REPORTED, (True, True))
    assert reported.actions_for(ISSUER) == (DirectiveAction.DECIDE,)
    assert reported.actions_for(ADMIN, is_admin=True) == (DirectiveAction.DECIDE,)
    assert reported.actions_for(OTHER) == ()
    assert directive(DirectiveStatus.IN_PROGRESS, (True, True)).actions_for(ISSUER) == ()
    assert labels(blocks.card(reported, reader(ISSUER), TODAY)) == labels(
        blocks.card(reported, reader(ADMIN, admin=True), TODAY)
    )
    assert len(labels(blocks.card(reported, reader(ISSUER), TODAY))) == 2
    assert labels(blocks.card(reported, reader(OTHER), TODAY)) == []


def test_the_report_notification_carries_the_decision_only_for_who_may_make_it():
    reported = directive(DirectiveStatus.REPORTED, (True, True))
    for_issuer = blocks.notification("directive.reported", reported, reader(ISSUER))
    for_other = blocks.notification("directive.reported", reported, reader(OTHER))
    assert len(labels(for_issuer)) == 3  # accept, send back, details
    assert labels(for_other) == []  # the details button is the section's accessory
