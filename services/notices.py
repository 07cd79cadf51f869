"""Everything the outbox sends, one small type per kind: the class names the kind, its fields are the payload.

Services say what happened by queueing a notice with `send` (or `rows` for the scheduler's bulk inserts), in
the transaction of its cause; scheduler/notifications.py renders each type from the subject's current state,
and a test holds that every kind has a renderer and that every payload survives the database unchanged.
The kinds are stored strings: renaming one strands the rows already queued under the old name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, get_args, get_type_hints

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from models import OutboxMessage, OutboxStatus, User
from models.base import utcnow
from services import outbox

# Whose App Home is worth redrawing when something changes: people who opened it this recently (it may be on
# their screen). Everyone else's is rebuilt when they next open it.
HOME_WATCHED_FOR = timedelta(hours=2)

KINDS: dict[str, type[Notice]] = {}


@dataclasses.dataclass(frozen=True)
class Notice:
    kind: ClassVar[str] = ""
    # Which waits less when the outbox is busy (lower goes first): a card someone must act on, then what
    # others are told in channels and DMs, then reminders and digests, then App Home redraws.
    urgency: ClassVar[int] = 1

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("kind"):
            if cls.kind in KINDS:
                raise TypeError(f"two notices of kind {cls.kind!r}")
            KINDS[cls.kind] = cls

    def payload(self) -> dict[str, Any]:
        """What is stored: JSON values only (dates as ISO text)."""
        return {
            f.name: value.isoformat() if isinstance(value, date) else value
            for f in dataclasses.fields(self)
            if (value := getattr(self, f.name)) is not None
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Notice:
        """The notice a stored payload holds; a missing field that has no default is a KeyError."""
        hints = get_type_hints(cls)
        values = {}
        for f in dataclasses.fields(cls):
            if f.name not in payload or payload[f.name] is None:
                if f.default is dataclasses.MISSING:
                    raise KeyError(f"{cls.kind} payload has no {f.name}")
                continue
            values[f.name] = _typed(payload[f.name], hints[f.name])
        return cls(**values)

    def coalescing_prefix(self, recipient: str) -> str | None:
        """For kinds rendered whole from current state: the dedupe-key prefix of the older rows of the same
        subject that one delivery stands for (None: every row is sent)."""
        return None


@dataclasses.dataclass(frozen=True)
class OutboxDead(Notice):
    """To an admin: the messages given up in the day before delivery (services/upkeep.py)."""

    kind = "outbox.dead"
    urgency = 2
    day: date


def urgencies() -> dict[str, int]:
    """Each kind's urgency, for the outbox's order of delivery."""
    return {kind: cls.urgency for kind, cls in KINDS.items()}


def _typed(value: Any, hint: Any) -> Any:
    accepted = get_args(hint) or (hint,)
    if date in accepted:
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    if int in accepted:
        return int(value)
    return value


def parse(kind: str, payload: dict[str, Any]) -> Notice:
    """The notice an outbox row holds; an unknown kind is a LookupError (a row no renderer can send)."""
    found = KINDS.get(kind)
    if found is None:
        raise LookupError(f"no notice of kind {kind!r}")
    return found.from_payload(payload)


def send(
    session: Session,
    team_id: str,
    recipient: str,
    notice: Notice,
    dedupe_key: str,
    *,
    not_before: datetime | None = None,
) -> bool:
    """Queues the notice in the caller's transaction; False if that dedupe key was queued before."""
    return outbox.enqueue(
        session,
        team_id=team_id,
        kind=notice.kind,
        recipient=recipient,
        dedupe_key=dedupe_key,
        payload=notice.payload(),
        not_before=not_before,
    )


def row(team_id: str, recipient: str, notice: Notice, dedupe_key: str) -> dict[str, Any]:
    """One row for outbox.enqueue_many (the scheduler queues many at once)."""
    return {
        "team_id": team_id,
        "kind": notice.kind,
        "recipient": recipient,
        "dedupe_key": dedupe_key,
        "payload": notice.payload(),
    }


