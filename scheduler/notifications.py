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
from kit.home_view import home_view
from kit.reader import Reader
from services import approvals, digests, directives, discussions, ledger, nudges, outbox, progress, projects, reminders
from services.calendar import WorkCalendar
from services.outbox import Pending
from services.terms import OutboxStatus, ProjectStatus, StepStatus

RETRY_EDIT_AFTER = timedelta(seconds=2)
HOME = "home.refresh"


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
Renderer = Callable[[Session, Pending, Reader, WorkCalendar, datetime], Rendered]


def _redraw(session: Session, pending: Pending, card_key: str, payload: dict[str, Any]) -> Rendered:
    """chat.update of a card already out; before it is out, wait; if it never went out, nothing to redraw."""
    posted = outbox.find(session, pending.team_id, card_key)
    if posted is None or posted.status is OutboxStatus.DEAD:
        return None
    if posted.status is OutboxStatus.PENDING or not posted.sent_ts:
        return NotYet(RETRY_EDIT_AFTER)
    return Outgoing("chat.update", {"channel": posted.sent_channel, "ts": posted.sent_ts, **payload})


def _project(session: Session, pending: Pending, reader: Reader, _calendar: WorkCalendar, _now: datetime) -> Rendered:
    info = projects.get_by_id(session, pending.team_id, int(pending.payload["project_id"]))
    if info is None:
        return None
    payload = project_blocks.notification(pending.kind, info, reader.locale, pending.payload)
    return Outgoing("chat.postMessage", {"channel": pending.recipient, **payload})


def _progress_card(
    session: Session, pending: Pending, reader: Reader, _calendar: WorkCalendar, _now: datetime
) -> Rendered:
    update = progress.get_update(session, pending.team_id, int(pending.payload["update_id"]))
    if update is None:
        return None
    return Outgoing("chat.postMessage", {"channel": pending.recipient, **progress_blocks.card(update, reader)})


def _progress_card_edit(
    session: Session, pending: Pending, reader: Reader, _calendar: WorkCalendar, _now: datetime
) -> Rendered:
    """The edited card replaces the posted one in place; before that one is out, wait for it."""
    update = progress.get_update(session, pending.team_id, int(pending.payload["update_id"]))
    if update is None:
        return None
    return _redraw(session, pending, str(pending.payload["card"]), progress_blocks.card(update, reader))


def _approval_card(
    session: Session, pending: Pending, reader: Reader, _calendar: WorkCalendar, _now: datetime
) -> Rendered:
    """An approver's card (approval.ask) or the requester's status card (approval.status)."""
    info = approvals.get(session, pending.team_id, int(pending.payload["request_id"]))
    step_id = pending.payload.get("step_id")
    payload = approval_blocks.ask(info, reader, int(step_id)) if step_id else approval_blocks.card(info, reader)
    return Outgoing("chat.postMessage", {"channel": pending.recipient, **payload})


def _approval_refresh(
    session: Session, pending: Pending, reader: Reader, _calendar: WorkCalendar, _now: datetime
) -> Rendered:
    """A card already out, redrawn in place for the request's new state."""
    info = approvals.get(session, pending.team_id, int(pending.payload["request_id"]))
    step_id = pending.payload.get("step_id")
    payload = approval_blocks.ask(info, reader, int(step_id)) if step_id else approval_blocks.card(info, reader)
    return _redraw(session, pending, str(pending.payload["card"]), payload)


def _approval_notice(
    session: Session, pending: Pending, reader: Reader, _calendar: WorkCalendar, _now: datetime
) -> Rendered:
    info = approvals.get(session, pending.team_id, int(pending.payload["request_id"]))
    payload = approval_blocks.notification(pending.kind, info, reader, pending.payload)
    return Outgoing("chat.postMessage", {"channel": pending.recipient, **payload})


def _directive_reader_today(reader: Reader, now: datetime):
    return now.astimezone(reader.zone).date()


def _directive_card(
    session: Session, pending: Pending, reader: Reader, _calendar: WorkCalendar, now: datetime
) -> Rendered:
    info = directives.get(session, pending.team_id, int(pending.payload["directive_id"]))
    payload = directive_blocks.card(info, reader, _directive_reader_today(reader, now), viewer=pending.recipient)
    return Outgoing("chat.postMessage", {"channel": pending.recipient, **payload})


