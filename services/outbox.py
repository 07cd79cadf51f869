"""The database side of the outbox: enqueue with the cause, claim, and record the outcome.

Sending lives in scheduler/delivery.py; this module knows nothing of Slack. A row is keyed
by (team, dedupe_key) so the same notification can never be queued twice.

When a row may be sent (next_attempt_at, claims, pacing) is always the real clock: a scheduler run as
of another instant (`run-once --at`, the console's `:time`) changes what is due and what messages say,
never when Slack is called.

A row is given up (dead) at once on an error no retry can fix, and otherwise only when a transient failure
(Slack down, slow, rate limiting) comes DEAD_AFTER or more after its first attempt, however many attempts
that took: an outage of minutes or hours loses nothing. Rows given up are kept, for `onnuri doctor`,
/healthz and the admins' daily notice (`dead_since`, `health`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, literal, or_, select, type_coerce, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import OutboxChannel, OutboxMessage, OutboxStatus
from models.base import UTCDateTime, utcnow
from models.db import OUTBOX_DIRTY

log = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(seconds=60)
PACE_CAP = timedelta(minutes=5)  # no channel is held longer than this, whatever a clock or a Retry-After said
DEAD_AFTER = timedelta(hours=24)  # how long transient failures are retried, from a row's first attempt
SKIPPED = "subject no longer exists"  # given up with nothing lost: not counted among the failures
RATE_LIMITED = ("ratelimited", "429")  # how a 429 is recorded as a row's last error


@dataclass(frozen=True)
class Pending:
    id: int
    team_id: str
    kind: str
    recipient: str
    payload: dict[str, Any]
    attempts: int
    rate_limited: int = 0  # of the attempts, how many Slack answered 429
    uncertain: bool = False  # an earlier attempt may have reached Slack: look for it before posting again
    claimed_until: datetime | None = None  # this claim's lease, which also names it (see extend_claim)


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
    row = {
        "team_id": team_id,
        "kind": kind,
        "recipient": recipient,
        "dedupe_key": dedupe_key,
        "payload": payload or {},
        "next_attempt_at": not_before or utcnow(),
    }
    return _insert_new(session, [row]) == 1


def _insert_new(session: Session, rows: list[dict[str, Any]]) -> int:
    """Inserts the rows whose (team, dedupe key) is new, in one statement; returns how many were new.
    ON CONFLICT DO NOTHING, rather than a savepoint a row, keeps the caller's write transaction short."""
    if not rows:
        return 0
    now = utcnow()
    values = [{"status": OutboxStatus.PENDING, "attempts": 0, "created_at": now, **row} for row in rows]
    dialect = session.get_bind().dialect.name
    insert_for = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}.get(dialect)
    if insert_for is None:  # any other database: one savepoint a row
        inserted = 0
        for value in values:
            try:
                with session.begin_nested():
                    session.add(OutboxMessage(**value))
                inserted += 1
            except IntegrityError:
                continue
    else:
        statement = (
            insert_for(OutboxMessage)
            .on_conflict_do_nothing(index_elements=["team_id", "dedupe_key"])
            .returning(OutboxMessage.id)
        )
        # executemany with RETURNING: SQLAlchemy sends it as batched multi-row INSERTs ("insertmanyvalues"),
        # compiled once; a conflict returns no row, so the rows returned are the new ones
        inserted = len(session.execute(statement, values).all())
    if inserted:
        session.info[OUTBOX_DIRTY] = True
    return inserted


@dataclass(frozen=True)
class Delivered:
    status: OutboxStatus
    sent_channel: str | None
    sent_ts: str | None


def find(session: Session, team_id: str, dedupe_key: str) -> Delivered | None:
    """Where an earlier message went, so a later one can update it in place."""
    row = session.execute(
        select(OutboxMessage.status, OutboxMessage.sent_channel, OutboxMessage.sent_ts).where(
            OutboxMessage.team_id == team_id, OutboxMessage.dedupe_key == dedupe_key
        )
    ).first()
    return Delivered(*row) if row else None


def enqueue_rows(session: Session, rows: list[dict[str, Any]]) -> int:
    """Queues many messages at once in the caller's transaction (keys: team_id, kind, recipient, dedupe_key,
    payload), to be sent now; returns how many were new."""
    now = utcnow()
    return _insert_new(session, [{"payload": {}, "next_attempt_at": now, **r} for r in rows])


