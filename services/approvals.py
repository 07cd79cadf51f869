"""Approvals (결재) along a real approval line (결재선).

A request has steps at positions 1..n. A position holds one approver (결재) or a group of
reviewers who must all agree (합의). A step marked final (전결) ends the line when approved.
Every decision is a compare-and-set on the step inside one transaction, with the request row
locked, so a double click, a retry, a stale card or two reviewers clicking together decide once.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, aliased, selectinload

from models import (
    Absence,
    ApprovalComment,
    ApprovalReader,
    ApprovalRequest,
    ApprovalStep,
    AuditEvent,
    Project,
    ProjectStatus,
    RequestStatus,
    StepKind,
    StepStatus,
    User,
)
from services import audit, notices, outbox, projects, users
from services.errors import DomainError, People
from services.limits import fitted

TITLE_MAX = 200
TEXT_MAX = 3000
LINE_MAX = 10
COMMENT_MAX = 1000


class Decision(enum.Enum):
    APPROVE = "approve"
    REJECT = "reject"


class Outcome(enum.Enum):
    DECIDED = "decided"
    NOT_YOURS = "not_yours"
    ALREADY_DECIDED = "already_decided"
    NOT_YET = "not_yet"  # the step's turn has not come
    CLOSED = "closed"  # the request ended (completed, returned or withdrawn)


class RequestAction(enum.Enum):
    """What a request's card may offer; every click is checked again against the database."""

    DECIDE = "decide"  # approve or return (agree or disagree, on a 합의 step)
    COMMENT = "comment"
    WITHDRAW = "withdraw"  # 회수
    RESUBMIT = "resubmit"  # 재상신


@dataclass(frozen=True)
class Draft:
    """A request as the requester writes it: approvers in order, optionally an agreement group
    inserted before the approver at `agreement_position` (1-based; len(approvers)+1 = at the end)."""

    title: str
    approvers: Sequence[str]
    details: str = ""
    links: str = ""
    agreement: Sequence[str] = ()
    agreement_position: int | None = None
    final: str | None = None  # the approver with 전결
    readers: Sequence[str] = ()
    due_date: date | None = None
    resubmission_of: int | None = None


@dataclass(frozen=True)
class StepInfo:
    id: int
    position: int
    kind: StepKind
    final: bool
    approver: str
    status: StepStatus
    decided_by: str | None  # differs from approver in 대결
    decided_at: datetime | None
    comment: str


@dataclass(frozen=True)
class CommentInfo:
    author: str
    text: str
    step_id: int | None
    at: datetime


@dataclass(frozen=True)
class RequestInfo:
    id: int
    team_id: str
    project_key: str
    project_name: str
    project_channel: str | None
    requester: str
    title: str
    details: str
    links: str
    status: RequestStatus
    position: int
    due_date: date | None
    reason: str
    created_at: datetime
    closed_at: datetime | None
    resubmission_of: int | None
    steps: tuple[StepInfo, ...]
    readers: tuple[str, ...]
    comments: tuple[CommentInfo, ...]

    @property
    def current(self) -> tuple[StepInfo, ...]:
        return tuple(s for s in self.steps if s.status is StepStatus.PENDING)

    @property
    def undecided(self) -> bool:
        return not any(s.status in (StepStatus.APPROVED, StepStatus.REJECTED) for s in self.steps)

    def step(self, step_id: int) -> StepInfo | None:
        return next((s for s in self.steps if s.id == step_id), None)

    def actions_for(self, viewer: str, *, step_id: int | None = None) -> tuple[RequestAction, ...]:
        """What the card offers: to whoever was asked on `step_id`, a decision while that step waits; to the
        requester, withdrawing before anyone decided (see `withdraw`) and resubmitting once returned or
        withdrawn (see `resubmission_of`); a comment to anyone on a pending request (see `comment`)."""
        pending = self.status is RequestStatus.PENDING
        if step_id is not None:
            step = self.step(step_id)
            if step is None or not pending:
                return ()
            return (
                (RequestAction.DECIDE, RequestAction.COMMENT)
                if step.status is StepStatus.PENDING
                else (RequestAction.COMMENT,)
            )
        if viewer != self.requester:
            return (RequestAction.COMMENT,) if pending else ()
        if pending:
            return ((RequestAction.WITHDRAW,) if self.undecided else ()) + (RequestAction.COMMENT,)
        if self.status in (RequestStatus.REJECTED, RequestStatus.WITHDRAWN):
            return (RequestAction.RESUBMIT,)
        return ()


