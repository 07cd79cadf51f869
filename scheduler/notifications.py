"""Turning an outbox row (a kind and plain data) into the Web API call that delivers it.

Rendering happens at delivery, in the recipient's language, from the current state of the
subject: a card posted late shows the latest text, and a row whose subject has gone is skipped
rather than sent half-empty.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from kit.blocks import approvals as approval_blocks
from kit.blocks import digests as digest_blocks
from kit.blocks import directives as directive_blocks
from kit.blocks import discussions as discussion_blocks
from kit.blocks import nudges as nudge_blocks
from kit.blocks import progress as progress_blocks
from kit.blocks import projects as project_blocks
from kit.blocks import reports as report_blocks
from kit.blocks import upkeep as upkeep_blocks
from kit.home_view import home_view
from kit.reader import Reader
from services import (
    approvals,
    daily,
    digests,
    directives,
    discussions,
    ledger,
    notices,
    nudges,
    outbox,
    progress,
    projects,
)
from services.calendar import WorkCalendar
from services.outbox import Pending
from services.terms import OutboxStatus, ProjectStatus, StepStatus

RETRY_EDIT_AFTER = timedelta(seconds=2)


SentHook = Callable[[Session, str | None, str | None], None]


@dataclass(frozen=True)
class Outgoing:
    """One Web API call: chat.postMessage, chat.update or views.publish, with its arguments.
    `on_sent(session, channel, ts)` runs in the transaction that records the delivery."""

    method: str
    args: dict[str, Any]
    on_sent: SentHook | None = None


@dataclass(frozen=True)
class NotYet:
    """The call depends on another message not delivered yet; try again after `delay`."""

    delay: timedelta


Rendered = Outgoing | NotYet | None


@dataclass(frozen=True)
class Context:
    """What every renderer is given besides its notice: the row, its reader, the clock and the rules."""

    session: Session
    pending: Pending
    reader: Reader
    now: datetime
    rules: ledger.Rules

    @property
    def team_id(self) -> str:
        return self.pending.team_id

    @property
    def calendar(self) -> WorkCalendar:
        return self.rules.calendar

    @property
    def today(self) -> date:
        return self.reader.local_date(self.now)

    def post(self, payload: dict[str, Any], on_sent: SentHook | None = None) -> Outgoing:
        return Outgoing("chat.postMessage", {"channel": self.pending.recipient, **payload}, on_sent=on_sent)

    def redraw(self, card_key: str, payload: dict[str, Any]) -> Rendered:
        """chat.update of a card already out; before it is out, wait; if it never went out, nothing to redraw."""
        posted = outbox.find(self.session, self.team_id, card_key)
        if posted is None or posted.status is OutboxStatus.DEAD:
            return None
        if posted.status is OutboxStatus.PENDING or not posted.sent_ts:
            return NotYet(RETRY_EDIT_AFTER)
        return Outgoing("chat.update", {"channel": posted.sent_channel, "ts": posted.sent_ts, **payload})


Renderer = Callable[[Context, Any], Rendered]


def _home(ctx: Context, _notice: notices.HomeRefresh) -> Rendered:
    view = home_view(ctx.session, ctx.team_id, ctx.reader, now=ctx.now, calendar=ctx.calendar, rules=ctx.rules)
    return Outgoing("views.publish", {"user_id": ctx.pending.recipient, "view": view})


def _project(ctx: Context, notice: notices.ProjectNotice) -> Rendered:
    info = projects.get_by_id(ctx.session, ctx.team_id, notice.project_id)
    if info is None:
        return None
    return ctx.post(project_blocks.notification(notice.kind, info, ctx.reader.locale, notice.payload()))


def _progress_card(ctx: Context, notice: notices.ProgressCard) -> Rendered:
    update = progress.get_update(ctx.session, ctx.team_id, notice.update_id)
    return ctx.post(progress_blocks.card(update, ctx.reader)) if update else None


def _progress_card_edit(ctx: Context, notice: notices.ProgressCardEdit) -> Rendered:
    """The edited report is redrawn in place: its card, or the board it went out on with the others; before
    that message is out, wait for it."""
    posted = outbox.find(ctx.session, ctx.team_id, notice.card)
    if posted is None or posted.status is OutboxStatus.DEAD:
        return None
    if posted.status is OutboxStatus.PENDING or not posted.sent_ts or not posted.sent_channel:
        return NotYet(RETRY_EDIT_AFTER)
    on_it = outbox.payloads_posted_as(
        ctx.session, ctx.team_id, notices.ProgressCard.kind, posted.sent_channel, posted.sent_ts
    )
    ids = [p["update_id"] for p in on_it if isinstance(p.get("update_id"), int)] or [notice.update_id]
    updates = progress.get_updates(ctx.session, ctx.team_id, ids)
    if not updates:
        return None
    board = progress_blocks.board(updates, ctx.reader)
    return Outgoing("chat.update", {"channel": posted.sent_channel, "ts": posted.sent_ts, **board})


def _outbox_dead(ctx: Context, _notice: notices.OutboxDead) -> Rendered:
    """Nothing, when the messages given up were retried by hand or are older than a day by now."""
    report = outbox.dead_report(ctx.session, ctx.team_id, ctx.now - timedelta(days=1))
    return ctx.post(upkeep_blocks.dead_report(report, ctx.reader)) if report else None


def render_board(
    session: Session, cards: list[Pending], reader: Reader, now: datetime, rules: ledger.Rules
) -> Rendered:
    """Progress cards queued for one channel, sent as one message (a board) when there are several."""
    if len(cards) == 1:
        return render(session, cards[0], reader, now, rules)
    ids = [notices.parse(c.kind, c.payload).update_id for c in cards]  # type: ignore[attr-defined]
    updates = progress.get_updates(session, cards[0].team_id, ids)
    if not updates:
        return None
    return Outgoing("chat.postMessage", {"channel": cards[0].recipient, **progress_blocks.board(updates, reader)})


def _approval_card_payload(ctx: Context, request_id: int, step_id: int | None) -> dict[str, Any]:
    """An approver's card (with the step they were asked on) or the requester's status card."""
    info = approvals.get(ctx.session, ctx.team_id, request_id)
    return approval_blocks.ask(info, ctx.reader, step_id) if step_id else approval_blocks.card(info, ctx.reader)


def _approval_card(ctx: Context, notice: notices.ApprovalNotice) -> Rendered:
    return ctx.post(_approval_card_payload(ctx, notice.request_id, notice.step_id))


def _approval_refresh(ctx: Context, notice: notices.ApprovalRefresh) -> Rendered:
    """A card already out, redrawn in place for the request's new state."""
    return ctx.redraw(notice.card, _approval_card_payload(ctx, notice.request_id, notice.step_id))


