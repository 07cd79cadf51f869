"""One DM a person a morning: the nudges and reminders due to them that day, gathered.

The rules of what is due stay where they were (services/nudges.py, services/reminders.py): they name each
item with its own key, as before. Here the items due to one person are recorded as gathered into that
person's DM of the local day (`daily:<person>:<day>`), which is queued once: from 10:00 in their zone (the
nudges' hour), so that a reminder due earlier that morning waits for the nudges rather than going alone.
An item that falls due after the day's DM was queued is not recorded at all, so the rules find it due again
and the next day's DM lists it. At delivery every item is checked again (scheduler/notifications.py).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import OutboxMessage
from services import notices, outbox
from services.audience import Audience
from services.terms import OutboxStatus

GATHERED_KINDS = (
    notices.ProgressNudge.kind,
    notices.NudgeEscalation.kind,
    notices.ApprovalReminder.kind,
    notices.ApprovalOverdue.kind,
    notices.DirectiveReminder.kind,
)


def daily_key(recipient: str, day: date) -> str:
    return f"daily:{recipient}:{day.isoformat()}"


def gather(session: Session, items: list[dict[str, Any]], now: datetime, audience: Audience) -> list[dict[str, Any]]:
    """The outbox rows for `items` (rows of the gathered kinds, each due now to one person): each item
    recorded as gathered, plus one DM a person for the local day; items that must wait are left out."""
    if not items:
        return []
    wt = audience.working_time
    queued = outbox.queued_since(session, [notices.DailyNudges.kind], now - timedelta(days=2))
    by_person: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for item in items:
        by_person.setdefault((item["team_id"], item["recipient"]), []).append(item)
    rows: list[dict[str, Any]] = []
    for (team, person), theirs in by_person.items():
        tz = audience.tz(team, person)
        day = wt.local(now, tz).date()
        if now < wt.slot(day, tz):
            continue  # before this morning's 10:00: they go with the nudges
        key = daily_key(person, day)
        if (team, key) in queued:
            continue  # today's DM is out: tomorrow's lists them
        # an item is recorded as sent, its last_error naming the DM that carries it (as coalesced rows say so)
        rows.extend({**item, "status": OutboxStatus.SENT, "sent_at": now, "last_error": key} for item in theirs)
        rows.append(notices.row(team, person, notices.DailyNudges(day), key))
    return rows


def gathered(session: Session, team_id: str, recipient: str, day: date) -> list[notices.Notice]:
    """The items gathered into that person's DM of that day, in the order they were queued."""
    found = session.execute(
        select(OutboxMessage.kind, OutboxMessage.payload)
        .where(
            OutboxMessage.team_id == team_id,
            OutboxMessage.recipient == recipient,
            OutboxMessage.kind.in_(GATHERED_KINDS),
            OutboxMessage.last_error == daily_key(recipient, day),
        )
        .order_by(OutboxMessage.id)
    )
    return [notices.parse(kind, payload) for kind, payload in found]