@dataclass(frozen=True)
class Result:
    """What a click came to; `step` is the step clicked, `request` the request as it now stands."""

    outcome: Outcome
    request: RequestInfo
    step: StepInfo | None = None


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor: str
    action: str
    detail: dict


def _info(request: ApprovalRequest, project: Project, comments: Sequence[ApprovalComment] = ()) -> RequestInfo:
    return RequestInfo(
        id=request.id,
        team_id=request.team_id,
        project_key=project.key,
        project_name=project.name,
        project_channel=project.channel_id,
        requester=request.requester.slack_user_id,
        title=request.title,
        details=request.details,
        links=request.links,
        status=request.status,
        position=request.position,
        due_date=request.due_date,
        reason=request.reason,
        created_at=request.created_at,
        closed_at=request.closed_at,
        resubmission_of=request.resubmission_of_id,
        steps=tuple(
            StepInfo(
                id=s.id,
                position=s.position,
                kind=s.kind,
                final=s.final,
                approver=s.approver.slack_user_id,
                status=s.status,
                decided_by=s.decided_by.slack_user_id if s.decided_by else None,
                decided_at=s.decided_at,
                comment=s.comment,
            )
            for s in request.steps
        ),
        readers=tuple(r.user.slack_user_id for r in request.readers),
        comments=tuple(CommentInfo(c.author.slack_user_id, c.text, c.step_id, c.created_at) for c in comments),
    )


def _load(session: Session, team_id: str, request_id: int, *, for_update: bool = False) -> ApprovalRequest:
    query = (
        select(ApprovalRequest)
        .where(ApprovalRequest.team_id == team_id, ApprovalRequest.id == request_id)
        .options(selectinload(ApprovalRequest.steps), selectinload(ApprovalRequest.readers))
    )
    request = session.scalar(query.with_for_update(of=ApprovalRequest) if for_update else query)
    if request is None:
        raise DomainError("approval.not_found", id=request_id)
    return request


def _comments(session: Session, request_id: int) -> list[ApprovalComment]:
    return list(
        session.scalars(
            select(ApprovalComment).where(ApprovalComment.request_id == request_id).order_by(ApprovalComment.id)
        )
    )


def get(session: Session, team_id: str, request_id: int) -> RequestInfo:
    """The request, whoever asks: for rendering what the outbox sends its own recipients. People reading
    one ask through `get_for`."""
    request = _load(session, team_id, request_id)
    project = session.get(Project, request.project_id)
    return _info(request, project, _comments(session, request.id))


def may_read(session: Session, request: ApprovalRequest, viewer: str, *, is_admin: bool, now: datetime) -> bool:
    """Who may read a request: its requester, everyone on its line and whoever stands in for them (대결),
    its readers (참조), and admins."""
    if is_admin:
        return True
    people = {request.requester.slack_user_id} | {r.user.slack_user_id for r in request.readers}
    for step in request.steps:
        people.add(step.approver.slack_user_id)
        if step.decided_by is not None:
            people.add(step.decided_by.slack_user_id)
    if viewer in people:
        return True
    # proxies: whoever stands in now, and whoever was asked to once (their card is in their DM)
    asked = {
        who
        for _key, who in outbox.keyed_like(
            session, request.team_id, notices.ApprovalAsk.kind, f"approval:{request.id}:ask:%"
        )
    }
    if viewer in asked:
        return True
    return any(
        (proxy := _active_proxy(session, request.team_id, step.approver_id, now)) is not None
        and proxy.slack_user_id == viewer
        for step in request.steps
    )


def get_for(session: Session, team_id: str, viewer: str, request_id: int, *, is_admin: bool, now: datetime):
    """The request and its history for someone who may read it; to anyone else it does not exist (the same
    refusal as an unknown number, so numbers reveal nothing)."""
    request = _load(session, team_id, request_id)
    if not may_read(session, request, viewer, is_admin=is_admin, now=now):
        raise DomainError("approval.not_found", id=request_id)
    project = session.get(Project, request.project_id)
    return _info(request, project, _comments(session, request.id)), history(session, team_id, request_id)