def _approval_notice(ctx: Context, notice: notices.ApprovalNotice) -> Rendered:
    info = approvals.get(ctx.session, ctx.team_id, notice.request_id)
    return ctx.post(approval_blocks.notification(notice.kind, info, ctx.reader, notice.payload()))


def _directive_card_payload(ctx: Context, directive_id: int) -> dict[str, Any]:
    info = directives.get(ctx.session, ctx.team_id, directive_id)
    return directive_blocks.card(info, ctx.reader, ctx.today, viewer=ctx.pending.recipient)


def _directive_card(ctx: Context, notice: notices.DirectiveCard) -> Rendered:
    return ctx.post(_directive_card_payload(ctx, notice.directive_id))


def _directive_refresh(ctx: Context, notice: notices.DirectiveRefresh) -> Rendered:
    return ctx.redraw(notice.card, _directive_card_payload(ctx, notice.directive_id))


def _directive_notice(ctx: Context, notice: notices.DirectiveNotice) -> Rendered:
    info = directives.get(ctx.session, ctx.team_id, notice.directive_id)
    return ctx.post(directive_blocks.notification(notice.kind, info, ctx.reader))


def _discussion_card(ctx: Context, notice: notices.DiscussionCard) -> Rendered:
    """The card in the channel; once posted, its ts names the discussion's thread."""
    info = discussions.get(ctx.session, ctx.team_id, notice.discussion_id)

    def started(s: Session, channel: str | None, ts: str | None) -> None:
        discussions.thread_started(s, info.team_id, info.id, channel, ts)

    return ctx.post(discussion_blocks.card(info, ctx.reader, ctx.today), on_sent=started)


