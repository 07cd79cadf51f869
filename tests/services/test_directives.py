"""Directives (지시) with frozen time: the checks made before a form opens give the same refusals as the
action the form leads to, so nobody types a report they may not file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker

from services import directives, projects
from services.calendar import WorkCalendar
from services.errors import DomainError
from services.terms import DirectiveKind, ReportKind

TEAM = "T1"
LEAD, ASSIGNEE, HELPER, OUTSIDER, ADMIN = "U1", "U2", "U3", "U9", "U8"
MON = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday 10:00 KST
CALENDAR = WorkCalendar("KR")


@pytest.fixture
def directive_id(session_factory: sessionmaker[Session]) -> int:
    with session_factory.begin() as s:
        draft = projects.ProjectDraft(name="일자리 창출", key="JOBS", member_ids=[ASSIGNEE, HELPER])
        projects.create(s, TEAM, LEAD, draft, now=MON - timedelta(days=7))
        info = directives.issue(
            s,
            TEAM,
            LEAD,
            "JOBS",
            assignees=[ASSIGNEE, HELPER],
            text="협약 초안 검토",
            kind=DirectiveKind.ACTION,
            due_date=None,
            is_admin=False,
            now=MON,
            calendar=CALENDAR,
        )
    return info.id


def refusal(call) -> str:
    with pytest.raises(DomainError) as raised:
        call()
    return raised.value.code


def test_only_an_assignee_of_an_open_directive_may_open_the_report_form(session_factory, directive_id):
    with session_factory() as s:
        assert directives.check_can_report(s, TEAM, HELPER, directive_id).id == directive_id
        assert refusal(lambda: directives.check_can_report(s, TEAM, LEAD, directive_id)) == "directive.not_assignee"
        assert refusal(lambda: directives.check_can_report(s, TEAM, OUTSIDER, directive_id)) == "directive.not_found"
        assert refusal(lambda: directives.check_can_report(s, TEAM, HELPER, 999)) == "directive.not_found"
    with session_factory.begin() as s:
        directives.report(s, TEAM, ASSIGNEE, directive_id, ReportKind.COMPLETION, "완료", now=MON)
        directives.accept(s, TEAM, LEAD, directive_id, is_admin=False, now=MON)
    with session_factory() as s:
        assert refusal(lambda: directives.check_can_report(s, TEAM, ASSIGNEE, directive_id)) == "directive.not_open"


def test_only_the_issuer_or_an_admin_may_open_the_send_back_form(session_factory, directive_id):
    with session_factory() as s:
        assert directives.check_can_send_back(s, TEAM, LEAD, directive_id, is_admin=False).id == directive_id
        assert directives.check_can_send_back(s, TEAM, ADMIN, directive_id, is_admin=True).id == directive_id
        refused = refusal(lambda: directives.check_can_send_back(s, TEAM, ASSIGNEE, directive_id, is_admin=False))
        assert refused == "directive.not_issuer"
        hidden = refusal(lambda: directives.check_can_send_back(s, TEAM, OUTSIDER, directive_id, is_admin=False))
        assert hidden == "directive.not_found"  # to an outsider the number does not exist