def resubmission_of(session: Session, team_id: str, actor: str, request_id: int, *, is_admin: bool, now: datetime):
    """The earlier request for the resubmission form (재상신): only its requester, once it was returned or
    withdrawn."""
    info, _history = get_for(session, team_id, actor, request_id, is_admin=is_admin, now=now)
    if info.requester != actor:
        raise DomainError("approval.not_requester", id=info.id)
    if info.status not in (RequestStatus.REJECTED, RequestStatus.WITHDRAWN):
        raise DomainError("approval.cannot_resubmit", id=info.id)
    return info


def agreement_index(draft: Draft) -> int:
    """Where the 합의 group goes (1-based, before the approver now there). Left blank, 합의 comes before the
    deciding approver: the 전결 holder, or the last approver of the line."""
    if draft.agreement_position is not None:
        return min(max(draft.agreement_position, 1), len(draft.approvers) + 1)
    decider = draft.final if draft.final in draft.approvers else draft.approvers[-1]
    return list(draft.approvers).index(decider) + 1


def _positions(draft: Draft) -> list[list[tuple[str, StepKind]]]:
    """The line as positions, each a list of (approver, kind)."""
    line: list[list[tuple[str, StepKind]]] = [[(a, StepKind.APPROVE)] for a in draft.approvers]
    if draft.agreement:
        line.insert(agreement_index(draft) - 1, [(a, StepKind.AGREE) for a in draft.agreement])
    return line


def _validate(draft: Draft, requester: str) -> None:
    if not draft.title.strip():
        raise DomainError("approval.title_missing")
    if len(" ".join(draft.title.split())) > TITLE_MAX:
        raise DomainError("approval.title_too_long", limit=TITLE_MAX)
    people = list(draft.approvers) + list(draft.agreement)
    if not draft.approvers:
        raise DomainError("approval.no_approvers")
    if len(people) > LINE_MAX:
        raise DomainError("approval.line_too_long", limit=LINE_MAX)
    if len(set(people)) != len(people):
        raise DomainError("approval.duplicate_approver")
    if requester in people:
        raise DomainError("approval.self_in_line")
    if draft.final and draft.final not in draft.approvers:
        raise DomainError("approval.final_not_in_line")
    if draft.final:
        # 전결 ends the line: nobody may stand after the holder, or they would never be asked
        after = list(draft.approvers)[list(draft.approvers).index(draft.final) + 1 :]
        if after:
            raise DomainError("approval.after_final", final=People([draft.final]), people=People(after))
        if draft.agreement and agreement_index(draft) > len(draft.approvers):
            raise DomainError("approval.agreement_after_final", final=People([draft.final]))


def _active_proxy(session: Session, team_id: str, user_id: int, now: datetime) -> User | None:
    """The proxy of someone away at `now`: `until` is the last day away, in the absent person's zone."""
    today = users.local_date(session.get(User, user_id), now)
    absence = session.scalar(
        select(Absence)
        .where(
            Absence.team_id == team_id,
            Absence.user_id == user_id,
            Absence.created_at <= now,
            Absence.ended_at.is_(None),
            or_(Absence.until.is_(None), Absence.until >= today),
        )
        .order_by(Absence.id.desc())
        .limit(1)
    )
    return absence.proxy if absence else None


def _ask(session: Session, request: ApprovalRequest, steps: Sequence[ApprovalStep], now: datetime) -> None:
    """Asks the steps now pending: their approver, or the proxy of one who is away (and tells the approver)."""
    for step in steps:
        proxy = _active_proxy(session, request.team_id, step.approver_id, now)
        asked = proxy.slack_user_id if proxy else step.approver.slack_user_id
        _tell(session, request, asked, notices.ApprovalAsk(request.id, step.id), f"ask:{step.id}:{asked}")
        if proxy:
            told = notices.ApprovalProxyAsked(request.id, proxy=asked)
            _tell(session, request, step.approver.slack_user_id, told, f"proxy-asked:{step.id}:{asked}")
        notices.refresh_homes(session, request.team_id, [asked], f"approval:{request.id}:ask:{step.id}")


def _tell(session: Session, request: ApprovalRequest, recipient: str, notice: notices.Notice, key: str) -> None:
    notices.send(session, request.team_id, recipient, notice, f"approval:{request.id}:{key}")