def keyed_like(session: Session, team_id: str, kind: str, pattern: str) -> list[tuple[str, str]]:
    """(dedupe_key, recipient) of the messages of one kind whose key matches a LIKE pattern, oldest first."""
    return [
        (key, recipient)
        for key, recipient in session.execute(
            select(OutboxMessage.dedupe_key, OutboxMessage.recipient)
            .where(OutboxMessage.team_id == team_id, OutboxMessage.kind == kind, OutboxMessage.dedupe_key.like(pattern))
            .order_by(OutboxMessage.id)
        )
    ]


def queued_since(session: Session, kinds: Iterable[str], since: datetime) -> dict[tuple[str, str], datetime]:
    """(team, dedupe key) -> when it was queued, for rows of these kinds queued since `since`: what the
    scheduler already did, so a job run twice, in two processes or after a crash queues nothing twice."""
    rows = session.execute(
        select(OutboxMessage.team_id, OutboxMessage.dedupe_key, OutboxMessage.created_at).where(
            OutboxMessage.kind.in_(list(kinds)), OutboxMessage.created_at >= since
        )
    )
    return {(team, key): created for team, key, created in rows}


def enqueue_many(session: Session, rows: list[dict[str, Any]], *, at: datetime) -> int:
    """Queues many messages in one statement (keys: team_id, kind, recipient, dedupe_key, payload),
    recorded as queued at `at` (the scheduler's clock, which decides what is due); they may be sent at once,
    by the real clock, whatever `at` says. Returns how many were new."""
    return _insert_new(session, [{"payload": {}, "created_at": at, "next_attempt_at": utcnow(), **row} for row in rows])


def in_flight(session: Session, team_id: str, kind: str, recipient: str, now: datetime) -> bool:
    """Whether a message of this kind to this recipient is being sent right now (claimed, not yet recorded)."""
    return (
        session.scalar(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.team_id == team_id,
                OutboxMessage.kind == kind,
                OutboxMessage.recipient == recipient,
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.claimed_until > now,  # a lapsed claim is a crashed sender, not a send
            )
            .limit(1)
        )
        is not None
    )


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


def _due(now: datetime):
    return (
        OutboxMessage.status == OutboxStatus.PENDING,
        OutboxMessage.next_attempt_at <= now,
        or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
    )


def _skipping_locked(session: Session, query):
    """On PostgreSQL, rows another worker is claiming this instant are passed over rather than waited for."""
    return query.with_for_update(skip_locked=True) if session.get_bind().dialect.name == "postgresql" else query


def claim_due(
    session: Session, now: datetime, limit: int, urgency: Mapping[str, int], lease: timedelta = CLAIM_LEASE
) -> list[Pending]:
    """Claims up to `limit` due rows, the most urgent kinds first, then the oldest: workers in several threads
    and processes each take rows of their own without waiting on one another."""
    order = case(dict(urgency), value=OutboxMessage.kind, else_=max(urgency.values(), default=0) + 1)
    query = select(OutboxMessage.id).where(*_due(now)).order_by(order, OutboxMessage.next_attempt_at, OutboxMessage.id)
    ids = session.scalars(_skipping_locked(session, query.limit(limit))).all()
    return [pending for message_id in ids if (pending := claim(session, message_id, now, lease)) is not None]


