"""The database side of the outbox: enqueue once, claim exclusively, record the outcome."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from models import OutboxMessage, OutboxStatus
from models.db import make_session_factory
from services import outbox
from services.outbox import CLAIM_LEASE, DEAD_AFTER
from tests.fakes.locks import wait_until_another_transaction_waits_on

TEAM = "T1"
OTHER_TEAM = "T2"
T0 = datetime(2025, 3, 3, 0, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def enqueue(
    sf: sessionmaker[Session],
    key: str = "k1",
    *,
    team: str = TEAM,
    at: datetime | None = T0,
    recipient: str = "U1",
    payload: dict | None = None,
) -> bool:
    with sf.begin() as s:
        return outbox.enqueue(
            s,
            team_id=team,
            kind="test.note",
            recipient=recipient,
            dedupe_key=key,
            payload=payload if payload is not None else {"n": 1},
            not_before=at,
        )


def queued(sf: sessionmaker[Session], key: str = "k1") -> int:
    """Queues a message due at T0 and returns its id."""
    assert enqueue(sf, key)
    return row(sf, key=key).id


def row(sf: sessionmaker[Session], message_id: int | None = None, key: str | None = None) -> OutboxMessage:
    with sf() as s:
        if message_id is not None:
            found = s.get(OutboxMessage, message_id)
        else:
            found = s.scalar(select(OutboxMessage).where(OutboxMessage.dedupe_key == key))
        assert found is not None
        return found


def due(sf: sessionmaker[Session], now: datetime, limit: int = 50) -> list[int]:
    with sf() as s:
        return outbox.due_ids(s, now, limit)


def claim(sf: sessionmaker[Session], message_id: int, now: datetime):
    with sf.begin() as s:
        return outbox.claim(s, message_id, now)


def fail(sf: sessionmaker[Session], message_id: int, retry_at: datetime | None, error: str = "boom"):
    with sf.begin() as s:
        return outbox.mark_failed(s, message_id, error=error, retry_at=retry_at)


def race(sf: sessionmaker[Session], first: Callable[[Session], Any], second: Callable[[Session], Any]):
    """Runs `second` in another transaction while `first`'s is still open (PostgreSQL only: SQLite
    takes its write lock at BEGIN, so there the two never interleave). Returns both results."""
    if sf.kw["bind"].dialect.name != "postgresql":
        pytest.skip("needs concurrent writers (PostgreSQL)")
    outcome: list[Any] = []

    def run_second() -> None:
        try:
            with sf.begin() as s:
                outcome.append(second(s))
        except BaseException as error:  # handed to the test thread
            outcome.append(error)

    with sf.begin() as s:
        result = first(s)
        other = threading.Thread(target=run_second)
        other.start()
        wait_until_another_transaction_waits_on(s)
    other.join(10)
    assert len(outcome) == 1 and not isinstance(outcome[0], BaseException), outcome
    return result, outcome[0]


def next_due(sf: sessionmaker[Session]) -> datetime | None:
    with sf() as s:
        return outbox.next_due_at(s)


# --- enqueue ------------------------------------------------------------------------------------


def test_enqueue_refuses_a_duplicate_dedupe_key_in_the_same_team(session_factory):
    assert enqueue(session_factory, "dup", payload={"first": True}) is True
    assert enqueue(session_factory, "dup", payload={"second": True}) is False

    with session_factory() as s:
        rows = s.scalars(select(OutboxMessage)).all()
    assert len(rows) == 1
    assert rows[0].payload == {"first": True}
    assert rows[0].status is OutboxStatus.PENDING
    assert rows[0].attempts == 0


def test_enqueue_twice_in_one_transaction_queues_once(session_factory):
    with session_factory.begin() as s:
        first = outbox.enqueue(s, team_id=TEAM, kind="k", recipient="U1", dedupe_key="same")
        second = outbox.enqueue(s, team_id=TEAM, kind="k", recipient="U1", dedupe_key="same")

    assert (first, second) == (True, False)
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_concurrent_enqueues_of_one_dedupe_key_queue_it_once(session_factory):
    def queue(s: Session) -> bool:
        return outbox.enqueue(s, team_id=TEAM, kind="k", recipient="U1", dedupe_key="same")

    assert race(session_factory, queue, queue) == (True, False)
    with session_factory() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 1


def test_the_same_dedupe_key_in_another_team_is_queued(session_factory):
    assert enqueue(session_factory, "dup", team=TEAM) is True
    assert enqueue(session_factory, "dup", team=OTHER_TEAM) is True

    with session_factory() as s:
        teams = sorted(s.scalars(select(OutboxMessage.team_id)))
    assert teams == [TEAM, OTHER_TEAM]


def test_enqueue_without_not_before_is_due_now(session_factory):
    before = datetime.now(UTC)
    assert enqueue(session_factory, "now", at=None)
    after = datetime.now(UTC)

    stored = row(session_factory, key="now")
    assert before <= stored.next_attempt_at <= after
    assert stored.payload == {"n": 1}


def test_a_commit_that_queued_something_wakes_the_worker_and_others_do_not(engine):
    woken: list[int] = []
    sf = make_session_factory(engine, on_outbox_commit=lambda: woken.append(1))

    assert enqueue(sf, "a")
    assert woken == [1]
    assert not enqueue(sf, "a")  # a duplicate queues nothing
    with sf.begin() as s:
        outbox.due_ids(s, T0)
    with pytest.raises(RuntimeError), sf.begin() as s:
        outbox.enqueue(s, team_id=TEAM, kind="k", recipient="U1", dedupe_key="b")
        raise RuntimeError("rolled back")
    assert woken == [1]
    with sf() as s:
        assert s.scalar(select(func.count()).select_from(OutboxMessage)) == 1


# --- due_ids ------------------------------------------------------------------------------------


def test_due_ids_honours_next_attempt_at(session_factory):
    enqueue(session_factory, "later", at=T0 + timedelta(minutes=10))
    enqueue(session_factory, "soon", at=T0)
    soon, later = row(session_factory, key="soon").id, row(session_factory, key="later").id

    assert due(session_factory, T0 - SECOND) == []
    assert due(session_factory, T0) == [soon]
    assert due(session_factory, T0 + timedelta(minutes=10)) == [soon, later]
    assert due(session_factory, T0 + timedelta(minutes=10), limit=1) == [soon]


def test_due_ids_compares_instants_not_wall_clock_text(session_factory):
    message_id = queued(session_factory)
    seoul = T0.astimezone(timezone(timedelta(hours=9)))  # 09:00+09:00, the same instant

    assert due(session_factory, seoul) == [message_id]
    assert due(session_factory, seoul - SECOND) == []


def test_due_ids_skips_a_row_whose_claim_has_not_lapsed(session_factory):
    message_id = queued(session_factory)
    assert claim(session_factory, message_id, T0) is not None

    assert due(session_factory, T0) == []
    assert due(session_factory, T0 + CLAIM_LEASE) == []
    assert due(session_factory, T0 + CLAIM_LEASE + SECOND) == [message_id]


def test_due_ids_skips_sent_and_dead_rows(session_factory):
    sent, dead, pending = queued(session_factory, "sent"), queued(session_factory, "dead"), queued(session_factory, "p")
    claim(session_factory, sent, T0)
    with session_factory.begin() as s:
        outbox.mark_sent(s, sent, channel="D1", ts="1.0")
    fail(session_factory, dead, retry_at=None)

    assert due(session_factory, T0 + timedelta(days=1)) == [pending]


# --- claim --------------------------------------------------------------------------------------


def test_claim_returns_the_message_and_counts_an_attempt(session_factory):
    enqueue(session_factory, "k1", recipient="C9", payload={"project_id": 7})
    message_id = row(session_factory, key="k1").id

    pending = claim(session_factory, message_id, T0)

    assert pending is not None
    assert (pending.id, pending.team_id, pending.kind, pending.recipient) == (message_id, TEAM, "test.note", "C9")
    assert pending.payload == {"project_id": 7}
    assert pending.attempts == 1
    stored = row(session_factory, message_id)
    assert stored.attempts == 1
    assert stored.claimed_until == T0 + CLAIM_LEASE


def test_claim_is_exclusive_until_the_lease_lapses(session_factory):
    message_id = queued(session_factory)

    first = claim(session_factory, message_id, T0)
    second = claim(session_factory, message_id, T0)
    at_lease_end = claim(session_factory, message_id, T0 + CLAIM_LEASE)
    after_lease = claim(session_factory, message_id, T0 + CLAIM_LEASE + SECOND)

    assert first is not None
    assert second is None
    assert at_lease_end is None
    assert after_lease is not None
    assert after_lease.attempts == 2
    assert row(session_factory, message_id).attempts == 2


def test_concurrent_claims_of_one_row_let_only_one_worker_have_it(session_factory):
    message_id = queued(session_factory)

    first, second = race(
        session_factory,
        lambda s: outbox.claim(s, message_id, T0),
        lambda s: outbox.claim(s, message_id, T0),
    )

    assert first is not None
    assert second is None
    assert row(session_factory, message_id).attempts == 1


def test_claim_in_one_transaction_twice_gets_it_once(session_factory):
    message_id = queued(session_factory)

    with session_factory.begin() as s:
        first = outbox.claim(s, message_id, T0)
        second = outbox.claim(s, message_id, T0)

    assert first is not None and second is None
    assert row(session_factory, message_id).attempts == 1


def test_claim_of_a_sent_or_unknown_row_returns_none(session_factory):
    message_id = queued(session_factory)
    claim(session_factory, message_id, T0)
    with session_factory.begin() as s:
        outbox.mark_sent(s, message_id, channel="D1", ts="1.0")

    assert claim(session_factory, message_id, T0 + timedelta(hours=1)) is None
    assert claim(session_factory, message_id + 1000, T0) is None
    assert row(session_factory, message_id).attempts == 1


# --- outcomes -----------------------------------------------------------------------------------


def test_mark_sent_records_where_it_went_and_only_once(session_factory):
    message_id = queued(session_factory)
    claim(session_factory, message_id, T0)

    with session_factory.begin() as s:
        outbox.mark_sent(s, message_id, channel="D123", ts="1700000000.000100")
    with session_factory.begin() as s:
        outbox.mark_sent(s, message_id, channel="D999", ts="9.9")

    stored = row(session_factory, message_id)
    assert stored.status is OutboxStatus.SENT
    assert (stored.sent_channel, stored.sent_ts) == ("D123", "1700000000.000100")
    assert stored.sent_at is not None and stored.sent_at.tzinfo is not None
    assert stored.claimed_until is None
    assert next_due(session_factory) is None


def test_mark_failed_with_a_retry_time_schedules_another_attempt(session_factory):
    message_id = queued(session_factory)
    claim(session_factory, message_id, T0)
    retry_at = T0 + timedelta(minutes=2)

    status = fail(session_factory, message_id, retry_at, error="ratelimited")

    assert status is OutboxStatus.PENDING
    stored = row(session_factory, message_id)
    assert (stored.status, stored.next_attempt_at, stored.claimed_until) == (OutboxStatus.PENDING, retry_at, None)
    assert stored.last_error == "ratelimited"
    assert due(session_factory, retry_at - SECOND) == []
    assert due(session_factory, retry_at) == [message_id]


def test_mark_failed_without_a_retry_time_is_dead(session_factory):
    message_id = queued(session_factory)
    claim(session_factory, message_id, T0)

    status = fail(session_factory, message_id, None, error="channel_not_found")

    assert status is OutboxStatus.DEAD
    stored = row(session_factory, message_id)
    assert stored.status is OutboxStatus.DEAD
    assert stored.last_error == "channel_not_found"
    assert due(session_factory, T0 + timedelta(days=1)) == []


def test_mark_failed_gives_up_a_day_after_the_first_attempt_not_after_a_count(session_factory):
    message_id = queued(session_factory)
    statuses = []
    for at in (T0, T0 + DEAD_AFTER - SECOND, T0 + DEAD_AFTER):
        assert claim(session_factory, message_id, at) is not None
        statuses.append(fail(session_factory, message_id, at + SECOND))
    assert statuses == [OutboxStatus.PENDING, OutboxStatus.PENDING, OutboxStatus.DEAD]
    assert claim(session_factory, message_id, T0 + DEAD_AFTER + timedelta(hours=1)) is None


def test_mark_failed_keeps_only_the_first_thousand_characters_of_the_error(session_factory):
    message_id = queued(session_factory)
    claim(session_factory, message_id, T0)

    fail(session_factory, message_id, T0 + SECOND, error="x" * 5000)

    assert row(session_factory, message_id).last_error == "x" * 1000


def test_mark_failed_on_an_unknown_row_reports_dead(session_factory):
    assert fail(session_factory, 424242, T0) is OutboxStatus.DEAD


def test_a_late_failure_report_does_not_undo_a_sent_message(session_factory):
    message_id = queued(session_factory)
    slow = claim(session_factory, message_id, T0)
    fast = claim(session_factory, message_id, T0 + CLAIM_LEASE + SECOND)  # the slow worker's lease lapsed
    assert slow is not None and fast is not None
    with session_factory.begin() as s:
        outbox.mark_sent(s, fast.id, channel="D1", ts="1.0")

    fail(session_factory, slow.id, None, error="timeout")

    assert row(session_factory, message_id).status is OutboxStatus.SENT


def test_release_gives_back_the_attempt_and_reschedules(session_factory):
    message_id = queued(session_factory)
    claim(session_factory, message_id, T0)
    retry_at = T0 + timedelta(seconds=30)

    with session_factory.begin() as s:
        outbox.release(s, message_id, retry_at)

    stored = row(session_factory, message_id)
    assert (stored.attempts, stored.claimed_until, stored.next_attempt_at) == (0, None, retry_at)
    assert stored.status is OutboxStatus.PENDING
    assert due(session_factory, retry_at - SECOND) == []
    assert due(session_factory, retry_at) == [message_id]
    assert claim(session_factory, message_id, retry_at).attempts == 1


def test_release_of_a_sent_row_changes_nothing(session_factory):
    message_id = queued(session_factory)
    claim(session_factory, message_id, T0)
    with session_factory.begin() as s:
        outbox.mark_sent(s, message_id, channel="D1", ts="1.0")

    with session_factory.begin() as s:
        outbox.release(s, message_id, T0 + timedelta(hours=1))

    stored = row(session_factory, message_id)
    assert (stored.status, stored.attempts) == (OutboxStatus.SENT, 1)


# --- next_due_at ---------------------------------------------------------------------


def test_next_due_at_is_the_earliest_pending_row(session_factory):
    assert next_due(session_factory) is None

    enqueue(session_factory, "b", at=T0 + timedelta(minutes=5))
    enqueue(session_factory, "a", at=T0 + timedelta(minutes=1))
    assert next_due(session_factory) == T0 + timedelta(minutes=1)

    fail(session_factory, row(session_factory, key="a").id, None)
    assert next_due(session_factory) == T0 + timedelta(minutes=5)


def test_next_due_at_waits_for_the_claim_of_the_only_pending_row(session_factory):
    message_id = queued(session_factory)
    claim(session_factory, message_id, T0)

    due_at = next_due(session_factory)

    assert due_at == T0 + CLAIM_LEASE
    assert due_at.tzinfo is not None


def test_next_due_at_is_not_hidden_behind_a_claimed_row(session_factory):
    claimed = queued(session_factory, "claimed")
    enqueue(session_factory, "waiting", at=T0 + timedelta(seconds=5))
    claim(session_factory, claimed, T0)

    assert next_due(session_factory) == T0 + timedelta(seconds=5)


def test_a_worker_whose_claim_lapsed_cannot_release_fail_or_skip_the_row_another_worker_now_holds(session_factory):
    message_id = queued(session_factory)
    first = claim(session_factory, message_id, T0)
    later = T0 + CLAIM_LEASE + SECOND
    second = claim(session_factory, message_id, later)  # the first worker's lease lapsed: another took it
    assert first is not None and second is not None
    with session_factory.begin() as s:
        outbox.release(s, message_id, later + timedelta(minutes=5), held=first.claimed_until)
        outbox.skip(s, message_id, held=first.claimed_until)
        assert outbox.mark_failed(s, message_id, error="late", retry_at=later, held=first.claimed_until) is (
            OutboxStatus.PENDING
        )
    stored = row(session_factory, message_id)
    assert (stored.claimed_until, stored.last_error, stored.status) == (
        second.claimed_until,
        None,
        OutboxStatus.PENDING,
    )
    with session_factory.begin() as s:  # the holder itself still may
        outbox.release(s, message_id, later, held=second.claimed_until)
    assert row(session_factory, message_id).claimed_until is None