def _refresh_cards(session: Session, request: ApprovalRequest, reason: str) -> None:
    """Every card already out (the requester's status card, each approver's card) shows the new state."""
    cards = [(f"approval:{request.id}:status", request.requester.slack_user_id)]
    cards += outbox.keyed_like(session, request.team_id, notices.ApprovalAsk.kind, f"approval:{request.id}:ask:%")
    for card, recipient in cards:
        step_id = int(card.split(":")[3]) if ":ask:" in card else None
        refresh = notices.ApprovalRefresh(request.id, card=card, step_id=step_id)
        notices.send(session, request.team_id, recipient, refresh, f"{card}:refresh:{reason}")
    people = {request.requester.slack_user_id} | {s.approver.slack_user_id for s in request.steps}
    notices.refresh_homes(session, request.team_id, people, f"approval:{request.id}:{reason}")


def create(session: Session, team_id: str, actor: str, key: str, draft: Draft, *, now: datetime) -> RequestInfo:
    project = projects.load(session, team_id, key)
    if project.status is ProjectStatus.CLOSED:
        raise DomainError("project.closed", key=project.key)
    if projects.membership(project, actor) is None:
        raise DomainError("approval.not_member", key=project.key)
    _validate(draft, actor)
    if draft.resubmission_of is not None:
        earlier = _load(session, team_id, draft.resubmission_of)
        if earlier.requester.slack_user_id != actor or earlier.status not in (
            RequestStatus.REJECTED,
            RequestStatus.WITHDRAWN,
        ):
            raise DomainError("approval.cannot_resubmit", id=draft.resubmission_of)
    requester = users.ensure(session, team_id, actor)
    request = ApprovalRequest(
        team_id=team_id,
        project_id=project.id,
        requester=requester,
        title=" ".join(draft.title.split()),
        details=fitted(draft.details, TEXT_MAX),
        links=fitted(draft.links, TEXT_MAX),
        due_date=draft.due_date,
        resubmission_of_id=draft.resubmission_of,
        created_at=now,
    )
    for position, group in enumerate(_positions(draft), start=1):
        for approver, kind in group:
            request.steps.append(
                ApprovalStep(
                    team_id=team_id,
                    position=position,
                    kind=kind,
                    final=approver == draft.final,
                    approver=users.ensure(session, team_id, approver),
                )
            )
    for reader in dict.fromkeys(draft.readers):
        request.readers.append(ApprovalReader(team_id=team_id, user=users.ensure(session, team_id, reader)))
    session.add(request)
    session.flush()
    first = [s for s in request.steps if s.position == 1]
    for step in first:
        step.status = StepStatus.PENDING
    session.flush()
    audit.record(
        session,
        team_id,
        actor,
        "approval.requested",
        "approval_request",
        request.id,
        key=project.key,
        title=request.title,
        line=[
            [s.approver.slack_user_id for s in request.steps if s.position == p]
            for p in sorted({s.position for s in request.steps})
        ],
        resubmission_of=draft.resubmission_of,
        at=now,
    )
    _ask(session, request, first, now)
    _tell(session, request, actor, notices.ApprovalStatus(request.id), "status")
    notices.refresh_homes(session, team_id, [actor], f"approval:{request.id}:requested")
    return _info(request, project)


def _deciders(session: Session, step: ApprovalStep, now: datetime) -> dict[str, str | None]:
    """Who may decide the step: its approver, and the proxy while the approver is away (on behalf of them)."""
    allowed: dict[str, str | None] = {step.approver.slack_user_id: None}
    proxy = _active_proxy(session, step.team_id, step.approver_id, now)
    if proxy is not None and proxy.id != step.request.requester_id:  # nobody decides their own request
        allowed[proxy.slack_user_id] = step.approver.slack_user_id
    return allowed