def _discussion_refresh(ctx: Context, notice: notices.DiscussionRefresh) -> Rendered:
    info = discussions.get(ctx.session, ctx.team_id, notice.discussion_id)
    return ctx.redraw(notice.card, discussion_blocks.card(info, ctx.reader, ctx.today))


def _discussion_summary(ctx: Context, notice: notices.DiscussionSummary) -> Rendered:
    """The closing summary goes into the card's thread; a card that never went out leaves it in the channel."""
    info = discussions.get(ctx.session, ctx.team_id, notice.discussion_id)
    posted = outbox.find(ctx.session, ctx.team_id, notice.card)
    if posted is not None and posted.status is OutboxStatus.PENDING:
        return NotYet(RETRY_EDIT_AFTER)
    payload = discussion_blocks.summary(info, ctx.reader)
    return ctx.post({**payload, "thread_ts": posted.sent_ts} if posted is not None and posted.sent_ts else payload)


def _nudge_payload(ctx: Context, notice: notices.ProgressNudge | notices.NudgeEscalation) -> dict[str, Any] | None:
    """A nudge, or the leads' list of who is missing; nothing once everyone has reported or the period is over."""
    found = nudges.still_missing(
        ctx.session, ctx.team_id, notice.project_id, notice.period_start, ctx.now, ctx.calendar
    )
    if found is None:
        return None
    info, missing = found
    if isinstance(notice, notices.NudgeEscalation):
        return nudge_blocks.escalation(info, notice.period_start, missing, ctx.reader) if missing else None
    if ctx.pending.recipient in missing:
        return nudge_blocks.progress_nudge(info, notice.period_start, notice.stage, ctx.reader)
    return None


def _approval_reminder_payload(ctx: Context, notice: notices.ApprovalReminder) -> dict[str, Any] | None:
    info = approvals.get(ctx.session, ctx.team_id, notice.request_id)
    step = info.step(notice.step_id)
    if step is None or step.status is not StepStatus.PENDING:
        return None  # decided meanwhile
    overdue = isinstance(notice, notices.ApprovalOverdue)
    return nudge_blocks.approval_reminder(info, step.approver, notice.hours, overdue, ctx.reader)


def _directive_reminder_payload(ctx: Context, notice: notices.DirectiveReminder) -> dict[str, Any] | None:
    info = directives.get(ctx.session, ctx.team_id, notice.directive_id)
    if info.status not in directives.OPEN:
        return None  # reported or done meanwhile
    return nudge_blocks.directive_reminder(info, notice.stage, ctx.reader)


def _gathered_payload(ctx: Context, notice: notices.Notice) -> dict[str, Any] | None:
    if isinstance(notice, notices.ProgressNudge | notices.NudgeEscalation):
        return _nudge_payload(ctx, notice)
    if isinstance(notice, notices.ApprovalReminder):
        return _approval_reminder_payload(ctx, notice)
    if isinstance(notice, notices.DirectiveReminder):
        return _directive_reminder_payload(ctx, notice)
    raise LookupError(f"{notice.kind} is not gathered into the morning DM")


def _single(payload_of: Callable[[Context, Any], dict[str, Any] | None]) -> Renderer:
    """A nudge or reminder queued on its own (before they were gathered into one DM a morning)."""

    def render_one(ctx: Context, notice: Any) -> Rendered:
        payload = payload_of(ctx, notice)
        return ctx.post(payload) if payload else None

    return render_one


