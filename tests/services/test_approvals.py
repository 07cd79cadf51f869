"""Approvals (결재) with frozen time: the line (합의, 전결), deciding exactly once and only by the right
person, return and resubmission, withdrawal, proxies (대결), comments, lists, and concurrent clicks."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models import (
    ApprovalComment,
    ApprovalRequest,
    ApprovalStep,
    AuditEvent,
    OutboxMessage,
    RequestStatus,
    StepKind,
    StepStatus,
)
from models.base import utcnow
from models.db import write_transaction
from services import approvals, projects
from services.approvals import Decision, Draft, Outcome, RequestInfo, Result, StepInfo
from services.errors import DomainError
from tests.fakes.homes import homes_redrawn, looking_at_home

TEAM = "T1"
OTHER_TEAM = "T2"
REQUESTER = "U1"  # creates the project, so its lead
MEMBERS = ("U2", "U3", "U4", "U5", "U6", "U7", "U8")
OUTSIDER = "U9"

MON = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday 10:00 KST
MON_NOON = MON + timedelta(hours=2)
TUE = MON + timedelta(days=1)
FRIDAY = date(2026, 11, 27)
TODAY = MON.date()


# --- helpers ------------------------------------------------------------------------------------


def make_project(
    sf: sessionmaker[Session], key: str = "P", channel: str | None = "C9", team: str = TEAM, members=MEMBERS
) -> projects.ProjectInfo:
    with sf.begin() as s:
        return projects.create(
            s,
            team,
            REQUESTER,
            projects.ProjectDraft(name=f"과제 {key}", key=key, member_ids=members, channel_id=channel),
            now=utcnow(),
        )


def request(
    sf: sessionmaker[Session],
    approvers: tuple[str, ...] = ("U2", "U3"),
    *,
    actor: str = REQUESTER,
    key: str = "P",
    team: str = TEAM,
    now: datetime = MON,
    **draft: Any,
) -> RequestInfo:
    draft.setdefault("title", "청년 주거 지원 협약안 결재")
    with sf.begin() as s:
        return approvals.create(s, team, actor, key, Draft(approvers=approvers, **draft), now=now)


def decide(
    sf: sessionmaker[Session],
    actor: str,
    step_id: int,
    decision: Decision = Decision.APPROVE,
    *,
    now: datetime = MON_NOON,
    comment: str = "",
    team: str = TEAM,
) -> Result:
    with sf.begin() as s:
        return approvals.decide(s, team, actor, step_id, decision, now=now, comment=comment)


def refused(sf: sessionmaker[Session], action) -> DomainError:
    """Runs `action` in a transaction that must be refused, and returns the refusal."""
    with pytest.raises(DomainError) as caught, sf.begin() as s:
        action(s)
    return caught.value


def get(sf: sessionmaker[Session], request_id: int, team: str = TEAM) -> RequestInfo:
    with sf() as s:
        return approvals.get(s, team, request_id)


def step_of(info: RequestInfo, approver: str) -> StepInfo:
    return next(s for s in info.steps if s.approver == approver)


def statuses(info: RequestInfo) -> dict[str, StepStatus]:
    return {s.approver: s.status for s in info.steps}


def messages(sf: sessionmaker[Session], kind: str) -> list[OutboxMessage]:
    with sf() as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


def recipients(sf: sessionmaker[Session], kind: str) -> list[str]:
    return [m.recipient for m in messages(sf, kind)]


def audit_rows(sf: sessionmaker[Session], action: str) -> list[AuditEvent]:
    with sf() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def snapshot(sf: sessionmaker[Session]) -> dict[str, list]:
    """Everything a refused or repeated click must leave as it was."""
    with sf() as s:
        return {
            "steps": [
                tuple(r)
                for r in s.execute(
                    select(
                        ApprovalStep.id, ApprovalStep.status, ApprovalStep.decided_by_id, ApprovalStep.decided_at
                    ).order_by(ApprovalStep.id)
                )
            ],
            "requests": [
                tuple(r)
                for r in s.execute(
                    select(
                        ApprovalRequest.id, ApprovalRequest.status, ApprovalRequest.position, ApprovalRequest.reason
                    ).order_by(ApprovalRequest.id)
                )
            ],
            "outbox": list(s.scalars(select(OutboxMessage.dedupe_key).order_by(OutboxMessage.id))),
            "audit": list(s.scalars(select(AuditEvent.action).order_by(AuditEvent.id))),
            "comments": list(s.scalars(select(ApprovalComment.text).order_by(ApprovalComment.id))),
        }


def count(sf: sessionmaker[Session], model: type) -> int:
    with sf() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def away(sf, actor: str, proxy: str, until: date | None = None, now: datetime = MON) -> None:
    with sf.begin() as s:
        approvals.set_away(s, TEAM, actor, proxy, until, now=now)


def waiting(sf, actor: str, now: datetime = MON) -> list[tuple[int, str, str | None]]:
    """(request id, step approver, on whose behalf) of what `actor` can decide at `now`."""
    with sf() as s:
        return [(w.request.id, w.step.approver, w.on_behalf_of) for w in approvals.waiting_for(s, TEAM, actor, now=now)]


# --- create: the line ---------------------------------------------------------------------------


def test_approvers_take_positions_one_to_n_in_the_order_given(session_factory):
    make_project(session_factory)

    info = request(session_factory, ("U4", "U2", "U3"))

    assert [(s.position, s.approver, s.kind, s.final) for s in info.steps] == [
        (1, "U4", StepKind.APPROVE, False),
        (2, "U2", StepKind.APPROVE, False),
        (3, "U3", StepKind.APPROVE, False),
    ]
    assert (info.status, info.position, info.requester, info.project_key) == (RequestStatus.PENDING, 1, "U1", "P")
    assert get(session_factory, info.id).steps == info.steps


def test_only_the_first_position_is_pending(session_factory):
    make_project(session_factory)

    info = request(session_factory, ("U2", "U3", "U4"))

    assert statuses(info) == {"U2": StepStatus.PENDING, "U3": StepStatus.WAITING, "U4": StepStatus.WAITING}
    assert [s.approver for s in info.current] == ["U2"]


def test_an_agreement_group_shares_one_position_inserted_where_asked(session_factory):
    make_project(session_factory)

    info = request(session_factory, ("U2", "U3"), agreement=("U5", "U6"), agreement_position=2)

    assert [(s.position, s.approver, s.kind) for s in info.steps] == [
        (1, "U2", StepKind.APPROVE),
        (2, "U5", StepKind.AGREE),
        (2, "U6", StepKind.AGREE),
        (3, "U3", StepKind.APPROVE),
    ]


def test_an_agreement_group_without_a_position_comes_before_the_deciding_approver(session_factory):
    make_project(session_factory)

    info = request(session_factory, ("U2", "U3"), agreement=("U5", "U6"))
    with_final = request(session_factory, ("U2", "U3", "U4"), agreement=("U5",), final="U4")

    assert [(s.position, s.approver) for s in info.steps] == [(1, "U2"), (2, "U5"), (2, "U6"), (3, "U3")]
    assert [(s.position, s.approver) for s in with_final.steps] == [(1, "U2"), (2, "U3"), (3, "U5"), (4, "U4")]


def test_an_approver_after_the_final_authority_is_refused_by_name_and_nothing_is_stored(session_factory):
    make_project(session_factory)
    # the line as the issue found it: park, admin; 합의 lee with no position; 전결 park
    error = refused(
        session_factory,
        lambda s: approvals.create(
            s, TEAM, REQUESTER, "P", Draft(title="t", approvers=("U2", "U3"), agreement=("U5",), final="U2"), now=MON
        ),
    )
    assert error.code == "approval.after_final"
    assert (list(error.params["final"]), list(error.params["people"])) == (["U2"], ["U3"])
    assert count(session_factory, ApprovalRequest) == 0


def test_an_agreement_placed_after_the_final_authority_is_refused(session_factory):
    make_project(session_factory)
    error = refused(
        session_factory,
        lambda s: approvals.create(
            s,
            TEAM,
            REQUESTER,
            "P",
            Draft(title="t", approvers=("U2", "U3"), agreement=("U5",), agreement_position=3, final="U3"),
            now=MON,
        ),
    )
    assert error.code == "approval.agreement_after_final"
    assert request(session_factory, ("U2", "U3"), agreement=("U5",), agreement_position=3).steps[-1].approver == "U5"


@pytest.mark.parametrize("final", [None, "U2", "U3", "U4"])
@pytest.mark.parametrize("position", [None, 1, 2, 3, 4])
def test_no_line_whatever_its_shape_completes_before_every_agreement_reviewer_agreed(session_factory, final, position):
    make_project(session_factory)
    draft = Draft(title="t", approvers=("U2", "U3", "U4"), agreement=("U5", "U6"), agreement_position=position)
    draft = Draft(**{**draft.__dict__, "final": final})
    try:
        with session_factory.begin() as s:
            info = approvals.create(s, TEAM, REQUESTER, "P", draft, now=MON)
    except DomainError as error:
        assert error.code in ("approval.after_final", "approval.agreement_after_final")
        return
    while (now := get(session_factory, info.id)).status is RequestStatus.PENDING:
        for step in now.current:
            assert decide(session_factory, step.approver, step.id).outcome is Outcome.DECIDED
    agreement = [s for s in now.steps if s.kind is StepKind.AGREE]
    assert now.status is RequestStatus.APPROVED
    assert all(s.status is StepStatus.APPROVED for s in agreement)
    assert all(s.status is not StepStatus.SKIPPED for s in now.steps)


def test_an_agreement_group_at_position_one_is_pending_as_a_whole(session_factory):
    make_project(session_factory)

    info = request(session_factory, ("U2",), agreement=("U5", "U6"), agreement_position=1)

    assert statuses(info) == {"U5": StepStatus.PENDING, "U6": StepStatus.PENDING, "U2": StepStatus.WAITING}
    assert {s.kind for s in info.current} == {StepKind.AGREE}


def test_final_authority_is_flagged_on_that_step_only(session_factory):
    make_project(session_factory)

    info = request(session_factory, ("U2", "U3", "U4"), final="U4")

    assert {s.approver: s.final for s in info.steps} == {"U2": False, "U3": False, "U4": True}


def test_readers_are_stored_once_each_and_do_not_decide(session_factory):
    make_project(session_factory)

    info = request(session_factory, ("U2",), readers=("U7", "U8", "U7"))

    assert info.readers == ("U7", "U8")
    assert get(session_factory, info.id).readers == ("U7", "U8")
    assert {s.approver for s in info.steps} == {"U2"}


def test_title_spaces_are_collapsed_and_details_kept(session_factory):
    make_project(session_factory)

    info = request(session_factory, title="  협약안   결재  ", details=" 본문 ", due_date=FRIDAY)

    assert (info.title, info.details, info.due_date, info.created_at) == ("협약안 결재", "본문", FRIDAY, MON)


# --- create: refusals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("draft", "code"),
    [
        ({"approvers": ()}, "approval.no_approvers"),
        ({"approvers": ("U2", "U3", "U2")}, "approval.duplicate_approver"),
        ({"approvers": ("U2",), "agreement": ("U5", "U2")}, "approval.duplicate_approver"),
        ({"approvers": ("U2", "U1")}, "approval.self_in_line"),
        ({"approvers": ("U2",), "agreement": ("U1",)}, "approval.self_in_line"),
        ({"approvers": tuple(f"UA{n}" for n in range(11))}, "approval.line_too_long"),
        (
            {"approvers": tuple(f"UA{n}" for n in range(6)), "agreement": ("UB1", "UB2", "UB3", "UB4", "UB5")},
            "approval.line_too_long",
        ),
        ({"title": "   "}, "approval.title_missing"),
        ({"title": "가" * 201}, "approval.title_too_long"),
        ({"final": "U9"}, "approval.final_not_in_line"),
        ({"agreement": ("U5",), "final": "U5"}, "approval.final_not_in_line"),
    ],
    ids=[
        "no-approvers",
        "approver-twice",
        "approver-also-in-agreement",
        "requester-approves",
        "requester-agrees",
        "eleven-approvers",
        "eleven-with-agreement",
        "empty-title",
        "title-201",
        "final-outside-line",
        "final-is-a-reviewer",
    ],
)
def test_an_invalid_draft_is_refused_and_nothing_is_stored(session_factory, draft, code):
    make_project(session_factory)
    before = snapshot(session_factory)
    fields = {"title": "결재", "approvers": ("U2", "U3"), **draft}

    error = refused(session_factory, lambda s: approvals.create(s, TEAM, REQUESTER, "P", Draft(**fields), now=MON))

    assert error.code == code
    assert snapshot(session_factory) == before


def test_the_limits_themselves_are_allowed(session_factory):
    make_project(session_factory)

    info = request(
        session_factory,
        tuple(f"UA{n}" for n in range(approvals.LINE_MAX - 2)),
        agreement=("UB1", "UB2"),
        title="가" * approvals.TITLE_MAX,
    )

    assert len(info.steps) == approvals.LINE_MAX and len(info.title) == approvals.TITLE_MAX


def test_a_non_member_cannot_request(session_factory):
    make_project(session_factory)

    error = refused(
        session_factory, lambda s: approvals.create(s, TEAM, OUTSIDER, "P", Draft("결재", ("U2",)), now=MON)
    )

    assert (error.code, error.params) == ("approval.not_member", {"key": "P"})
    assert count(session_factory, ApprovalRequest) == 0


def test_no_request_on_a_closed_or_unknown_project(session_factory):
    make_project(session_factory)
    with session_factory.begin() as s:
        projects.close(s, TEAM, REQUESTER, "P", is_admin=False, now=utcnow())

    closed = refused(
        session_factory, lambda s: approvals.create(s, TEAM, REQUESTER, "P", Draft("결재", ("U2",)), now=MON)
    )
    unknown = refused(
        session_factory, lambda s: approvals.create(s, TEAM, REQUESTER, "X", Draft("결재", ("U2",)), now=MON)
    )

    assert (closed.code, unknown.code) == ("project.closed", "project.not_found")
    assert count(session_factory, ApprovalRequest) == 0


# --- create: who is told ------------------------------------------------------------------------


def test_creating_asks_each_first_approver_and_nobody_later(session_factory):
    make_project(session_factory)

    info = request(session_factory, ("U2",), agreement=("U5", "U6"), agreement_position=1)

    asks = messages(session_factory, "approval.ask")
    assert [(m.recipient, m.payload) for m in asks] == [
        ("U5", {"request_id": info.id, "step_id": step_of(info, "U5").id}),
        ("U6", {"request_id": info.id, "step_id": step_of(info, "U6").id}),
    ]


def test_creating_gives_the_requester_a_status_card_and_refreshes_their_home(session_factory):
    make_project(session_factory)
    looking_at_home(session_factory, TEAM, "U1")

    info = request(session_factory)

    [status] = messages(session_factory, "approval.status")
    assert (status.recipient, status.payload) == ("U1", {"request_id": info.id})
    homes = [m.recipient for m in messages(session_factory, "home.refresh") if f"approval:{info.id}" in m.dedupe_key]
    assert "U1" in homes


def test_creating_refreshes_the_home_of_each_first_approver(session_factory):
    make_project(session_factory)
    looking_at_home(session_factory, TEAM, "U2", "U5", "U6")

    info = request(session_factory, ("U2",), agreement=("U5", "U6"), agreement_position=1)

    homes = {m.recipient for m in messages(session_factory, "home.refresh") if f"approval:{info.id}" in m.dedupe_key}
    assert {"U5", "U6"} <= homes


def test_creating_is_audited_with_the_line(session_factory):
    make_project(session_factory)

    info = request(session_factory, ("U2", "U3"), agreement=("U5", "U6"), agreement_position=2)

    [event] = audit_rows(session_factory, "approval.requested")
    assert (event.actor, event.subject_type, event.subject_id) == ("U1", "approval_request", info.id)
    assert event.detail["line"] == [["U2"], ["U5", "U6"], ["U3"]]
    assert (event.detail["key"], event.detail["title"], event.detail["resubmission_of"]) == ("P", info.title, None)


# --- decide: approving --------------------------------------------------------------------------


def test_approving_moves_to_the_next_position_and_asks_only_its_approver(session_factory):
    make_project(session_factory)
    info = request(session_factory, ("U2", "U3", "U4"))

    result = decide(session_factory, "U2", step_of(info, "U2").id, comment=" 이견 없음 ")

    assert result.outcome is Outcome.DECIDED
    assert (result.step.status, result.step.decided_by, result.step.decided_at, result.step.comment) == (
        StepStatus.APPROVED,
        "U2",
        MON_NOON,
        "이견 없음",
    )
    now = get(session_factory, info.id)
    assert statuses(now) == {"U2": StepStatus.APPROVED, "U3": StepStatus.PENDING, "U4": StepStatus.WAITING}
    assert (now.status, now.position) == (RequestStatus.PENDING, 2)
    assert recipients(session_factory, "approval.ask") == ["U2", "U3"]
    [ask] = messages(session_factory, "approval.ask")[1:]
    assert ask.payload == {"request_id": info.id, "step_id": step_of(info, "U3").id}
    [event] = audit_rows(session_factory, "approval.approved")
    assert (event.actor, event.detail["step"], event.detail["on_behalf_of"]) == ("U2", step_of(info, "U2").id, None)


def test_an_agreement_group_advances_only_when_every_reviewer_has_agreed(session_factory):
    make_project(session_factory)
    info = request(session_factory, ("U2", "U3"), agreement=("U5", "U6"), agreement_position=2)
    decide(session_factory, "U2", step_of(info, "U2").id)
    assert sorted(recipients(session_factory, "approval.ask")) == ["U2", "U5", "U6"]

    decide(session_factory, "U5", step_of(info, "U5").id)

    half = get(session_factory, info.id)
    assert (statuses(half)["U6"], statuses(half)["U3"], half.position) == (StepStatus.PENDING, StepStatus.WAITING, 2)
    assert "U3" not in recipients(session_factory, "approval.ask")

    decide(session_factory, "U6", step_of(info, "U6").id)

    done = get(session_factory, info.id)
    assert (statuses(done)["U3"], done.position) == (StepStatus.PENDING, 3)
    assert recipients(session_factory, "approval.ask").count("U3") == 1


def test_the_last_approval_completes_the_request_and_tells_requester_readers_and_channel(session_factory):
    make_project(session_factory, channel="C9")
    info = request(session_factory, ("U2", "U3"), readers=("U7", "U8"))
    decide(session_factory, "U2", step_of(info, "U2").id)
    assert messages(session_factory, "approval.completed") == []

    result = decide(session_factory, "U3", step_of(info, "U3").id, now=TUE)

    assert result.outcome is Outcome.DECIDED
    done = get(session_factory, info.id)
    assert (done.status, done.closed_at) == (RequestStatus.APPROVED, TUE)
    assert set(statuses(done).values()) == {StepStatus.APPROVED}
    assert sorted(recipients(session_factory, "approval.completed")) == ["U1", "U7", "U8"]
    [record] = messages(session_factory, "approval.record")
    assert (record.recipient, record.payload) == ("C9", {"request_id": info.id})
    [completed] = audit_rows(session_factory, "approval.completed")
    assert (completed.actor, completed.subject_id, completed.detail["final"]) == ("system", info.id, None)


def test_a_project_without_a_channel_gets_no_record(session_factory):
    make_project(session_factory, channel=None)
    info = request(session_factory, ("U2",))

    decide(session_factory, "U2", step_of(info, "U2").id)

    assert get(session_factory, info.id).status is RequestStatus.APPROVED
    assert messages(session_factory, "approval.record") == []
    assert recipients(session_factory, "approval.completed") == ["U1"]


def test_final_authority_completes_the_line_once_agreement_is_in(session_factory):
    make_project(session_factory)
    info = request(session_factory, ("U2", "U3"), agreement=("U5",), final="U3", readers=("U7",))
    decide(session_factory, "U2", step_of(info, "U2").id)
    assert decide(session_factory, "U3", step_of(info, "U3").id).outcome is Outcome.NOT_YET  # 합의 first
    decide(session_factory, "U5", step_of(info, "U5").id)

    result = decide(session_factory, "U3", step_of(info, "U3").id, now=TUE)

    assert result.outcome is Outcome.DECIDED
    done = get(session_factory, info.id)
    assert (done.status, done.closed_at) == (RequestStatus.APPROVED, TUE)
    assert statuses(done) == {"U2": StepStatus.APPROVED, "U5": StepStatus.APPROVED, "U3": StepStatus.APPROVED}
    assert sorted(recipients(session_factory, "approval.completed")) == ["U1", "U7"]
    [completed] = audit_rows(session_factory, "approval.completed")
    assert completed.detail["final"] == step_of(info, "U3").id and completed.actor == "system"
    assert [e.detail["step"] for e in audit_rows(session_factory, "approval.agreed")] == [step_of(info, "U5").id]


# --- decide: returning (반려) --------------------------------------------------------------------


def test_returning_needs_a_reason_and_changes_nothing_without_one(session_factory):
    make_project(session_factory)
    info = request(session_factory)
    before = snapshot(session_factory)

    error = refused(
        session_factory,
        lambda s: approvals.decide(s, TEAM, "U2", step_of(info, "U2").id, Decision.REJECT, now=MON_NOON, comment=" "),
    )

    assert error.code == "approval.reason_missing"
    assert snapshot(session_factory) == before


def test_returning_closes_the_request_with_the_reason_and_later_steps_are_never_asked(session_factory):
    make_project(session_factory)
    info = request(session_factory, ("U2", "U3", "U4"))
    decide(session_factory, "U2", step_of(info, "U2").id)

    result = decide(session_factory, "U3", step_of(info, "U3").id, Decision.REJECT, now=TUE, comment=" 예산 근거 보완 ")

    assert result.outcome is Outcome.DECIDED
    back = get(session_factory, info.id)
    assert (back.status, back.reason, back.closed_at) == (RequestStatus.REJECTED, "예산 근거 보완", TUE)
    assert statuses(back) == {"U2": StepStatus.APPROVED, "U3": StepStatus.REJECTED, "U4": StepStatus.SKIPPED}
    assert "U4" not in recipients(session_factory, "approval.ask")
    [returned] = messages(session_factory, "approval.returned")
    assert (returned.recipient, returned.payload) == ("U1", {"request_id": info.id, "step_id": step_of(info, "U3").id})
    [event] = audit_rows(session_factory, "approval.rejected")
    assert (event.actor, event.detail["comment"]) == ("U3", "예산 근거 보완")
    assert messages(session_factory, "approval.completed") == []


def test_one_reviewer_returning_ends_an_agreement_step_for_the_others(session_factory):
    make_project(session_factory)
    info = request(session_factory, ("U2",), agreement=("U5", "U6"), agreement_position=1)

    decide(session_factory, "U5", step_of(info, "U5").id, Decision.REJECT, comment="협의 필요")

    back = get(session_factory, info.id)
    assert statuses(back) == {"U5": StepStatus.REJECTED, "U6": StepStatus.SKIPPED, "U2": StepStatus.SKIPPED}
    assert decide(session_factory, "U6", step_of(info, "U6").id).outcome is Outcome.CLOSED
    assert "U2" not in recipients(session_factory, "approval.ask")


# --- exactly once, and only by the right person -------------------------------------------------


@pytest.mark.parametrize("intruder", ["U1", "U3", "U7"], ids=["requester", "later-approver", "reader"])
def test_someone_elses_click_is_not_yours_and_changes_nothing(session_factory, intruder):
    make_project(session_factory)
    info = request(session_factory, ("U2", "U3"), readers=("U7",))
    before = snapshot(session_factory)

    result = decide(session_factory, intruder, step_of(info, "U2").id)

    assert result.outcome is Outcome.NOT_YOURS
    assert result.step.status is StepStatus.PENDING
    assert snapshot(session_factory) == before


@pytest.mark.parametrize("outsider", ["U9", "U4"], ids=["outside-the-project", "project-member-not-on-it"])
def test_an_outsiders_click_finds_nothing_and_reveals_nothing(session_factory, outsider):
    make_project(session_factory)
    info = request(session_factory, ("U2", "U3"), readers=("U7",))
    before = snapshot(session_factory)

    error = refused(
        session_factory,
        lambda s: approvals.decide(s, TEAM, outsider, step_of(info, "U2").id, Decision.APPROVE, now=MON),
    )
    unknown = refused(session_factory, lambda s: approvals.decide(s, TEAM, outsider, 999, Decision.APPROVE, now=MON))

    assert (error.code, unknown.code) == ("approval.not_found", "approval.not_found")  # the same as no such step
    assert snapshot(session_factory) == before


def test_a_second_click_by_the_same_approver_is_already_decided_and_says_who_and_when(session_factory):
    make_project(session_factory)
    info = request(session_factory, ("U2", "U3"))
    step = step_of(info, "U2").id
    decide(session_factory, "U2", step, now=MON_NOON)
    before = snapshot(session_factory)

    again = decide(session_factory, "U2", step, now=TUE)
    rejecting = decide(session_factory, "U2", step, Decision.REJECT, now=TUE, comment="취소")

    assert (again.outcome, rejecting.outcome) == (Outcome.ALREADY_DECIDED, Outcome.ALREADY_DECIDED)
    assert (again.step.decided_by, again.step.decided_at, again.step.status) == ("U2", MON_NOON, StepStatus.APPROVED)
    assert snapshot(session_factory) == before
    assert len(audit_rows(session_factory, "approval.approved")) == 1
    assert get(session_factory, info.id).status is RequestStatus.PENDING


def test_a_later_approver_clicking_before_their_turn_is_not_yet(session_factory):
    make_project(session_factory)
    info = request(session_factory, ("U2", "U3"))
    before = snapshot(session_factory)

    result = decide(session_factory, "U3", step_of(info, "U3").id)

    assert (result.outcome, result.step.status) == (Outcome.NOT_YET, StepStatus.WAITING)
    assert snapshot(session_factory) == before


def test_a_click_after_withdrawal_is_closed(session_factory):
    make_project(session_factory)
    info = request(session_factory, ("U2", "U3"))
    with session_factory.begin() as s:
        approvals.withdraw(s, TEAM, REQUESTER, info.id, now=MON)
    before = snapshot(session_factory)

    result = decide(session_factory, "U2", step_of(info, "U2").id)

    assert (result.outcome, result.request.status) == (Outcome.CLOSED, RequestStatus.WITHDRAWN)
    assert snapshot(session_factory) == before


def test_a_click_after_the_request_was_returned_is_closed(session_factory):
    make_project(session_factory)
    info = request(session_factory, ("U2", "U3"))
    decide(session_factory, "U2", step_of(info, "U2").id, Decision.REJECT, comment="재검토")
    before = snapshot(session_factory)

    result = decide(session_factory, "U3", step_of(info, "U3").id)

    assert (result.outcome, result.step.status) == (Outcome.CLOSED, StepStatus.SKIPPED)
    assert snapshot(session_factory) == before


def test_a_step_of_another_team_is_not_found_and_left_alone(session_factory):
    make_project(session_factory, team=OTHER_TEAM)
    theirs = request(session_factory, ("U2",), team=OTHER_TEAM)
    before = snapshot(session_factory)

    error = refused(
        session_factory,
        lambda s: approvals.decide(s, TEAM, "U2", step_of(theirs, "U2").id, Decision.APPROVE, now=MON_NOON),
    )
    missing = refused(
        session_factory, lambda s: approvals.decide(s, TEAM, "U2", 999_999, Decision.APPROVE, now=MON_NOON)
    )

    assert (error.code, missing.code) == ("approval.not_found", "approval.not_found")
    assert snapshot(session_factory) == before
    with session_factory() as s, pytest.raises(DomainError) as other_team_get:
        approvals.get(s, TEAM, theirs.id)
    assert other_team_get.value.code == "approval.not_found"


# --- withdraw (회수) -----------------------------------------------------------------------------


def test_only_the_requester_may_withdraw(session_factory):
    make_project(session_factory)
    info = request(session_factory)

    error = refused(session_factory, lambda s: approvals.withdraw(s, TEAM, "U2", info.id, now=MON))

    assert error.code == "approval.not_requester"
    assert get(session_factory, info.id).status is RequestStatus.PENDING


def test_withdrawal_is_too_late_once_anyone_has_decided(session_factory):
    make_project(session_factory)
    approved = request(session_factory, ("U2", "U3"))
    decide(session_factory, "U2", step_of(approved, "U2").id)
    agreed = request(session_factory, ("U2",), agreement=("U5", "U6"), agreement_position=1)
    decide(session_factory, "U5", step_of(agreed, "U5").id)  # one of two reviewers, still at position 1
    returned = request(session_factory, ("U2",))
    decide(session_factory, "U2", step_of(returned, "U2").id, Decision.REJECT, comment="보완")

    codes = [
        refused(session_factory, lambda s, i=i: approvals.withdraw(s, TEAM, REQUESTER, i.id, now=TUE)).code
        for i in (approved, agreed, returned)
    ]

    assert codes == ["approval.too_late_to_withdraw"] * 3
    assert get(session_factory, approved.id).status is RequestStatus.PENDING
    assert get(session_factory, agreed.id).status is RequestStatus.PENDING


def test_withdrawing_skips_every_step_and_refreshes_every_card(session_factory):
    make_project(session_factory)
    looking_at_home(session_factory, TEAM, "U1", "U2", "U3")
    info = request(session_factory, ("U2", "U3"))
    homes_redrawn(session_factory)

    with session_factory.begin() as s:
        withdrawn = approvals.withdraw(s, TEAM, REQUESTER, info.id, now=MON_NOON)

    assert (withdrawn.status, withdrawn.closed_at) == (RequestStatus.WITHDRAWN, MON_NOON)
    assert set(statuses(get(session_factory, info.id)).values()) == {StepStatus.SKIPPED}
    cards = sorted(m.payload["card"] for m in messages(session_factory, "approval.refresh"))
    assert cards == sorted([f"approval:{info.id}:status", f"approval:{info.id}:ask:{step_of(info, 'U2').id}:U2"])
    homes = {m.recipient for m in messages(session_factory, "home.refresh") if "withdrawn" in m.dedupe_key}
    assert homes == {"U1", "U2", "U3"}
    [event] = audit_rows(session_factory, "approval.withdrawn")
    assert (event.actor, event.subject_id) == ("U1", info.id)


def test_withdrawing_again_changes_nothing(session_factory):
    make_project(session_factory)
    info = request(session_factory)
    with session_factory.begin() as s:
        approvals.withdraw(s, TEAM, REQUESTER, info.id, now=MON_NOON)
    before = snapshot(session_factory)

    with session_factory.begin() as s:
        again = approvals.withdraw(s, TEAM, REQUESTER, info.id, now=TUE)

    assert (again.status, again.closed_at) == (RequestStatus.WITHDRAWN, MON_NOON)
    assert snapshot(session_factory) == before


def test_withdrawing_tells_those_asked_and_the_readers_but_not_later_approvers(session_factory):
    make_project(session_factory)
    info = request(session_factory, ("U2", "U3"), agreement=("U5", "U6"), agreement_position=1, readers=("U7",))

    with session_factory.begin() as s:
        approvals.withdraw(s, TEAM, REQUESTER, info.id, now=MON_NOON)
    with session_factory.begin() as s:
        approvals.withdraw(s, TEAM, REQUESTER, info.id, now=TUE)  # a replay: nothing queued twice

    told = {m.recipient: m.payload for m in messages(session_factory, "approval.withdrawn")}
    assert told == {
        "U5": {"request_id": info.id, "step_id": step_of(info, "U5").id},
        "U6": {"request_id": info.id, "step_id": step_of(info, "U6").id},
        "U7": {"request_id": info.id},  # 참조: no step of theirs
    }
    assert len(messages(session_factory, "approval.withdrawn")) == 3


def test_withdrawing_tells_both_the_proxy_asked_and_the_approver_who_is_away(session_factory):
    make_project(session_factory)
    away(session_factory, "U2", "U8")
    info = request(session_factory, ("U2", "U3"))

    with session_factory.begin() as s:
        approvals.withdraw(s, TEAM, REQUESTER, info.id, now=MON_NOON)

    step = step_of(info, "U2").id
    told = {m.recipient: m.payload for m in messages(session_factory, "approval.withdrawn")}
    assert told == {"U8": {"request_id": info.id, "step_id": step}, "U2": {"request_id": info.id, "step_id": step}}


# --- 이견 on a 합의 step ------------------------------------------------------------------------


def test_a_disagreement_is_told_to_everyone_who_already_approved_or_agreed(session_factory):
    make_project(session_factory)
    info = request(session_factory, ("U2", "U3"), agreement=("U5", "U6"), agreement_position=3, readers=("U7",))
    decide(session_factory, "U2", step_of(info, "U2").id)
    decide(session_factory, "U3", step_of(info, "U3").id)
    decide(session_factory, "U5", step_of(info, "U5").id)

    decide(session_factory, "U6", step_of(info, "U6").id, Decision.REJECT, comment="예산 협의 필요")
    decide(session_factory, "U6", step_of(info, "U6").id, Decision.REJECT, comment="예산 협의 필요")  # a replay

    told = messages(session_factory, "approval.disagreed")
    assert sorted(m.recipient for m in told) == ["U2", "U3", "U5"]
    assert {m.payload["step_id"] for m in told} == {step_of(info, "U6").id}
    assert recipients(session_factory, "approval.returned") == [REQUESTER]


def test_a_proxy_who_approved_is_told_of_a_later_disagreement_as_well_as_the_approver(session_factory):
    make_project(session_factory)
    info = request(session_factory, ("U2",), agreement=("U5",), agreement_position=2)
    away(session_factory, "U2", "U8", now=MON)
    decide(session_factory, "U8", step_of(info, "U2").id)

    decide(session_factory, "U5", step_of(info, "U5").id, Decision.REJECT, comment="협의 필요")

    assert sorted(recipients(session_factory, "approval.disagreed")) == ["U2", "U8"]


def test_an_approver_returning_a_request_tells_no_earlier_approver(session_factory):
    make_project(session_factory)
    info = request(session_factory, ("U2", "U3"))
    decide(session_factory, "U2", step_of(info, "U2").id)

    decide(session_factory, "U3", step_of(info, "U3").id, Decision.REJECT, comment="근거 보완")

    assert messages(session_factory, "approval.disagreed") == []


# --- resubmission -------------------------------------------------------------------------------


def test_a_returned_request_is_resubmitted_by_its_requester_and_keeps_the_history(session_factory):
    make_project(session_factory)
    first = request(session_factory, ("U2", "U3"))
    decide(session_factory, "U2", step_of(first, "U2").id, Decision.REJECT, comment="근거 보완")

    second = request(session_factory, ("U2", "U3"), now=TUE, title="협약안 결재 (보완)", resubmission_of=first.id)

    assert (second.resubmission_of, second.status, second.id != first.id) == (first.id, RequestStatus.PENDING, True)
    assert get(session_factory, first.id).status is RequestStatus.REJECTED
    with session_factory() as s:
        trail = approvals.history(s, TEAM, second.id)
    assert [(e.action, e.detail["request"]) for e in trail] == [
        ("approval.requested", first.id),
        ("approval.rejected", first.id),
        ("approval.requested", second.id),
    ]
    assert trail[1].actor == "U2" and trail[1].detail["comment"] == "근거 보완"
    assert trail[2].detail["resubmission_of"] == first.id


def test_a_withdrawn_request_can_be_resubmitted_too(session_factory):
    make_project(session_factory)
    first = request(session_factory)
    with session_factory.begin() as s:
        approvals.withdraw(s, TEAM, REQUESTER, first.id, now=MON)

    second = request(session_factory, resubmission_of=first.id)

    assert second.resubmission_of == first.id


@pytest.mark.parametrize("who", ["U2", "U1"], ids=["someone-else", "requester-while-pending"])
def test_resubmission_is_refused_to_others_and_of_a_request_still_running(session_factory, who):
    make_project(session_factory)
    first = request(session_factory, ("U3",))
    if who == "U2":
        decide(session_factory, "U3", step_of(first, "U3").id, Decision.REJECT, comment="보완")

    error = refused(
        session_factory,
        lambda s: approvals.create(s, TEAM, who, "P", Draft("재상신", ("U4",), resubmission_of=first.id), now=TUE),
    )

    assert (error.code, error.params) == ("approval.cannot_resubmit", {"id": first.id})
    assert count(session_factory, ApprovalRequest) == 1


# --- proxies (대결) ------------------------------------------------------------------------------


def test_while_away_a_step_falling_to_the_approver_goes_to_the_proxy_and_the_approver_is_told(session_factory):
    make_project(session_factory)
    info = request(session_factory, ("U2", "U3"))
    away(session_factory, "U3", "U8", until=FRIDAY)

    decide(session_factory, "U2", step_of(info, "U2").id)

    step = step_of(info, "U3").id
    assert recipients(session_factory, "approval.ask") == ["U2", "U8"]
    assert messages(session_factory, "approval.ask")[-1].payload == {"request_id": info.id, "step_id": step}
    [told] = messages(session_factory, "approval.proxy_asked")
    assert (told.recipient, told.payload) == ("U3", {"request_id": info.id, "proxy": "U8"})


def test_a_request_created_during_an_absence_asks_the_proxy(session_factory):
    make_project(session_factory)
    away(session_factory, "U2", "U8")

    request(session_factory, ("U2", "U3"))

    assert recipients(session_factory, "approval.ask") == ["U8"]
    assert recipients(session_factory, "approval.proxy_asked") == ["U2"]


def test_a_step_already_pending_when_the_absence_starts_goes_to_the_proxy(session_factory):
    make_project(session_factory)
    info = request(session_factory, ("U2", "U3"))

    away(session_factory, "U2", "U8", until=FRIDAY, now=MON_NOON)

    assert recipients(session_factory, "approval.ask") == ["U2", "U8"]
    [told] = messages(session_factory, "approval.proxy_asked")
    assert (told.recipient, told.payload["proxy"]) == ("U2", "U8")
    [event] = audit_rows(session_factory, "approval.away")
    assert (event.actor, event.detail) == ("U2", {"proxy": "U8", "until": "2026-11-27"})
    assert decide(session_factory, "U8", step_of(info, "U2").id).outcome is Outcome.DECIDED


def test_the_proxys_decision_is_recorded_as_theirs_on_behalf_of_the_approver_who_is_told(session_factory):
    make_project(session_factory)
    info = request(session_factory, ("U2", "U3"))
    away(session_factory, "U2", "U8", until=FRIDAY)
    step = step_of(info, "U2").id

    result = decide(session_factory, "U8", step, now=TUE)

    assert result.outcome is Outcome.DECIDED
    assert (result.step.approver, result.step.decided_by, result.step.decided_at) == ("U2", "U8", TUE)
    [event] = audit_rows(session_factory, "approval.approved")
    assert (event.actor, event.detail["on_behalf_of"]) == ("U8", "U2")
    [told] = messages(session_factory, "approval.decided_for_you")
    assert (told.recipient, told.payload) == ("U2", {"request_id": info.id, "step_id": step, "proxy": "U8"})
    assert statuses(get(session_factory, info.id))["U3"] is StepStatus.PENDING


def test_a_proxy_can_return_a_request_on_behalf_of_the_approver(session_factory):
    make_project(session_factory)
    info = request(session_factory, ("U2", "U3"))
    away(session_factory, "U2", "U8")

    decide(session_factory, "U8", step_of(info, "U2").id, Decision.REJECT, comment="대결: 보완 요망")

    back = get(session_factory, info.id)
    assert (back.status, back.reason, step_of(back, "U2").decided_by) == (
        RequestStatus.REJECTED,
        "대결: 보완 요망",
        "U8",
    )
    assert recipients(session_factory, "approval.decided_for_you") == ["U2"]
    assert recipients(session_factory, "approval.returned") == ["U1"]


def test_the_proxy_only_stands_in_for_the_absent_approver(session_factory):
    make_project(session_factory)
    info = request(session_factory, ("U2", "U3"))
    away(session_factory, "U3", "U8")

    assert decide(session_factory, "U8", step_of(info, "U2").id).outcome is Outcome.NOT_YOURS


def test_after_coming_back_the_proxy_is_refused_and_the_approver_decides(session_factory):
    make_project(session_factory)
    info = request(session_factory, ("U2", "U3"))
    away(session_factory, "U2", "U8", until=FRIDAY)
    with session_factory.begin() as s:
        assert approvals.set_back(s, TEAM, "U2", now=MON_NOON) is True
    with session_factory.begin() as s:
        assert approvals.set_back(s, TEAM, "U2", now=MON_NOON) is False  # not away any more
    before = snapshot(session_factory)

    stale = decide(session_factory, "U8", step_of(info, "U2").id)

    assert stale.outcome is Outcome.NOT_YOURS
    assert snapshot(session_factory) == before
    assert decide(session_factory, "U2", step_of(info, "U2").id).outcome is Outcome.DECIDED
    assert len(audit_rows(session_factory, "approval.back")) == 1


def test_the_absence_lasts_through_its_until_day_and_not_after(session_factory):
    make_project(session_factory)
    one = request(session_factory, ("U2",))
    two = request(session_factory, ("U2",))
    away(session_factory, "U2", "U8", until=MON.date())

    on_the_day = decide(session_factory, "U8", step_of(one, "U2").id, now=MON + timedelta(hours=12))
    the_day_after = decide(session_factory, "U8", step_of(two, "U2").id, now=TUE)

    assert (on_the_day.outcome, the_day_after.outcome) == (Outcome.DECIDED, Outcome.NOT_YOURS)
    assert step_of(get(session_factory, two.id), "U2").status is StepStatus.PENDING


def test_one_cannot_be_ones_own_proxy_or_be_away_until_a_past_day(session_factory):
    make_project(session_factory)

    itself = refused(session_factory, lambda s: approvals.set_away(s, TEAM, "U2", "U2", None, now=MON))
    past = refused(session_factory, lambda s: approvals.set_away(s, TEAM, "U2", "U8", date(2026, 11, 22), now=MON))

    assert (itself.code, past.code) == ("approval.proxy_is_self", "approval.until_past")
    assert past.params == {"until": "2026-11-22"}
    with session_factory() as s:
        assert approvals.absence_of(s, TEAM, "U2", now=MON) is None
    away(session_factory, "U2", "U8", until=MON.date())  # today itself is fine
    with session_factory() as s:
        assert approvals.absence_of(s, TEAM, "U2", now=MON) == ("U8", MON.date())


def test_a_new_absence_replaces_the_old_proxy(session_factory):
    make_project(session_factory)
    info = request(session_factory, ("U2", "U3"))
    away(session_factory, "U2", "U8")
    away(session_factory, "U2", "U7", now=MON_NOON)

    assert decide(session_factory, "U8", step_of(info, "U2").id).outcome is Outcome.NOT_YOURS
    assert recipients(session_factory, "approval.ask") == ["U2", "U8", "U7"]
    assert decide(session_factory, "U7", step_of(info, "U2").id).outcome is Outcome.DECIDED


def test_waiting_for_lists_the_steps_a_proxy_stands_in_for(session_factory):
    make_project(session_factory)
    info = request(session_factory, ("U2", "U3"))
    own = request(session_factory, ("U8",))
    away(session_factory, "U2", "U8", until=FRIDAY)

    assert waiting(session_factory, "U8") == [(info.id, "U2", "U2"), (own.id, "U8", None)]
    assert waiting(session_factory, "U2") == [(info.id, "U2", None)]  # the approver may still decide
    assert waiting(session_factory, "U8", now=datetime(2026, 11, 28, 1, 0, tzinfo=UTC)) == [(own.id, "U8", None)]
    with session_factory.begin() as s:
        approvals.set_back(s, TEAM, "U2", now=TUE)
    assert waiting(session_factory, "U8") == [(own.id, "U8", None)]


def test_the_requester_cannot_approve_their_own_request_as_a_proxy(session_factory):
    make_project(session_factory)
    info = request(session_factory, ("U2", "U3"))
    away(session_factory, "U2", REQUESTER)

    with session_factory.begin() as s:
        try:
            outcome = approvals.decide(s, TEAM, REQUESTER, step_of(info, "U2").id, Decision.APPROVE, now=MON_NOON)
        except DomainError:
            outcome = None

    assert outcome is None or outcome.outcome is not Outcome.DECIDED
    assert step_of(get(session_factory, info.id), "U2").status is StepStatus.PENDING


# --- comments (의견) -----------------------------------------------------------------------------


def comment(sf, actor: str, request_id: int, text: str, step_id: int | None = None) -> RequestInfo:
    with sf.begin() as s:
        return approvals.comment(s, TEAM, actor, request_id, text, step_id=step_id, now=utcnow())


def test_comments_are_kept_with_the_request_in_order_from_everyone_involved(session_factory):
    make_project(session_factory)
    info = request(session_factory, ("U2", "U3"), readers=("U7",))
    away(session_factory, "U3", "U8")  # no `until`: comment() reads the real date, not a frozen one
    step = step_of(info, "U2").id

    comment(session_factory, "U1", info.id, "첨부 확인 부탁드립니다")
    comment(session_factory, "U2", info.id, " 2쪽 수치 확인 ", step_id=step)
    comment(session_factory, "U7", info.id, "참조했습니다")
    last = comment(session_factory, "U8", info.id, "대결자 의견")

    assert [(c.author, c.text, c.step_id) for c in last.comments] == [
        ("U1", "첨부 확인 부탁드립니다", None),
        ("U2", "2쪽 수치 확인", step),
        ("U7", "참조했습니다", None),
        ("U8", "대결자 의견", None),
    ]
    assert get(session_factory, info.id).comments == last.comments
    assert [e.actor for e in audit_rows(session_factory, "approval.commented")] == ["U1", "U2", "U7", "U8"]


def test_a_comment_over_the_limit_is_refused_with_its_length_and_one_at_the_limit_kept_whole(session_factory):
    make_project(session_factory)
    info = request(session_factory)

    with pytest.raises(DomainError) as refused:
        comment(session_factory, "U2", info.id, "가" * 5000)
    kept = comment(session_factory, "U2", info.id, "가" * approvals.COMMENT_MAX)

    assert refused.value.params == {"limit": approvals.COMMENT_MAX, "length": 5000}
    assert kept.comments[0].text == "가" * approvals.COMMENT_MAX


@pytest.mark.parametrize(
    ("actor", "text", "code"),
    [
        ("U9", "끼어들기", "approval.not_found"),
        ("U4", "같은 과제 구성원", "approval.not_found"),
        ("U2", "  ", "approval.comment_missing"),
    ],
    ids=["outsider", "project-member-not-on-request", "empty"],
)
def test_comments_from_outsiders_or_without_text_are_refused(session_factory, actor, text, code):
    make_project(session_factory)
    info = request(session_factory)
    before = snapshot(session_factory)

    error = refused(session_factory, lambda s: approvals.comment(s, TEAM, actor, info.id, text, now=utcnow()))

    assert error.code == code
    assert snapshot(session_factory) == before


def test_a_comment_cannot_name_a_step_of_another_request(session_factory):
    make_project(session_factory)
    mine = request(session_factory, ("U2",))
    other = request(session_factory, ("U2",))

    with pytest.raises(DomainError), session_factory.begin() as s:
        approvals.comment(s, TEAM, "U2", mine.id, "엉뚱한 단계", step_id=step_of(other, "U2").id, now=utcnow())

    assert get(session_factory, mine.id).comments == ()


# --- lists --------------------------------------------------------------------------------------


def test_waiting_for_lists_only_steps_whose_turn_has_come(session_factory):
    make_project(session_factory)
    a = request(session_factory, ("U2", "U3"))
    b = request(session_factory, ("U3", "U2"))
    c = request(session_factory, ("U2",))
    decide(session_factory, "U2", step_of(c, "U2").id, Decision.REJECT, comment="반려")

    assert waiting(session_factory, "U2") == [(a.id, "U2", None)]
    assert waiting(session_factory, "U3") == [(b.id, "U3", None)]

    decide(session_factory, "U2", step_of(a, "U2").id)

    assert waiting(session_factory, "U2") == []
    assert waiting(session_factory, "U3") == [(a.id, "U3", None), (b.id, "U3", None)]
    assert waiting(session_factory, "U404") == []


def test_requested_by_lists_my_requests_newest_first_with_their_state(session_factory):
    make_project(session_factory)
    first = request(session_factory, ("U2",))
    second = request(session_factory, ("U3",))
    request(session_factory, ("U4",), actor="U2")  # someone else's
    decide(session_factory, "U2", step_of(first, "U2").id)

    with session_factory() as s:
        mine = approvals.requested_by(s, TEAM, REQUESTER)
        latest = approvals.requested_by(s, TEAM, REQUESTER, limit=1)
        nobodys = approvals.requested_by(s, TEAM, "U404")

    assert [(r.id, r.status) for r in mine] == [(second.id, RequestStatus.PENDING), (first.id, RequestStatus.APPROVED)]
    assert [r.id for r in latest] == [second.id]
    assert nobodys == []


def test_pending_requested_by_keeps_my_requests_still_on_their_line_oldest_first_with_where_each_waits(
    session_factory,
):
    make_project(session_factory)
    done = request(session_factory, ("U2",))
    at_second = request(session_factory, ("U2", "U3"))
    agreement = request(session_factory, ("U4",), agreement=("U5", "U6"), agreement_position=1)
    withdrawn = request(session_factory, ("U2",))
    request(session_factory, ("U4",), actor="U2")  # someone else's
    decide(session_factory, "U2", step_of(done, "U2").id)
    decide(session_factory, "U2", step_of(at_second, "U2").id)
    with session_factory.begin() as s:
        approvals.withdraw(s, TEAM, REQUESTER, withdrawn.id, now=MON_NOON)

    with session_factory() as s:
        mine = approvals.pending_requested_by(s, TEAM, REQUESTER, limit=8)
        first = approvals.pending_requested_by(s, TEAM, REQUESTER, limit=1)
        nobodys = approvals.pending_requested_by(s, TEAM, "U404", limit=8)

    assert mine.total == 2
    assert [(r.id, [c.approver for c in r.current]) for r in mine.shown] == [
        (at_second.id, ["U3"]),
        (agreement.id, ["U5", "U6"]),
    ]
    assert ([r.id for r in first.shown], first.total) == ([at_second.id], 2)
    assert (nobodys.shown, nobodys.total) == ([], 0)


# --- concurrency --------------------------------------------------------------------------------

THREADS = 8


def click_together(sf: sessionmaker[Session], clicks: list[tuple[str, int]]) -> list[Any]:
    """Each click in its own thread and transaction, all released at once; returns each outcome (or error).

    The transaction is the bot's own (models.db.write_transaction, as in handlers/deps.py): on PostgreSQL
    that is plain `sf.begin()`, so the clicks really race and meet the row lock; on SQLite it also takes
    the write lock at BEGIN (BEGIN IMMEDIATE, queued in-process), so the clicks queue. A bare deferred
    `sf.begin()` on SQLite fails the later writers with 'database is locked' (a WAL snapshot cannot be
    upgraded after another writer committed), which the bot never does."""
    barrier = threading.Barrier(len(clicks))
    outcomes: list[Any] = [None] * len(clicks)

    def click(index: int, actor: str, step_id: int) -> None:
        try:
            barrier.wait(timeout=10)
            with write_transaction(sf) as s:
                outcomes[index] = approvals.decide(s, TEAM, actor, step_id, Decision.APPROVE, now=MON_NOON).outcome
        except BaseException as error:  # handed to the test thread
            outcomes[index] = error

    threads = [threading.Thread(target=click, args=(n, actor, step)) for n, (actor, step) in enumerate(clicks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def new_messages(sf: sessionmaker[Session], before: dict[str, list]) -> Counter[tuple[str, str, str]]:
    """(kind, recipient, what about) of the outbox rows queued since `before`, with how many of each."""
    with sf() as s:
        rows = s.scalars(select(OutboxMessage)).all()

    def about(m: OutboxMessage) -> str:
        if "card" in m.payload:
            return m.payload["card"]
        return f"step:{m.payload['step_id']}" if "step_id" in m.payload else ""

    return Counter((m.kind, m.recipient, about(m)) for m in rows if m.dedupe_key not in before["outbox"])


def test_many_clicks_at_once_on_one_step_decide_it_once(session_factory):
    make_project(session_factory)
    looking_at_home(session_factory, TEAM, "U1", "U2", "U3")
    info = request(session_factory, ("U2", "U3"), readers=("U7",))
    step = step_of(info, "U2").id
    homes_redrawn(session_factory)
    before = snapshot(session_factory)
    clicks = [("U2", step)] * (THREADS - 2) + [("U7", step), ("U3", step)]  # the approver, a reader, a later one

    outcomes = click_together(session_factory, clicks)

    assert Counter(outcomes[: THREADS - 2]) == {Outcome.DECIDED: 1, Outcome.ALREADY_DECIDED: THREADS - 3}, outcomes
    assert outcomes[THREADS - 2 :] == [Outcome.NOT_YOURS, Outcome.NOT_YOURS]
    assert len(audit_rows(session_factory, "approval.approved")) == 1
    assert statuses(get(session_factory, info.id)) == {"U2": StepStatus.APPROVED, "U3": StepStatus.PENDING}
    u2, u3 = step, step_of(info, "U3").id
    assert new_messages(session_factory, before) == Counter(  # what one decision queues, once
        {
            ("approval.ask", "U3", f"step:{u3}"): 1,
            ("approval.refresh", "U1", f"approval:{info.id}:status"): 1,
            ("approval.refresh", "U2", f"approval:{info.id}:ask:{u2}:U2"): 1,
            ("approval.refresh", "U3", f"approval:{info.id}:ask:{u3}:U3"): 1,
            ("home.refresh", "U1", ""): 1,
            ("home.refresh", "U2", ""): 1,
            ("home.refresh", "U3", ""): 1,  # asked, and the change: one redraw waiting shows both
        }
    )


def test_two_reviewers_of_an_agreement_step_clicking_at_once_each_decide_their_own_once(session_factory):
    make_project(session_factory)
    looking_at_home(session_factory, TEAM, "U1", "U2", "U5", "U6")
    info = request(session_factory, ("U2",), agreement=("U5", "U6"), agreement_position=1)
    five, six = step_of(info, "U5").id, step_of(info, "U6").id
    homes_redrawn(session_factory)
    before = snapshot(session_factory)
    clicks = [("U5", five), ("U6", six)] * (THREADS // 2)

    outcomes = click_together(session_factory, clicks)

    assert Counter(outcomes[0::2]) == {Outcome.DECIDED: 1, Outcome.ALREADY_DECIDED: THREADS // 2 - 1}, outcomes
    assert Counter(outcomes[1::2]) == {Outcome.DECIDED: 1, Outcome.ALREADY_DECIDED: THREADS // 2 - 1}, outcomes
    agreed = audit_rows(session_factory, "approval.agreed")
    assert sorted(e.detail["step"] for e in agreed) == sorted([five, six])
    now = get(session_factory, info.id)
    assert (statuses(now), now.position) == (
        {"U5": StepStatus.APPROVED, "U6": StepStatus.APPROVED, "U2": StepStatus.PENDING},
        2,
    )
    added = new_messages(session_factory, before)
    asks = {key: n for key, n in added.items() if key[0] == "approval.ask"}
    assert asks == {("approval.ask", "U2", f"step:{step_of(info, 'U2').id}"): 1}  # asked once, whoever agreed last
    cards = {key: n for key, n in added.items() if key[0] != "home.refresh"}
    assert max(cards.values()) <= 2  # each card refreshed at most once per decision
    assert added[("home.refresh", "U2", "")] == 1  # asked, and a change per decision: one redraw shows them all


# --- card refreshes -----------------------------------------------------------------------------


def test_each_change_refreshes_the_requesters_card_and_every_approval_card_out(session_factory):
    make_project(session_factory)
    info = request(session_factory, ("U2", "U3"))

    comment(session_factory, "U3", info.id, "검토 중입니다")

    refreshes = sorted((m.recipient, m.payload["card"]) for m in messages(session_factory, "approval.refresh"))
    assert refreshes == [
        ("U1", f"approval:{info.id}:status"),
        ("U2", f"approval:{info.id}:ask:{step_of(info, 'U2').id}:U2"),
    ]


def test_refreshing_cards_does_not_refresh_earlier_refreshes(session_factory):
    make_project(session_factory)
    info = request(session_factory, ("U2", "U3"))
    changes = 5

    for n in range(changes):
        comment(session_factory, "U1", info.id, f"의견 {n}")

    with session_factory() as s:
        asks = set(s.scalars(select(OutboxMessage.dedupe_key).where(OutboxMessage.kind == "approval.ask")))
    cards = [m.payload["card"] for m in messages(session_factory, "approval.refresh")]
    assert set(cards) <= asks | {f"approval:{info.id}:status"}
    assert len(cards) == changes * 2  # the status card and U2's card, once per change