def _precheck(session: Session, team_id: str, actor: str, step_id: int, now: datetime, *, lock: bool):
    step = session.scalar(select(ApprovalStep).where(ApprovalStep.team_id == team_id, ApprovalStep.id == step_id))
    if step is None:
        raise DomainError("approval.not_found", id=step_id)
    request = _load(session, team_id, step.request_id, for_update=lock)  # serialises deciders of one request
    session.refresh(step)
    project = session.get(Project, request.project_id)
    allowed = _deciders(session, step, now)
    if actor not in allowed and not may_read(session, request, actor, is_admin=False, now=now):
        raise DomainError("approval.not_found", id=step_id)  # to an outsider, a forged click finds nothing
    if actor not in allowed:
        outcome = Outcome.NOT_YOURS
    elif step.status in (StepStatus.APPROVED, StepStatus.REJECTED):
        outcome = Outcome.ALREADY_DECIDED
    elif request.status is not RequestStatus.PENDING or step.status is StepStatus.SKIPPED:
        outcome = Outcome.CLOSED
    elif step.status is StepStatus.WAITING:
        outcome = Outcome.NOT_YET
    else:
        outcome = Outcome.DECIDED  # may decide
    return step, request, project, allowed, outcome


def check(session: Session, team_id: str, actor: str, step_id: int, *, now: datetime) -> Result:
    """What deciding would come to, without deciding (e.g. before asking for a reason)."""
    step, request, project, _allowed, outcome = _precheck(session, team_id, actor, step_id, now, lock=False)
    return Result(outcome, _info(request, project), _step_info(request, project, step.id))


def decide(
    session: Session,
    team_id: str,
    actor: str,
    step_id: int,
    decision: Decision,
    *,
    now: datetime,
    comment: str = "",
) -> Result:
    step, request, project, allowed, outcome = _precheck(session, team_id, actor, step_id, now, lock=True)
    if outcome is not Outcome.DECIDED:
        return Result(outcome, _info(request, project), _step_info(request, project, step.id))
    if decision is Decision.REJECT and not comment.strip():
        raise DomainError("approval.reason_missing")
    new_status = StepStatus.APPROVED if decision is Decision.APPROVE else StepStatus.REJECTED
    decider = users.ensure(session, team_id, actor)
    taken = session.execute(
        update(ApprovalStep)
        .where(ApprovalStep.id == step.id, ApprovalStep.status == StepStatus.PENDING)
        .values(status=new_status, decided_by_id=decider.id, decided_at=now, comment=fitted(comment, COMMENT_MAX))
        .execution_options(synchronize_session=False)
    )
    session.refresh(step)
    if taken.rowcount != 1:  # someone else decided between our read and our write
        return Result(Outcome.ALREADY_DECIDED, _info(request, project), _step_info(request, project, step.id))
    on_behalf = allowed[actor]
    audit.record(
        session,
        team_id,
        actor,
        _action(step.kind, new_status),
        "approval_request",
        request.id,
        step=step.id,
        position=step.position,
        on_behalf_of=on_behalf,
        comment=step.comment,
        at=now,
    )
    if on_behalf:
        told = notices.ApprovalDecidedForYou(request.id, step_id=step.id, proxy=actor)
        _tell(session, request, on_behalf, told, f"on-behalf:{step.id}")
    if decision is Decision.REJECT:
        _return(session, request, step, now)
    else:
        _advance(session, request, step, now)
    session.flush()
    _refresh_cards(session, request, f"step:{step.id}")
    return Result(Outcome.DECIDED, _info(request, project), _step_info(request, project, step.id))


def _action(kind: StepKind, status: StepStatus) -> str:
    """The trail's word for a decision: 합의 reviewers agree or disagree (동의 / 이견), approvers approve or
    return (승인 / 반려)."""
    if kind is StepKind.AGREE:
        return "approval.agreed" if status is StepStatus.APPROVED else "approval.disagreed"
    return f"approval.{status.value}"


def _step_info(request: ApprovalRequest, project: Project, step_id: int) -> StepInfo | None:
    return _info(request, project).step(step_id)


def _skip_rest(request: ApprovalRequest) -> None:
    for other in request.steps:
        if other.status in (StepStatus.WAITING, StepStatus.PENDING):
            other.status = StepStatus.SKIPPED


def _close(session: Session, request: ApprovalRequest, status: RequestStatus, now: datetime) -> None:
    request.status = status
    request.closed_at = now
    _skip_rest(request)