def _directive_refresh(
    session: Session, pending: Pending, reader: Reader, _calendar: WorkCalendar, now: datetime
) -> Rendered:
    info = directives.get(session, pending.team_id, int(pending.payload["directive_id"]))
    payload = directive_blocks.card(info, reader, _directive_reader_today(reader, now), viewer=pending.recipient)
    return _redraw(session, pending, str(pending.payload["card"]), payload)


def _directive_notice(
    session: Session, pending: Pending, reader: Reader, _calendar: WorkCalendar, _now: datetime
) -> Rendered:
    info = directives.get(session, pending.team_id, int(pending.payload["directive_id"]))
    return Outgoing(
        "chat.postMessage", {"channel": pending.recipient, **directive_blocks.notification(pending.kind, info, reader)}
    )


def _discussion_card(
    session: Session, pending: Pending, reader: Reader, _calendar: WorkCalendar, now: datetime
) -> Rendered:
    """The card in the channel; once posted, its ts names the discussion's thread."""
    info = discussions.get(session, pending.team_id, int(pending.payload["discussion_id"]))
    payload = discussion_blocks.card(info, reader, reader.local_date(now))

    def started(s: Session, channel: str | None, ts: str | None) -> None:
        discussions.thread_started(s, info.team_id, info.id, channel, ts)

    return Outgoing("chat.postMessage", {"channel": pending.recipient, **payload}, on_sent=started)


def _discussion_refresh(
    session: Session, pending: Pending, reader: Reader, _calendar: WorkCalendar, now: datetime
) -> Rendered:
    info = discussions.get(session, pending.team_id, int(pending.payload["discussion_id"]))
    payload = discussion_blocks.card(info, reader, reader.local_date(now))
    return _redraw(session, pending, str(pending.payload["card"]), payload)


def _discussion_summary(
    session: Session, pending: Pending, reader: Reader, _calendar: WorkCalendar, _now: datetime
) -> Rendered:
    """The closing summary goes into the card's thread; a card that never went out leaves it in the channel."""
    info = discussions.get(session, pending.team_id, int(pending.payload["discussion_id"]))
    posted = outbox.find(session, pending.team_id, str(pending.payload["card"]))
    if posted is not None and posted.status is OutboxStatus.PENDING:
        return NotYet(RETRY_EDIT_AFTER)
    args: dict[str, Any] = {"channel": pending.recipient, **discussion_blocks.summary(info, reader)}
    if posted is not None and posted.sent_ts:
        args["thread_ts"] = posted.sent_ts
    return Outgoing("chat.postMessage", args)


def _progress_nudge(
    session: Session, pending: Pending, reader: Reader, calendar: WorkCalendar, now: datetime
) -> Rendered:
    """A nudge, or the leads' list of who is missing; nothing once everyone has reported or the period is over."""
    period_start = date.fromisoformat(str(pending.payload["period_start"]))
    found = nudges.still_missing(
        session, pending.team_id, int(pending.payload["project_id"]), period_start, now, calendar
    )
    if found is None:
        return None
    info, missing = found
    if pending.kind == nudges.ESCALATION:
        payload = nudge_blocks.escalation(info, period_start, missing, reader) if missing else None
    elif pending.recipient in missing:
        payload = nudge_blocks.progress_nudge(info, period_start, int(pending.payload.get("stage", 1)), reader)
    else:
        payload = None
    return Outgoing("chat.postMessage", {"channel": pending.recipient, **payload}) if payload else None


def _approval_reminder(
    session: Session, pending: Pending, reader: Reader, _calendar: WorkCalendar, _now: datetime
) -> Rendered:
    info = approvals.get(session, pending.team_id, int(pending.payload["request_id"]))
    step = info.step(int(pending.payload["step_id"]))
    if step is None or step.status is not StepStatus.PENDING:
        return None  # decided meanwhile
    overdue = pending.kind == reminders.APPROVAL_OVERDUE
    payload = nudge_blocks.approval_reminder(info, step.approver, int(pending.payload["hours"]), overdue, reader)
    return Outgoing("chat.postMessage", {"channel": pending.recipient, **payload})