def refresh_homes(session: Session, team_id: str, people: Iterable[str], reason: str) -> None:
    """Redraws the App Home of those of `people` who may be looking at it, with one pending redraw per person
    at most: an action costs two statements and at most a row per watcher, whatever the project's size, and
    a burst of actions costs a row per watcher in all. (`reason` names the change, for the dedupe key.)"""
    wanted = list(dict.fromkeys(people))
    if not wanted:
        return
    rows = [
        row(team_id, slack_id, HomeRefresh(), f"home:{slack_id}:{reason}")
        for slack_id in _watching(session, team_id, wanted)
    ]
    outbox.enqueue_rows(session, rows)


def _watching(session: Session, team_id: str, people: list[str]) -> list[str]:
    """Of `people`, who opened App Home lately and has no redraw waiting (a redraw being sent does not count:
    it may have read the state before this change). Real time: it is about screens, not the bot's clock."""
    waiting = exists().where(
        OutboxMessage.team_id == team_id,
        OutboxMessage.kind == HomeRefresh.kind,
        OutboxMessage.recipient == User.slack_user_id,
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.claimed_until.is_(None),
    )
    return list(
        session.scalars(
            select(User.slack_user_id).where(
                User.team_id == team_id,
                User.slack_user_id.in_(people),
                User.home_opened_at >= utcnow() - HOME_WATCHED_FOR,
                ~waiting,
            )
        )
    )


# -- App Home ------------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class HomeRefresh(Notice):
    kind = "home.refresh"
    urgency = 3

    def coalescing_prefix(self, recipient: str) -> str | None:
        return f"home:{recipient}:"


# -- projects -----------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ProjectNotice(Notice):
    project_id: int
    by: str | None = None  # who did it
    member: str | None = None  # who joined or left


@dataclasses.dataclass(frozen=True)
class MemberAdded(ProjectNotice):
    kind = "project.member_added"


@dataclasses.dataclass(frozen=True)
class MemberJoined(ProjectNotice):
    kind = "project.member_joined"


@dataclasses.dataclass(frozen=True)
class MemberRemoved(ProjectNotice):
    """To someone a project edit took off the project: by whom."""

    kind = "project.member_removed"


@dataclasses.dataclass(frozen=True)
class MemberLeft(ProjectNotice):
    """To each lead: a member left the project (`/project leave`)."""

    kind = "project.member_left"


@dataclasses.dataclass(frozen=True)
class ProjectRegistered(ProjectNotice):
    kind = "project.registered"


@dataclasses.dataclass(frozen=True)
class ProjectClosed(ProjectNotice):
    kind = "project.closed"


@dataclasses.dataclass(frozen=True)
class ProjectReopened(ProjectNotice):
    kind = "project.reopened"


# -- progress -----------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ProgressCard(Notice):
    kind = "progress.card"
    update_id: int


@dataclasses.dataclass(frozen=True)
class ProgressCardEdit(Notice):
    kind = "progress.card_edit"
    update_id: int
    card: str  # the dedupe key of the card it redraws


@dataclasses.dataclass(frozen=True)
class ProgressNudge(Notice):
    kind = "nudge.progress"
    urgency = 2
    project_id: int
    period_start: date
    stage: int = 1


@dataclasses.dataclass(frozen=True)
class NudgeEscalation(Notice):
    kind = "nudge.escalation"
    urgency = 2
    project_id: int
    period_start: date


@dataclasses.dataclass(frozen=True)
class DailyNudges(Notice):
    """A person's one DM of the local `day`: the nudges and reminders gathered into it (services/daily.py)."""

    kind = "nudge.daily"
    urgency = 2
    day: date


# -- approvals ----------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ApprovalNotice(Notice):
    urgency = 0
    request_id: int
    step_id: int | None = None
    proxy: str | None = None  # who was asked, or decided, for someone away


