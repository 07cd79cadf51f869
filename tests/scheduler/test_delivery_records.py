"""What the outbox records of each attempt, by which delivery decides: when a row is given up (by age, not by
count), whether an attempt's outcome is unknown, whose claim a row is under, and what the admins are told."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from models import OutboxMessage, OutboxStatus
from services import outbox
from services.outbox import CLAIM_LEASE, DEAD_AFTER

TEAM = "T1"
T0 = datetime(2026, 12, 7, 0, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


def queued(sf, key="k1", team=TEAM, recipient="U1") -> int:
    with sf.begin() as s:
        outbox.enqueue(s, team_id=team, kind="test.note", recipient=recipient, dedupe_key=key, not_before=T0)
        return s.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key))


def claim(sf, message_id, now):
    with sf.begin() as s:
        return outbox.claim(s, message_id, now)


def fail(sf, message_id, retry_at, **kwargs):
    with sf.begin() as s:
        return outbox.mark_failed(
            s, message_id, error=kwargs.pop("error", "internal_error"), retry_at=retry_at, **kwargs
        )


def row(sf, message_id) -> OutboxMessage:
    with sf() as s:
        return s.get(OutboxMessage, message_id)


def test_transient_failures_give_a_row_up_only_a_day_after_its_first_attempt_however_many(session_factory):
    message_id = queued(session_factory)
    attempts = [T0 + n * timedelta(minutes=5) for n in range(DEAD_AFTER // timedelta(minutes=5))]
    for at in attempts:  # 288 attempts, far more than any count-based limit allowed
        claim(session_factory, message_id, at)
        assert fail(session_factory, message_id, at + SECOND) is OutboxStatus.PENDING
    claim(session_factory, message_id, T0 + DEAD_AFTER)
    assert fail(session_factory, message_id, T0 + DEAD_AFTER + SECOND, rate_limited=True) is OutboxStatus.DEAD
    stored = row(session_factory, message_id)
    assert (stored.first_attempt_at, stored.dead_at) == (T0, T0 + DEAD_AFTER)
    assert (stored.attempts, stored.rate_limited) == (len(attempts) + 1, 1)


def test_a_permanent_error_gives_a_row_up_on_its_first_attempt(session_factory):
    message_id = queued(session_factory)
    claim(session_factory, message_id, T0)
    assert fail(session_factory, message_id, None, error="channel_not_found") is OutboxStatus.DEAD
    assert row(session_factory, message_id).dead_at == T0


def test_a_row_put_back_untried_starts_its_day_at_its_first_real_attempt(session_factory):
    message_id = queued(session_factory)
    claim(session_factory, message_id, T0)
    with session_factory.begin() as s:
        outbox.release(s, message_id, T0 + DEAD_AFTER)  # its channel was busy: Slack was not called
    assert row(session_factory, message_id).first_attempt_at is None
    claim(session_factory, message_id, T0 + DEAD_AFTER)
    assert fail(session_factory, message_id, T0 + DEAD_AFTER + SECOND) is OutboxStatus.PENDING
    assert row(session_factory, message_id).first_attempt_at == T0 + DEAD_AFTER


def test_an_unknown_outcome_is_remembered_and_so_is_a_claim_that_lapsed_without_one(session_factory):
    doubtful, abandoned, refused = (queued(session_factory, key) for key in ("doubtful", "abandoned", "refused"))
    for message_id in (doubtful, abandoned, refused):
        assert claim(session_factory, message_id, T0).uncertain is False
    fail(session_factory, doubtful, T0 + SECOND, uncertain=True)  # a timeout: Slack may have posted
    fail(session_factory, refused, T0 + SECOND, uncertain=False)  # a refused connection: it did not
    later = T0 + CLAIM_LEASE + SECOND  # the sender of `abandoned` died holding its claim
    assert claim(session_factory, doubtful, later).uncertain is True
    assert claim(session_factory, abandoned, later).uncertain is True
    assert claim(session_factory, refused, later).uncertain is False
    fail(session_factory, doubtful, later + SECOND, uncertain=False)  # a sure failure later does not clear it
    assert row(session_factory, doubtful).uncertain is True


def test_a_claim_is_lengthened_only_by_the_worker_still_holding_it(session_factory):
    message_id = queued(session_factory)
    slow = claim(session_factory, message_id, T0)
    fast = claim(session_factory, message_id, T0 + CLAIM_LEASE + SECOND)
    with session_factory.begin() as s:
        assert not outbox.extend_claim(s, message_id, slow.claimed_until, T0 + 2 * CLAIM_LEASE)
        assert outbox.extend_claim(s, message_id, fast.claimed_until, T0 + 3 * CLAIM_LEASE)
    assert row(session_factory, message_id).claimed_until == T0 + 3 * CLAIM_LEASE


def test_the_admins_hear_of_each_teams_messages_given_up_since_a_moment_skipped_ones_aside(session_factory):
    old, gone, archived, skipped, other = (
        queued(session_factory, key, team=team, recipient=recipient)
        for key, team, recipient in (
            ("old", TEAM, "C1"),
            ("gone", TEAM, "C2"),
            ("archived", TEAM, "C3"),
            ("skipped", TEAM, "U1"),
            ("other", "T2", "C9"),
        )
    )
    claim(session_factory, old, T0 - timedelta(days=2))
    fail(session_factory, old, None, error="channel_not_found")
    for n, (message_id, error) in enumerate(
        ((gone, "channel_not_found"), (archived, "is_archived"), (other, "channel_not_found"))
    ):
        claim(session_factory, message_id, T0 + n * SECOND)
        fail(session_factory, message_id, None, error=error)
    claim(session_factory, skipped, T0)
    with session_factory.begin() as s:
        outbox.skip(s, skipped)

    since = T0 - timedelta(days=1)
    with session_factory() as s:
        assert outbox.dead_counts_since(s, since) == {TEAM: 2, "T2": 1}
        report = outbox.dead_report(s, TEAM, since)
        assert outbox.dead_report(s, TEAM, T0 + timedelta(hours=1)) is None
    assert (report.count, report.by_error) == (2, {"channel_not_found": 1, "is_archived": 1})
    assert [(m.recipient, m.error) for m in report.latest] == [("C3", "is_archived"), ("C2", "channel_not_found")]


def test_health_counts_what_waits_since_when_and_what_was_given_up(session_factory):
    due, tried, later = (queued(session_factory, key) for key in ("due", "tried", "later"))
    with session_factory.begin() as s:
        s.get(OutboxMessage, later).next_attempt_at = T0 + timedelta(hours=5)  # not due yet: not waiting
    claim(session_factory, tried, T0 - timedelta(minutes=30))
    fail(session_factory, tried, T0 + timedelta(minutes=5), uncertain=True)
    with session_factory() as s:
        health = outbox.health(s, T0 + timedelta(minutes=1))
    assert health == outbox.OutboxHealth(pending=3, oldest_pending_seconds=31 * 60, dead=0, dead_last_day=0)
    assert due  # never tried, due since T0: waiting one minute