def _daily(ctx: Context, notice: notices.DailyNudges) -> Rendered:
    """A person's one DM of the morning: each item gathered into it, checked again now; nothing if none is left."""
    items = daily.gathered(ctx.session, ctx.team_id, ctx.pending.recipient, notice.day)
    parts = [payload for item in items if (payload := _gathered_payload(ctx, item))]
    payload = nudge_blocks.daily(parts, ctx.reader)
    return ctx.post(payload) if payload else None


def _project_digest(ctx: Context, notice: notices.ProjectDigest) -> Rendered:
    """A project's weekly digest to its channel; nothing for a project that is gone or closed."""
    digest = digests.project_week(
        ctx.session, ctx.team_id, notice.project_id, week_start=notice.week_start, now=ctx.now, calendar=ctx.calendar
    )
    if digest is None or digest.project.status is ProjectStatus.CLOSED:
        return None
    return ctx.post(digest_blocks.project_digest(digest, ctx.reader))


def _cross_digest(ctx: Context, notice: notices.CrossDigest) -> Rendered:
    """The cross-project digest of the row's workspace, to an admin or subscriber; nothing when no project is active."""
    lines = digests.cross_project(
        ctx.session, ctx.team_id, now=ctx.now, calendar=ctx.calendar, week_start=notice.week_start
    )
    return ctx.post(digest_blocks.cross_digest(lines, ctx.reader)) if lines else None


def _adjustment(ctx: Context, notice: notices.LedgerAdjusted) -> Rendered:
    found = ledger.adjustment_notice(ctx.session, ctx.team_id, notice.adjustment_id)
    return ctx.post(report_blocks.adjustment_notice(found, ctx.reader)) if found else None


RENDERERS: dict[type[notices.Notice], Renderer] = {
    notices.HomeRefresh: _home,
    notices.MemberAdded: _project,
    notices.MemberJoined: _project,
    notices.MemberRemoved: _project,
    notices.MemberLeft: _project,
    notices.ProjectRegistered: _project,
    notices.ProjectClosed: _project,
    notices.ProjectReopened: _project,
    notices.ProgressCard: _progress_card,
    notices.ProgressCardEdit: _progress_card_edit,
    notices.ApprovalAsk: _approval_card,
    notices.ApprovalStatus: _approval_card,
    notices.ApprovalRefresh: _approval_refresh,
    notices.ApprovalProxyAsked: _approval_notice,
    notices.ApprovalDecidedForYou: _approval_notice,
    notices.ApprovalReturned: _approval_notice,
    notices.ApprovalCompleted: _approval_notice,
    notices.ApprovalRecord: _approval_notice,
    notices.ApprovalWithdrawn: _approval_notice,
    notices.ApprovalDisagreed: _approval_notice,
    notices.DirectiveCard: _directive_card,
    notices.DirectiveRefresh: _directive_refresh,
    notices.DirectiveReported: _directive_notice,
    notices.DirectiveAccepted: _directive_notice,
    notices.DirectiveReturned: _directive_notice,
    notices.DiscussionCard: _discussion_card,
    notices.DiscussionRefresh: _discussion_refresh,
    notices.DiscussionSummary: _discussion_summary,
    notices.ProgressNudge: _single(_nudge_payload),
    notices.NudgeEscalation: _single(_nudge_payload),
    notices.ApprovalReminder: _single(_approval_reminder_payload),
    notices.ApprovalOverdue: _single(_approval_reminder_payload),
    notices.DirectiveReminder: _single(_directive_reminder_payload),
    notices.DailyNudges: _daily,
    notices.ProjectDigest: _project_digest,
    notices.CrossDigest: _cross_digest,
    notices.LedgerAdjusted: _adjustment,
    notices.OutboxDead: _outbox_dead,
}


def render(session: Session, pending: Pending, reader: Reader, now: datetime, rules: ledger.Rules) -> Rendered:
    """The call that delivers the row now; `rules` carry the calendar and how participation is counted."""
    notice = notices.parse(pending.kind, pending.payload)
    renderer = RENDERERS.get(type(notice))
    if renderer is None:
        raise LookupError(f"no renderer for outbox kind {pending.kind!r}")
    return renderer(Context(session, pending, reader, now, rules), notice)