@dataclasses.dataclass(frozen=True)
class ApprovalAsk(ApprovalNotice):
    kind = "approval.ask"


@dataclasses.dataclass(frozen=True)
class ApprovalStatus(ApprovalNotice):
    kind = "approval.status"


@dataclasses.dataclass(frozen=True)
class ApprovalProxyAsked(ApprovalNotice):
    kind = "approval.proxy_asked"


@dataclasses.dataclass(frozen=True)
class ApprovalDecidedForYou(ApprovalNotice):
    kind = "approval.decided_for_you"


@dataclasses.dataclass(frozen=True)
class ApprovalReturned(ApprovalNotice):
    kind = "approval.returned"


@dataclasses.dataclass(frozen=True)
class ApprovalCompleted(ApprovalNotice):
    kind = "approval.completed"


@dataclasses.dataclass(frozen=True)
class ApprovalRecord(ApprovalNotice):
    kind = "approval.record"


@dataclasses.dataclass(frozen=True)
class ApprovalWithdrawn(ApprovalNotice):
    """회수: to each person on the line who was asked or had decided, and to each 참조 reader."""

    kind = "approval.withdrawn"


@dataclasses.dataclass(frozen=True)
class ApprovalDisagreed(ApprovalNotice):
    """이견: to each person who had already approved, the request went back to its 기안자 (`step_id`: the 이견)."""

    kind = "approval.disagreed"


@dataclasses.dataclass(frozen=True)
class ApprovalRefresh(Notice):
    urgency = 0
    kind = "approval.refresh"
    request_id: int
    card: str
    step_id: int | None = None


@dataclasses.dataclass(frozen=True)
class ApprovalReminder(Notice):
    kind = "reminder.approval"
    urgency = 2
    request_id: int
    step_id: int
    hours: int


@dataclasses.dataclass(frozen=True)
class ApprovalOverdue(ApprovalReminder):
    kind = "reminder.approval_overdue"


# -- directives ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class DirectiveNotice(Notice):
    urgency = 0
    directive_id: int


@dataclasses.dataclass(frozen=True)
class DirectiveCard(DirectiveNotice):
    kind = "directive.card"


@dataclasses.dataclass(frozen=True)
class DirectiveReported(DirectiveNotice):
    kind = "directive.reported"


@dataclasses.dataclass(frozen=True)
class DirectiveAccepted(DirectiveNotice):
    kind = "directive.accepted"


@dataclasses.dataclass(frozen=True)
class DirectiveReturned(DirectiveNotice):
    kind = "directive.returned"


@dataclasses.dataclass(frozen=True)
class DirectiveRefresh(Notice):
    urgency = 0
    kind = "directive.refresh"
    directive_id: int
    card: str


@dataclasses.dataclass(frozen=True)
class DirectiveReminder(Notice):
    kind = "reminder.directive"
    urgency = 2
    directive_id: int
    stage: str  # "before", "due", "overdue" to assignees; "issuer" to the issuer


# -- discussions --------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class DiscussionCard(Notice):
    kind = "discussion.card"
    discussion_id: int


@dataclasses.dataclass(frozen=True)
class DiscussionRefresh(Notice):
    kind = "discussion.refresh"
    discussion_id: int
    card: str
    reason: str = ""

    def coalescing_prefix(self, recipient: str) -> str | None:
        return f"discussion:{self.discussion_id}:refresh:"


@dataclasses.dataclass(frozen=True)
class DiscussionSummary(Notice):
    kind = "discussion.summary"
    discussion_id: int
    card: str


# -- digests and the ledger ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ProjectDigest(Notice):
    kind = "digest.project"
    urgency = 2
    project_id: int
    week_start: date


@dataclasses.dataclass(frozen=True)
class CrossDigest(Notice):
    kind = "digest.cross"
    urgency = 2
    week_start: date | None = None


@dataclasses.dataclass(frozen=True)
class LedgerAdjusted(Notice):
    kind = "ledger.adjusted"
    adjustment_id: int