def _return(session: Session, request: ApprovalRequest, step: ApprovalStep, now: datetime) -> None:
    """반려: the request goes back to the requester with the reason; later steps are never asked."""
    request.reason = step.comment
    _close(session, request, RequestStatus.REJECTED, now)
    returned = notices.ApprovalReturned(request.id, step_id=step.id)
    _tell(session, request, request.requester.slack_user_id, returned, "returned")
    if step.kind is StepKind.AGREE:
        # 이견: those who already approved learn that what they approved went back to its 기안자
        approved = [s for s in request.steps if s.status is StepStatus.APPROVED]
        told: set[str] = set()
        for earlier in approved:
            for person in (earlier.approver, earlier.decided_by):
                if person is None or person.slack_user_id in told:
                    continue
                told.add(person.slack_user_id)
                disagreed = notices.ApprovalDisagreed(request.id, step_id=step.id)
                _tell(session, request, person.slack_user_id, disagreed, f"disagreed:{step.id}:{person.slack_user_id}")


def _advance(session: Session, request: ApprovalRequest, step: ApprovalStep, now: datetime) -> None:
    same_position = [s for s in request.steps if s.position == step.position]
    if step.final or all(s.status is StepStatus.APPROVED for s in same_position):
        later = sorted({s.position for s in request.steps if s.position > step.position})
        final = next((s for s in request.steps if s.final and s.status is StepStatus.APPROVED), None)
        if final is not None:
            # 전결 ends the line, but never past a 합의 reviewer who has not agreed
            later = [p for p in later if any(s.kind is StepKind.AGREE for s in request.steps if s.position == p)]
        if not later:
            _complete(session, request, now, final_step=final)
            return
        request.position = later[0]
        nxt = [s for s in request.steps if s.position == later[0]]
        for s in nxt:
            s.status = StepStatus.PENDING
        session.flush()
        _ask(session, request, nxt, now)


def _complete(session: Session, request: ApprovalRequest, now: datetime, final_step: ApprovalStep | None) -> None:
    if any(s.kind is StepKind.AGREE and s.status is not StepStatus.APPROVED for s in request.steps):
        raise AssertionError(f"approval #{request.id} would complete without every 합의")  # _advance prevents it
    _close(session, request, RequestStatus.APPROVED, now)
    audit.record(
        session,
        request.team_id,
        audit.SYSTEM,
        "approval.completed",
        "approval_request",
        request.id,
        final=final_step.id if final_step else None,
        at=now,
    )
    _tell(session, request, request.requester.slack_user_id, notices.ApprovalCompleted(request.id), "completed")
    for reader in request.readers:
        completed = notices.ApprovalCompleted(request.id)
        _tell(session, request, reader.user.slack_user_id, completed, f"completed:{reader.user_id}")
    project = session.get(Project, request.project_id)
    if project and project.channel_id:
        _tell(session, request, project.channel_id, notices.ApprovalRecord(request.id), "record")


def _asked_or_decided(session: Session, request: ApprovalRequest) -> dict[str, int]:
    """Who on the line has had the request in hand, each with their step: everyone asked (the proxy asked in
    place of someone away, and that approver, who was told), and everyone who decided. The requester is left
    out: they know what they did."""
    people: dict[str, int] = {}
    for card, recipient in outbox.keyed_like(
        session, request.team_id, notices.ApprovalAsk.kind, f"approval:{request.id}:ask:%"
    ):
        people.setdefault(recipient, int(card.split(":")[3]))
    for step in request.steps:
        if step.status is not StepStatus.WAITING and step.status is not StepStatus.SKIPPED:
            people.setdefault(step.approver.slack_user_id, step.id)
        if step.decided_by is not None:
            people.setdefault(step.decided_by.slack_user_id, step.id)
    people.pop(request.requester.slack_user_id, None)
    return people


def withdraw(session: Session, team_id: str, actor: str, request_id: int, *, now: datetime) -> RequestInfo:
    """회수: only the requester, and only before anyone has decided."""
    request = _load(session, team_id, request_id, for_update=True)
    project = session.get(Project, request.project_id)
    if request.requester.slack_user_id != actor:
        readable = may_read(session, request, actor, is_admin=False, now=now)
        raise DomainError("approval.not_requester" if readable else "approval.not_found", id=request_id)
    if request.status is RequestStatus.WITHDRAWN:
        return _info(request, project)
    if request.status is not RequestStatus.PENDING or not _info(request, project).undecided:
        raise DomainError("approval.too_late_to_withdraw", id=request_id)
    asked = _asked_or_decided(session, request)
    _close(session, request, RequestStatus.WITHDRAWN, now)
    session.flush()
    audit.record(session, team_id, actor, "approval.withdrawn", "approval_request", request.id, at=now)
    _refresh_cards(session, request, "withdrawn")
    for recipient, step_id in asked.items():
        told = notices.ApprovalWithdrawn(request.id, step_id=step_id)
        _tell(session, request, recipient, told, f"withdrawn:{recipient}")
    for reader in request.readers:
        slack_id = reader.user.slack_user_id
        if slack_id not in asked:
            _tell(session, request, slack_id, notices.ApprovalWithdrawn(request.id), f"withdrawn:{slack_id}")
    return _info(request, project)