def _directive_reminder(
    session: Session, pending: Pending, reader: Reader, _calendar: WorkCalendar, _now: datetime
) -> Rendered:
    info = directives.get(session, pending.team_id, int(pending.payload["directive_id"]))
    if info.status not in directives.OPEN:
        return None  # reported or done meanwhile
    payload = nudge_blocks.directive_reminder(info, str(pending.payload["stage"]), reader)
    return Outgoing("chat.postMessage", {"channel": pending.recipient, **payload})


def _project_digest(
    session: Session, pending: Pending, reader: Reader, calendar: WorkCalendar, now: datetime
) -> Rendered:
    """A project's weekly digest to its channel; nothing for a project that is gone or closed."""
    digest = digests.project_week(
        session,
        pending.team_id,
        int(pending.payload["project_id"]),
        week_start=date.fromisoformat(str(pending.payload["week_start"])),
        now=now,
        calendar=calendar,
    )
    if digest is None or digest.project.status is ProjectStatus.CLOSED:
        return None
    return Outgoing("chat.postMessage", {"channel": pending.recipient, **digest_blocks.project_digest(digest, reader)})


def _cross_digest(
    session: Session, pending: Pending, reader: Reader, calendar: WorkCalendar, now: datetime
) -> Rendered:
    """The cross-project digest of the row's workspace, to an admin or subscriber; nothing when no project is active."""
    week = pending.payload.get("week_start")
    lines = digests.cross_project(
        session,
        pending.team_id,
        now=now,
        calendar=calendar,
        week_start=date.fromisoformat(str(week)) if week else None,
    )
    if not lines:
        return None
    return Outgoing("chat.postMessage", {"channel": pending.recipient, **digest_blocks.cross_digest(lines, reader)})


def _adjustment(
    session: Session, pending: Pending, reader: Reader, _calendar: WorkCalendar, _now: datetime
) -> Rendered:
    notice = ledger.adjustment_notice(session, pending.team_id, int(pending.payload["adjustment_id"]))
    if notice is None:
        return None
    return Outgoing(
        "chat.postMessage", {"channel": pending.recipient, **report_blocks.adjustment_notice(notice, reader)}
    )


def _home(session: Session, pending: Pending, reader: Reader, now: datetime, rules: ledger.Rules) -> Rendered:
    view = home_view(session, pending.team_id, reader, now=now, calendar=rules.calendar, rules=rules)
    return Outgoing("views.publish", {"user_id": pending.recipient, "view": view})


RENDERERS: dict[str, Renderer] = {
    "project.member_added": _project,
    "project.member_joined": _project,
    "project.registered": _project,
    "project.closed": _project,
    "progress.card": _progress_card,
    "progress.card_edit": _progress_card_edit,
    "approval.ask": _approval_card,
    "approval.status": _approval_card,
    "approval.refresh": _approval_refresh,
    "approval.proxy_asked": _approval_notice,
    "approval.decided_for_you": _approval_notice,
    "approval.returned": _approval_notice,
    "approval.completed": _approval_notice,
    "approval.record": _approval_notice,
    "directive.card": _directive_card,
    "directive.refresh": _directive_refresh,
    "directive.reported": _directive_notice,
    "directive.accepted": _directive_notice,
    "directive.returned": _directive_notice,
    "discussion.card": _discussion_card,
    "discussion.refresh": _discussion_refresh,
    "discussion.summary": _discussion_summary,
    nudges.NUDGE: _progress_nudge,
    nudges.ESCALATION: _progress_nudge,
    reminders.APPROVAL_REMINDER: _approval_reminder,
    reminders.APPROVAL_OVERDUE: _approval_reminder,
    reminders.DIRECTIVE_REMINDER: _directive_reminder,
    "digest.project": _project_digest,
    "digest.cross": _cross_digest,
    ledger.ADJUSTED: _adjustment,
}


def render(session: Session, pending: Pending, reader: Reader, now: datetime, rules: ledger.Rules) -> Rendered:
    """The call that delivers the row now; `rules` carry the calendar and how participation is counted."""
    if pending.kind == HOME:
        return _home(session, pending, reader, now, rules)
    calendar = rules.calendar
    renderer = RENDERERS.get(pending.kind)
    if renderer is None:
        raise LookupError(f"no renderer for outbox kind {pending.kind!r}")
    return renderer(session, pending, reader, calendar, now)