def claim_companions(session: Session, first: Pending, now: datetime, limit: int) -> list[Pending]:
    """Due rows of the same kind to the same recipient as `first`, oldest first: what one message may carry
    with it (a channel's board of reports)."""
    if limit <= 0:
        return []
    query = (
        select(OutboxMessage.id)
        .where(
            *_due(now),
            OutboxMessage.team_id == first.team_id,
            OutboxMessage.kind == first.kind,
            OutboxMessage.recipient == first.recipient,
            OutboxMessage.id != first.id,
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    ids = session.scalars(_skipping_locked(session, query)).all()
    return [pending for message_id in ids if (pending := claim(session, message_id, now)) is not None]


def payloads_posted_as(session: Session, team_id: str, kind: str, channel: str, ts: str) -> list[dict[str, Any]]:
    """The payloads of the rows of one kind delivered together as one message, in the order they were queued."""
    return [
        dict(payload)
        for payload in session.scalars(
            select(OutboxMessage.payload)
            .where(
                OutboxMessage.sent_channel == channel,
                OutboxMessage.sent_ts == ts,
                OutboxMessage.team_id == team_id,
                OutboxMessage.kind == kind,
            )
            .order_by(OutboxMessage.id)
        )
    ]


def claim(session: Session, message_id: int, now: datetime, lease: timedelta = CLAIM_LEASE) -> Pending | None:
    """Takes a row for sending; a conditional update so two workers never both get it."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.PENDING,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .values(
            claimed_until=now + lease,
            attempts=OutboxMessage.attempts + 1,
            first_attempt_at=func.coalesce(OutboxMessage.first_attempt_at, literal(now, UTCDateTime())),
            last_attempt_at=now,
            # every outcome clears the claim, so a claim still standing is a sender that died, perhaps after
            # Slack took the message
            uncertain=or_(OutboxMessage.uncertain, OutboxMessage.claimed_until.is_not(None)),
        )
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
        rate_limited=row.rate_limited,
        uncertain=row.uncertain,
        claimed_until=row.claimed_until,
    )


def extend_claim(session: Session, message_id: int, held_until: datetime, until: datetime) -> bool:
    """Lengthens a claim before a slow call, if it is still the caller's (its lease still reads `held_until`);
    False when it lapsed and another worker may have taken the row: the caller must not send."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.claimed_until == held_until,
        )
        .values(claimed_until=until)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


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


def mark_failed(
    session: Session,
    message_id: int,
    *,
    error: str,
    retry_at: datetime | None,
    uncertain: bool = False,
    rate_limited: bool = False,
    held: datetime | None = None,
) -> OutboxStatus:
    """Records a failed attempt: dead when there is no retry (`retry_at` None: a permanent error) or when this
    attempt came DEAD_AFTER or more after the first; else another attempt at `retry_at`. `uncertain`: Slack may
    have done it all the same (a timeout, a reset, a 5xx); `rate_limited`: Slack answered 429."""
    row = session.get(OutboxMessage, message_id)
    if row is None:
        return OutboxStatus.DEAD
    if row.status is not OutboxStatus.PENDING or _taken_over(row, held):  # a late report must not undo
        return row.status  # another worker's delivery, nor its claim
    row.last_error = error[:1000]
    row.claimed_until = None
    row.uncertain = row.uncertain or uncertain  # once in doubt, every later attempt looks first
    if rate_limited:
        row.rate_limited += 1
    if retry_at is None or _tried_long_enough(row):
        _give_up(row)
    else:
        row.next_attempt_at = retry_at
    return row.status


def _tried_long_enough(row: OutboxMessage) -> bool:
    # both instants come from the claims, so a worker on a moved clock judges by that clock throughout
    first, last = row.first_attempt_at, row.last_attempt_at
    return first is not None and last is not None and last - first >= DEAD_AFTER


def _give_up(row: OutboxMessage) -> None:
    row.status = OutboxStatus.DEAD
    row.dead_at = row.last_attempt_at or utcnow()
    row.claimed_until = None


def _taken_over(row: OutboxMessage, held: datetime | None) -> bool:
    """Whether the claim a worker held (`held`, its lease) lapsed and another worker has the row now."""
    return held is not None and row.claimed_until != held


def skip(session: Session, message_id: int, held: datetime | None = None) -> None:
    """Gives up a row whose subject is gone (a project deleted, a digest for a week before it existed):
    nothing was lost, so it is not counted among the failures."""
    row = session.get(OutboxMessage, message_id)
    if row is not None and row.status is OutboxStatus.PENDING and not _taken_over(row, held):
        row.last_error = SKIPPED
        _give_up(row)


def release(session: Session, message_id: int, retry_at: datetime, held: datetime | None = None) -> None:
    """Puts a claimed row back without counting an attempt (its channel was busy, or what it edits is not out
    yet): Slack was not called. With `held`, only while the caller's claim still stands."""
    row = session.get(OutboxMessage, message_id)
    if row is None or row.status is not OutboxStatus.PENDING or _taken_over(row, held):
        return
    row.attempts = max(0, row.attempts - 1)
    if row.attempts == 0:  # never tried after all: its DEAD_AFTER starts at its first real attempt
        row.first_attempt_at = row.last_attempt_at = None
    row.claimed_until = None
    row.next_attempt_at = retry_at


def bring_forward(session: Session, now: datetime, settled: datetime) -> int:
    """Rows waiting out a backoff after failures are made due now (Slack is answering again), except those last
    tried after `settled`, whose post Slack's reads may not show yet; returns how many."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.claimed_until.is_(None),
            OutboxMessage.next_attempt_at > now,
            OutboxMessage.last_error.is_not(None),
            OutboxMessage.last_error.not_in(RATE_LIMITED),  # Slack's Retry-After still stands
            OutboxMessage.last_attempt_at <= settled,
        )
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def pending_count(session: Session) -> int:
    return session.scalar(select(func.count()).where(OutboxMessage.status == OutboxStatus.PENDING)) or 0


_FAILED = (OutboxMessage.status == OutboxStatus.DEAD) & or_(
    OutboxMessage.last_error.is_(None), OutboxMessage.last_error != SKIPPED
)


@dataclass(frozen=True)
class DeadMessage:
    """A message given up: what it was, to whom, why, and after how many attempts over how long."""

    id: int
    team_id: str
    kind: str
    recipient: str
    error: str
    attempts: int
    first_attempt_at: datetime | None
    dead_at: datetime | None


def dead_since(session: Session, since: datetime, *, team_id: str | None = None, limit: int = 50) -> list[DeadMessage]:
    """Messages given up since `since` (skipped ones aside), the most recent first."""
    query = (
        select(
            OutboxMessage.id,
            OutboxMessage.team_id,
            OutboxMessage.kind,
            OutboxMessage.recipient,
            OutboxMessage.last_error,
            OutboxMessage.attempts,
            OutboxMessage.first_attempt_at,
            OutboxMessage.dead_at,
        )
        .where(_FAILED, OutboxMessage.dead_at >= since)
        .order_by(OutboxMessage.dead_at.desc(), OutboxMessage.id.desc())
        .limit(limit)
    )
    if team_id is not None:
        query = query.where(OutboxMessage.team_id == team_id)
    return [DeadMessage(*(r[:4]), r[4] or "", *(r[5:])) for r in session.execute(query)]


def dead_counts_since(session: Session, since: datetime) -> dict[str, int]:
    """Team -> how many messages were given up since `since` (skipped ones aside): whom the admins' daily
    notice is about."""
    rows = session.execute(
        select(OutboxMessage.team_id, func.count())
        .where(_FAILED, OutboxMessage.dead_at >= since)
        .group_by(OutboxMessage.team_id)
    )
    return {team: count for team, count in rows}


@dataclass(frozen=True)
class DeadReport:
    """What the admins are told once a day: the messages of a team given up since `since`."""

    team_id: str
    since: datetime
    count: int
    by_error: dict[str, int]  # error -> how many, the most frequent first
    latest: list[DeadMessage]


def dead_report(session: Session, team_id: str, since: datetime, *, latest: int = 5) -> DeadReport | None:
    """The team's messages given up since `since` (skipped ones aside), or None when there were none."""
    errors = session.execute(
        select(OutboxMessage.last_error, func.count())
        .where(_FAILED, OutboxMessage.team_id == team_id, OutboxMessage.dead_at >= since)
        .group_by(OutboxMessage.last_error)
        .order_by(func.count().desc(), OutboxMessage.last_error)
    ).all()
    if not errors:
        return None
    return DeadReport(
        team_id=team_id,
        since=since,
        count=sum(count for _, count in errors),
        by_error={error or "": count for error, count in errors},
        latest=dead_since(session, since, team_id=team_id, limit=latest),
    )


@dataclass(frozen=True)
class OutboxHealth:
    pending: int
    oldest_pending_seconds: int | None  # how long the longest-waiting due row has waited (since due or first tried)
    dead: int  # given up, ever (skipped ones aside)
    dead_last_day: int


def health(session: Session, now: datetime) -> OutboxHealth:
    """The outbox at a glance, from a few indexed queries (cheap enough for every /healthz probe)."""
    waiting_since = func.coalesce(OutboxMessage.first_attempt_at, OutboxMessage.next_attempt_at)
    pending, oldest = session.execute(
        select(func.count(), type_coerce(func.min(case((waiting_since <= now, waiting_since))), UTCDateTime())).where(
            OutboxMessage.status == OutboxStatus.PENDING
        )
    ).one()
    dead = session.scalar(select(func.count()).where(_FAILED)) or 0
    last_day = session.scalar(select(func.count()).where(_FAILED, OutboxMessage.dead_at >= now - timedelta(days=1)))
    return OutboxHealth(
        pending=pending,
        oldest_pending_seconds=max(0, int((now - oldest).total_seconds())) if oldest is not None else None,
        dead=dead,
        dead_last_day=last_day or 0,
    )


def next_due_at(session: Session) -> datetime | None:
    """When the earliest pending row becomes due (or its claim lapses), for the worker's sleep."""
    ready_at = case(
        (OutboxMessage.claimed_until > OutboxMessage.next_attempt_at, OutboxMessage.claimed_until),
        else_=OutboxMessage.next_attempt_at,
    )
    return session.scalar(
        select(ready_at).where(OutboxMessage.status == OutboxStatus.PENDING).order_by(ready_at).limit(1)
    )


def siblings(session: Session, delivered: Pending, key_prefix: str) -> list[int]:
    """Other pending rows of the same kind, recipient and subject (dedupe keys starting with `key_prefix`)
    that this session can see. Read in the same session as the render, so every one of them is already
    shown by what is about to be delivered."""
    return list(
        session.scalars(
            select(OutboxMessage.id).where(
                OutboxMessage.team_id == delivered.team_id,
                OutboxMessage.kind == delivered.kind,
                OutboxMessage.recipient == delivered.recipient,
                OutboxMessage.dedupe_key.startswith(key_prefix, autoescape=True),
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.id != delivered.id,
            )
        )
    )


def coalesce(session: Session, ids: list[int], now: datetime) -> int:
    """Marks rows as delivered by another row's delivery (see siblings); claimed rows are left alone."""
    if not ids:
        return 0
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            OutboxMessage.status == OutboxStatus.PENDING,
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .values(status=OutboxStatus.SENT, sent_at=now, last_error="coalesced")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def reserve_channel(session: Session, team_id: str, channel: str, now: datetime, spacing: timedelta) -> datetime | None:
    """Takes the channel's next sending slot: None when this caller may send now, else when it may.

    A conditional update, so processes delivering side by side keep one pace per channel."""
    # a hold further ahead than PACE_CAP came from a wrong clock (a run-once --at in the future, say): it is
    # dropped rather than obeyed, so a channel is never silenced for long
    dropped = session.execute(
        update(OutboxChannel)
        .where(
            OutboxChannel.team_id == team_id,
            OutboxChannel.channel == channel,
            OutboxChannel.not_before > now + PACE_CAP,
        )
        .values(not_before=now)
        .execution_options(synchronize_session=False)
    )
    if dropped.rowcount:
        log.warning("outbox: channel %s was held beyond %s; the hold was ignored", channel, PACE_CAP)
    taken = session.execute(
        update(OutboxChannel)
        .where(OutboxChannel.team_id == team_id, OutboxChannel.channel == channel, OutboxChannel.not_before <= now)
        .values(not_before=now + spacing)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount == 1:
        return None
    query = select(OutboxChannel.not_before).where(OutboxChannel.team_id == team_id, OutboxChannel.channel == channel)
    busy_until = session.scalar(query)
    if busy_until is not None:
        return busy_until
    try:
        with session.begin_nested():
            session.add(OutboxChannel(team_id=team_id, channel=channel, not_before=now + spacing))
    except IntegrityError:  # another process opened the channel's pacing a moment ago
        return session.scalar(query) or now + spacing
    return None


def hold_channel(session: Session, team_id: str, channel: str, until: datetime) -> None:
    """Nothing more goes to the channel before `until` (Slack's Retry-After applies to all of it), at most
    PACE_CAP from now (the real clock)."""
    until = min(until, utcnow() + PACE_CAP)
    session.execute(
        update(OutboxChannel)
        .where(OutboxChannel.team_id == team_id, OutboxChannel.channel == channel, OutboxChannel.not_before < until)
        .values(not_before=until)
        .execution_options(synchronize_session=False)
    )