def comment(
    session: Session,
    team_id: str,
    actor: str,
    request_id: int,
    text: str,
    *,
    now: datetime,
    step_id: int | None = None,
) -> RequestInfo:
    """의견: anyone on the request (requester, line, readers) may leave one; it is kept with it."""
    request = _load(session, team_id, request_id)
    project = session.get(Project, request.project_id)
    if not may_read(session, request, actor, is_admin=False, now=now):
        raise DomainError("approval.not_found", id=request_id)
    if not text.strip():
        raise DomainError("approval.comment_missing")
    if step_id is not None and all(s.id != step_id for s in request.steps):
        raise DomainError("approval.not_found", id=step_id)
    session.add(
        ApprovalComment(
            team_id=team_id,
            request_id=request.id,
            step_id=step_id,
            author=users.ensure(session, team_id, actor),
            text=fitted(text, COMMENT_MAX),
            created_at=now,
        )
    )
    session.flush()
    event = audit.record(
        session, team_id, actor, "approval.commented", "approval_request", request.id, step=step_id, at=now
    )
    _refresh_cards(session, request, f"comment:{event.id}")
    return _info(request, project, _comments(session, request.id))


@dataclass(frozen=True)
class Waiting:
    request: RequestInfo
    step: StepInfo
    on_behalf_of: str | None


def waiting_for(session: Session, team_id: str, actor: str, *, now: datetime) -> list[Waiting]:
    """Steps the person can decide now: their own, and those of people they stand in for."""
    me = users.find(session, team_id, actor)
    if me is None:
        return []
    absent = aliased(User)
    standing_in = [
        user_id
        for user_id, until, tz in session.execute(
            select(Absence.user_id, Absence.until, absent.tz)
            .join(absent, absent.id == Absence.user_id)
            .where(Absence.team_id == team_id, Absence.proxy_id == me.id, Absence.ended_at.is_(None))
        )
        if until is None or until >= now.astimezone(ZoneInfo(tz or users.FALLBACK_ZONE)).date()
    ]
    steps = session.scalars(
        select(ApprovalStep)
        .where(
            ApprovalStep.team_id == team_id,
            ApprovalStep.status == StepStatus.PENDING,
            ApprovalStep.approver_id.in_([me.id, *standing_in]),
        )
        .order_by(ApprovalStep.id)
    ).all()
    return _with_requests(session, team_id, steps, me.id)


def _with_requests(session: Session, team_id: str, steps: Sequence[ApprovalStep], me: int) -> list[Waiting]:
    ids = sorted({s.request_id for s in steps})
    requests = {
        r.id: r
        for r in session.scalars(
            select(ApprovalRequest)
            .where(ApprovalRequest.team_id == team_id, ApprovalRequest.id.in_(ids))
            .options(selectinload(ApprovalRequest.steps), selectinload(ApprovalRequest.readers))
        )
    }
    project_ids = {r.project_id for r in requests.values()}
    project_rows = {p.id: p for p in session.scalars(select(Project).where(Project.id.in_(project_ids)))}
    result = []
    for step in steps:
        request = requests[step.request_id]
        info = _info(request, project_rows[request.project_id])
        result.append(
            Waiting(info, info.step(step.id), None if step.approver_id == me else step.approver.slack_user_id)
        )
    return result


def requested_by(session: Session, team_id: str, actor: str, limit: int = 10) -> list[RequestInfo]:
    me = users.find(session, team_id, actor)
    if me is None:
        return []
    requests = session.scalars(
        select(ApprovalRequest)
        .where(ApprovalRequest.team_id == team_id, ApprovalRequest.requester_id == me.id)
        .options(selectinload(ApprovalRequest.steps), selectinload(ApprovalRequest.readers))
        .order_by(ApprovalRequest.id.desc())
        .limit(limit)
    ).all()
    project_rows = {
        p.id: p for p in session.scalars(select(Project).where(Project.id.in_({r.project_id for r in requests})))
    }
    return [_info(r, project_rows[r.project_id]) for r in requests]


