"""The database side of the outbox: enqueue with the cause, claim, and record the outcome.

Sending lives in scheduler/delivery.py; this module knows nothing of Slack. A row is keyed
by (team, dedupe_key) so the same notification can never be queued twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import OutboxMessage, OutboxStatus
from models.base import utcnow
from models.db import OUTBOX_DIRTY

CLAIM_LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Pending:
    id: int
    team_id: str
    kind: str
    recipient: str
    payload: dict[str, Any]
    attempts: int
    sent_channel: str | None
    sent_ts: str | None


def enqueue(
    session: Session,
    *,
    team_id: str,
    kind: str,
    recipient: str,
    dedupe_key: str,
    payload: dict[str, Any] | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Queues a message in the caller's transaction; False if that dedupe key was queued before."""
    exists = session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.team_id == team_id, OutboxMessage.dedupe_key == dedupe_key)
    )
    if exists is not None:
        return False
    try:
        with session.begin_nested():
            session.add(
                OutboxMessage(
                    team_id=team_id,
                    kind=kind,
                    recipient=recipient,
                    dedupe_key=dedupe_key,
                    payload=payload or {},
                    next_attempt_at=not_before or utcnow(),
                )
            )
    except IntegrityError:
        return False
    session.info[OUTBOX_DIRTY] = True
    return True


def due_ids(session: Session, now: datetime, limit: int = 50) -> list[int]:
    return list(
        session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.next_attempt_at <= now,
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    )


def claim(session: Session, message_id: int, now: datetime, lease: timedelta = CLAIM_LEASE) -> Pending | None:
    """Takes a row for sending; a conditional update so two workers never both get it."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.PENDING,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .values(claimed_until=now + lease, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    row = session.get(OutboxMessage, message_id, populate_existing=True)
    assert row is not None
    return Pending(
        id=row.id,
        team_id=row.team_id,
        kind=row.kind,
        recipient=row.recipient,
        payload=dict(row.payload),
        attempts=row.attempts,
        sent_channel=row.sent_channel,
        sent_ts=row.sent_ts,
    )


def mark_sent(session: Session, message_id: int, *, channel: str | None, ts: str | None) -> None:
    row = session.get(OutboxMessage, message_id)
    if row is None or row.status is not OutboxStatus.PENDING:
        return
    row.status = OutboxStatus.SENT
    row.sent_at = utcnow()
    row.sent_channel = channel
    row.sent_ts = ts
    row.claimed_until = None
    row.last_error = None


def mark_failed(session: Session, message_id: int, *, error: str, retry_at: datetime | None) -> OutboxStatus:
    """Schedules another attempt, or gives up (dead) when there is none or attempts ran out."""
    row = session.get(OutboxMessage, message_id)
    if row is None:
        return OutboxStatus.DEAD
    if row.status is not OutboxStatus.PENDING:  # a late report must not undo another worker's delivery
        return row.status
    row.last_error = error[:1000]
    row.claimed_until = None
    if retry_at is None or row.attempts >= MAX_ATTEMPTS:
        row.status = OutboxStatus.DEAD
    else:
        row.next_attempt_at = retry_at
    return row.status


def release(session: Session, message_id: int, retry_at: datetime) -> None:
    """Puts a claimed row back without counting an attempt (for example to respect a rate limit)."""
    row = session.get(OutboxMessage, message_id)
    if row is None or row.status is not OutboxStatus.PENDING:
        return
    row.attempts = max(0, row.attempts - 1)
    row.claimed_until = None
    row.next_attempt_at = retry_at


def next_due_at(session: Session) -> datetime | None:
    """When the earliest pending row becomes due (or its claim lapses), for the worker's sleep."""
    ready_at = case(
        (OutboxMessage.claimed_until > OutboxMessage.next_attempt_at, OutboxMessage.claimed_until),
        else_=OutboxMessage.next_attempt_at,
    )
    return session.scalar(
        select(ready_at).where(OutboxMessage.status == OutboxStatus.PENDING).order_by(ready_at).limit(1)
    )


def counts(session: Session) -> dict[str, int]:
    result = {status.value: 0 for status in OutboxStatus}
    for (status,) in session.execute(select(OutboxMessage.status)):
        result[status.value] += 1
    return result
