"""The inbox: a request is recorded before Slack is answered, and carried out after.

One short insert stands between a verified request and its acknowledgement. The process that recorded a
request claims it at once and carries it out when a worker is free; if that process dies (or its backlog
outlasts the claim), any replica's sweep finds the row unfinished with its claim lapsed and carries it out
instead. Acting twice is prevented where it matters by the listeners' own idempotency keys; the claim only
keeps two processes from starting the same request at the same time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import InboxRequest

# A request not finished by then is presumed lost with its process: longer than any work (Slack's slowest
# answers, a busy database) takes, short enough that a killed process's requests are soon taken up.
CLAIM = timedelta(minutes=5)
MAX_ATTEMPTS = 3  # a request that killed its worker three times is not tried a fourth
KEEP = timedelta(days=1)  # finished rows stay this long, so a late Slack retry is still recognised


@dataclass(frozen=True)
class Received:
    id: int
    team_id: str
    route: str
    priority: int
    body: dict[str, Any]


def record(
    session: Session,
    *,
    team_id: str,
    key: str,
    route: str,
    priority: int,
    body: dict[str, Any],
    owner: str,
    now: datetime,
    claimed: bool = True,
) -> int | None:
    """Records a request, claimed by `owner` (or left for any worker to claim, when not `claimed`); None when
    the same request (a Slack retry) was recorded before."""
    values = {
        "team_id": team_id,
        "key": key[:200],
        "route": route[:120],
        "priority": priority,
        "body": body,
        "received_at": now,
        "owner": owner if claimed else "",
        "claimed_until": now + CLAIM if claimed else None,
        "attempts": 0,
    }
    insert_for = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}.get(session.get_bind().dialect.name)
    if insert_for is None:
        try:
            with session.begin_nested():
                row = InboxRequest(**values)
                session.add(row)
            return row.id
        except IntegrityError:
            return None
    statement = (
        insert_for(InboxRequest).values(**values).on_conflict_do_nothing(index_elements=["team_id", "key"])
    ).returning(InboxRequest.id)
    return session.execute(statement).scalar()


def claim(session: Session, request_id: int, owner: str, now: datetime) -> Received | None:
    """Takes the request for carrying out: the recorder keeps its own claim; anyone else only a lapsed one."""
    taken = session.execute(
        update(InboxRequest)
        .where(
            InboxRequest.id == request_id,
            InboxRequest.done_at.is_(None),
            InboxRequest.attempts < MAX_ATTEMPTS,
            or_(
                InboxRequest.claimed_until.is_(None),
                InboxRequest.claimed_until < now,
                (InboxRequest.owner == owner) & (InboxRequest.attempts == 0),
            ),
        )
        .values(owner=owner, claimed_until=now + CLAIM, attempts=InboxRequest.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        return None
    row = session.execute(
        select(InboxRequest.team_id, InboxRequest.route, InboxRequest.priority, InboxRequest.body).where(
            InboxRequest.id == request_id
        )
    ).one()
    return Received(request_id, row.team_id, row.route, row.priority, dict(row.body))


def finish(session: Session, request_id: int, now: datetime) -> None:
    session.execute(
        update(InboxRequest)
        .where(InboxRequest.id == request_id)
        .values(done_at=now, claimed_until=None)
        .execution_options(synchronize_session=False)
    )


def let_go(session: Session, request_id: int, now: datetime) -> None:
    """Gives a failed request back, unfinished, for Slack's retry or the sweep to try again (attempts permitting)."""
    session.execute(
        update(InboxRequest)
        .where(InboxRequest.id == request_id, InboxRequest.done_at.is_(None))
        .values(claimed_until=now)
        .execution_options(synchronize_session=False)
    )


def unfinished(session: Session, team_id: str, key: str) -> int | None:
    """The id of a recorded request not yet carried out, when Slack sends it again."""
    return session.scalar(
        select(InboxRequest.id).where(
            InboxRequest.team_id == team_id, InboxRequest.key == key[:200], InboxRequest.done_at.is_(None)
        )
    )


def lapsed(session: Session, now: datetime, limit: int = 100) -> list[tuple[int, int]]:
    """(id, priority) of unfinished requests nobody holds (never claimed, or whose claim lapsed: work a process
    lost), the most urgent first, then the oldest."""
    rows = session.execute(
        select(InboxRequest.id, InboxRequest.priority)
        .where(
            InboxRequest.done_at.is_(None),
            InboxRequest.attempts < MAX_ATTEMPTS,
            or_(InboxRequest.claimed_until.is_(None), InboxRequest.claimed_until < now),
        )
        .order_by(InboxRequest.priority, InboxRequest.id)
        .limit(limit)
    )
    return [(row.id, row.priority) for row in rows]


def unfinished_count(session: Session) -> int:
    return session.scalar(select(func.count()).where(InboxRequest.done_at.is_(None))) or 0


def forget_finished(session: Session, now: datetime) -> int:
    """Deletes rows finished more than KEEP ago (and given-up ones as old); returns how many."""
    old = now - KEEP
    result = session.execute(
        delete(InboxRequest)
        .where(or_(InboxRequest.done_at < old, InboxRequest.received_at < old - KEEP))
        .execution_options(synchronize_session=False)
    )
    return result.rowcount