@dataclass(frozen=True)
class MyPending:
    """The requester's requests still on their line: the oldest `shown`, and how many there are in all."""

    shown: list[RequestInfo]
    total: int


def pending_requested_by(session: Session, team_id: str, actor: str, *, limit: int) -> MyPending:
    """My requests (상신) still waiting on the line, oldest first; each one's `current` steps say where."""
    me = users.find(session, team_id, actor)
    if me is None:
        return MyPending([], 0)
    mine = (ApprovalRequest.team_id == team_id, ApprovalRequest.requester_id == me.id)
    pending = ApprovalRequest.status == RequestStatus.PENDING
    total = session.scalar(select(func.count()).select_from(ApprovalRequest).where(*mine, pending)) or 0
    requests = session.scalars(
        select(ApprovalRequest)
        .where(*mine, pending)
        .options(selectinload(ApprovalRequest.steps), selectinload(ApprovalRequest.readers))
        .order_by(ApprovalRequest.id)
        .limit(limit)
    ).all()
    project_rows = {
        p.id: p for p in session.scalars(select(Project).where(Project.id.in_({r.project_id for r in requests})))
    }
    return MyPending([_info(r, project_rows[r.project_id]) for r in requests], total)


def history(session: Session, team_id: str, request_id: int) -> list[HistoryEntry]:
    """The request's audit trail, and its earlier submissions', oldest first."""
    chain = []
    current: int | None = request_id
    while current is not None and len(chain) < 20:
        chain.append(current)
        current = session.scalar(
            select(ApprovalRequest.resubmission_of_id).where(
                ApprovalRequest.team_id == team_id, ApprovalRequest.id == current
            )
        )
    events = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.team_id == team_id,
            AuditEvent.subject_type == "approval_request",
            AuditEvent.subject_id.in_(chain),
        )
        .order_by(AuditEvent.id)
    ).all()
    return [HistoryEntry(e.created_at, e.actor, e.action, {**e.detail, "request": e.subject_id}) for e in events]


def set_away(session: Session, team_id: str, actor: str, proxy: str, until: date | None, *, now: datetime) -> None:
    """대결 begins: steps that fall to the person go to the proxy, including those pending now."""
    if proxy == actor:
        raise DomainError("approval.proxy_is_self")
    me = users.ensure(session, team_id, actor)
    if until is not None and until < users.local_date(me, now):
        raise DomainError("approval.until_past", until=until.isoformat())
    session.execute(
        update(Absence)
        .where(Absence.team_id == team_id, Absence.user_id == me.id, Absence.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )
    absence = Absence(
        team_id=team_id, user=me, proxy=users.ensure(session, team_id, proxy), until=until, created_at=now
    )
    session.add(absence)
    session.flush()
    audit.record(
        session,
        team_id,
        actor,
        "approval.away",
        "absence",
        absence.id,
        proxy=proxy,
        until=until.isoformat() if until else None,
        at=now,
    )
    pending = session.scalars(
        select(ApprovalStep).where(
            ApprovalStep.team_id == team_id,
            ApprovalStep.approver_id == me.id,
            ApprovalStep.status == StepStatus.PENDING,
        )
    ).all()
    for step in pending:
        _ask(session, step.request, [step], now)


def set_back(session: Session, team_id: str, actor: str, *, now: datetime) -> bool:
    me = users.find(session, team_id, actor)
    if me is None:
        return False
    ended = session.execute(
        update(Absence)
        .where(Absence.team_id == team_id, Absence.user_id == me.id, Absence.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if ended:
        audit.record(session, team_id, actor, "approval.back", "absence", me.id, at=now)
    return bool(ended)


def absence_of(session: Session, team_id: str, actor: str, *, now: datetime) -> tuple[str, date | None] | None:
    me = users.find(session, team_id, actor)
    if me is None:
        return None
    proxy = _active_proxy(session, team_id, me.id, now)
    if proxy is None:
        return None
    until = session.scalar(
        select(Absence.until)
        .where(Absence.team_id == team_id, Absence.user_id == me.id, Absence.ended_at.is_(None))
        .order_by(Absence.id.desc())
    )
    return proxy.slack_user_id, until
