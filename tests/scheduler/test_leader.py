"""Who runs the scheduler: the lease row (SQLite and anything else), the advisory lock (PostgreSQL),
and SchedulerRunner.check(), which ticks only while this process leads."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, NullPool, create_engine, delete, func, make_url, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.compose import organisation
from bot.settings import Settings
from models import OutboxMessage, SchedulerLease
from models.base import utcnow
from models.db import make_engine
from scheduler import jobs
from scheduler.leader import CHECK_EVERY, LEASE, LOCK_KEY, AdvisoryLockLeader, LeaseLeader, make_leader
from scheduler.runner import SchedulerRunner
from services import notices, projects, users

REGISTERED = datetime(2026, 11, 2, tzinfo=UTC)  # before every period the tests look at
TEAM = "T1"
# Monday 7 December 2026, 10:00 in Seoul: a working day, the weekly report is due, nobody has reported.
MONDAY_10 = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)
SUNDAY_10 = MONDAY_10 - timedelta(days=1)


class Clock:
    def __init__(self, moment: datetime) -> None:
        self.now = moment

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def lease_row(sf: sessionmaker[Session]) -> SchedulerLease | None:
    with sf() as session:
        return session.scalar(select(SchedulerLease))


# -- LeaseLeader --------------------------------------------------------------------------------


def test_lease_first_holder_leads_and_a_second_is_refused_while_it_is_fresh(session_factory):
    clock = Clock(MONDAY_10)
    first, second = LeaseLeader(session_factory, "A", clock), LeaseLeader(session_factory, "B", clock)
    assert first.try_lead() is True
    assert second.try_lead() is False
    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert second.try_lead() is False
    assert first.try_lead() is True  # still the holder
    row = lease_row(session_factory)
    assert row is not None and row.holder == "A" and row.expires_at == clock.now + LEASE


def test_lease_renewed_on_every_check_keeps_the_standby_out(session_factory):
    clock = Clock(MONDAY_10)
    first, second = LeaseLeader(session_factory, "A", clock), LeaseLeader(session_factory, "B", clock)
    for _ in range(10):  # ten checks, CHECK_EVERY apart: far past one lease
        assert first.try_lead() is True
        assert second.try_lead() is False
        clock.advance(seconds=CHECK_EVERY.total_seconds())


def test_lease_that_lapsed_is_taken_over_and_the_old_holder_stands_by(session_factory):
    clock = Clock(MONDAY_10)
    first, second = LeaseLeader(session_factory, "A", clock), LeaseLeader(session_factory, "B", clock)
    assert first.try_lead() is True
    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert second.try_lead() is False
    clock.advance(seconds=1)  # the lease lapses exactly LEASE after the last renewal
    assert second.try_lead() is True
    assert first.try_lead() is False  # it came back (a long pause, a slow disk): the other leads now
    row = lease_row(session_factory)
    assert row is not None and row.holder == "B"


def test_lease_release_lets_the_other_lead_at_once(session_factory):
    clock = Clock(MONDAY_10)
    first, second = LeaseLeader(session_factory, "A", clock), LeaseLeader(session_factory, "B", clock)
    assert first.try_lead() is True
    assert second.try_lead() is False
    first.release()
    assert lease_row(session_factory) is None
    assert second.try_lead() is True  # same instant: no waiting for the lease to lapse
    first.release()  # not the holder: changes nothing
    row = lease_row(session_factory)
    assert row is not None and row.holder == "B"
    assert first.try_lead() is False


def test_lease_takeover_is_bounded_by_lease_plus_one_check(session_factory):
    """The holder dies right after renewing; a standby checking every CHECK_EVERY leads within a minute."""
    clock = Clock(MONDAY_10)
    dead, standby = LeaseLeader(session_factory, "A", clock), LeaseLeader(session_factory, "B", clock)
    assert dead.try_lead() is True
    waited = timedelta()
    while not standby.try_lead():
        clock.advance(seconds=CHECK_EVERY.total_seconds())
        waited += CHECK_EVERY
        assert waited <= timedelta(minutes=1)
    assert LEASE <= waited <= LEASE + CHECK_EVERY <= timedelta(minutes=1)


def test_lease_holder_frozen_past_its_lease_and_taken_over_knows_on_resuming(session_factory):
    """SIGSTOP after a renewal: the clock runs on, another takes the lease; the resumed one asks before a job."""
    clock = Clock(MONDAY_10)
    frozen, standby = LeaseLeader(session_factory, "A", clock), LeaseLeader(session_factory, "B", clock)
    assert frozen.try_lead() is True
    assert frozen.still_leads() is True
    clock.advance(seconds=LEASE.total_seconds())
    assert standby.try_lead() is True
    assert frozen.still_leads() is False  # resumed: the row names B
    assert frozen.try_lead() is False
    assert standby.still_leads() is True


def test_lease_lapsed_by_the_clock_is_not_still_held_even_if_nobody_took_it(session_factory):
    clock = Clock(MONDAY_10)
    leader = LeaseLeader(session_factory, "A", clock)
    assert leader.try_lead() is True
    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert leader.still_leads() is True
    clock.advance(seconds=1)
    assert leader.still_leads() is False  # another may take it this very instant
    assert leader.try_lead() is True  # nobody did: its next check takes it again
    assert leader.still_leads() is True


def test_lease_still_leads_does_not_renew(session_factory):
    clock = Clock(MONDAY_10)
    leader = LeaseLeader(session_factory, "A", clock)
    assert leader.still_leads() is False  # never took it
    assert leader.try_lead() is True
    clock.advance(seconds=LEASE.total_seconds() / 2)
    assert leader.still_leads() is True
    row = lease_row(session_factory)
    assert row is not None and row.expires_at == MONDAY_10 + LEASE


def test_make_leader_picks_the_lease_or_the_advisory_lock(engine, session_factory):
    leader = make_leader(engine, session_factory)
    expected = AdvisoryLockLeader if engine.dialect.name == "postgresql" else LeaseLeader
    assert isinstance(leader, expected)
    other = make_leader(engine, session_factory)
    try:
        assert leader.try_lead() is True
        assert other.try_lead() is False  # two holders in one process still exclude each other
    finally:
        leader.release()
        other.release()


# -- AdvisoryLockLeader (PostgreSQL) ------------------------------------------------------------


@pytest.fixture
def pg_url(database_url, engine) -> str:
    if engine.dialect.name != "postgresql":
        pytest.skip("advisory locks need PostgreSQL (set TEST_DATABASE_URL)")
    return database_url


@pytest.fixture
def two_engines(pg_url) -> Iterator[tuple[Engine, Engine]]:
    first, second = make_engine(pg_url), make_engine(pg_url)
    yield first, second
    first.dispose()
    second.dispose()


def lock_holders(engine: Engine) -> int:
    """Holders of the scheduler's key in this engine's database: another database's lock is another lock."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = :key"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            {"key": LOCK_KEY},
        ).scalar_one()


@contextmanager
def new_database(url: str) -> Iterator[str]:
    """A database of its own on the server of `url`, dropped afterwards whoever is still connected."""
    name = f"onnuri_leader_{uuid.uuid4().hex[:10]}"
    server = create_engine(make_url(url).set(database="postgres"), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(url).set(database=name).render_as_string(hide_password=False)
        finally:
            with server.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        server.dispose()


def test_advisory_lock_only_one_of_two_processes_leads(two_engines, engine):
    a, b = AdvisoryLockLeader(two_engines[0]), AdvisoryLockLeader(two_engines[1])
    try:
        assert a.try_lead() is True
        assert b.try_lead() is False
        assert a.try_lead() is True  # checking again keeps it
        assert b.try_lead() is False
        assert lock_holders(engine) == 1
    finally:
        a.release()
        b.release()
    assert lock_holders(engine) == 0


def test_advisory_lock_invalidated_connection_hands_over(two_engines, engine):
    a, b = AdvisoryLockLeader(two_engines[0]), AdvisoryLockLeader(two_engines[1])
    try:
        assert a.try_lead() is True
        assert b.try_lead() is False
        assert a._conn is not None
        a._conn.invalidate()  # the connection is gone: the server drops its session lock
        assert b.try_lead() is True
        assert a.try_lead() is False  # it notices and stands by, rather than believing it still leads
        assert lock_holders(engine) == 1
    finally:
        a.release()
        b.release()


def test_advisory_lock_connection_killed_by_the_server_hands_over(two_engines, engine):
    a, b = AdvisoryLockLeader(two_engines[0]), AdvisoryLockLeader(two_engines[1])
    try:
        assert a.try_lead() is True
        assert a._conn is not None
        pid = a._conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with engine.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid}).scalar_one()
        deadline = time.monotonic() + 10
        while not b.try_lead():  # the backend exits a moment after being told to
            assert time.monotonic() < deadline, "the lock of a killed connection was never released"
            time.sleep(0.05)
        assert a.try_lead() is False
        assert lock_holders(engine) == 1
    finally:
        a.release()
        b.release()


def test_advisory_lock_release_lets_the_other_lead_and_can_be_taken_back(two_engines, engine):
    a, b = AdvisoryLockLeader(two_engines[0]), AdvisoryLockLeader(two_engines[1])
    try:
        assert a.try_lead() is True
        b.release()  # not holding it: changes nothing
        assert b.try_lead() is False
        a.release()
        assert lock_holders(engine) == 0
        assert b.try_lead() is True
        assert a.try_lead() is False
        b.release()
        assert a.try_lead() is True
        assert lock_holders(engine) == 1
    finally:
        a.release()
        b.release()
    assert lock_holders(engine) == 0


def test_advisory_lock_connection_is_its_own_and_its_limits_stay_off_the_pool(two_engines, engine):
    """The lock's session ends itself when left idle; a pooled connection the app uses must never do that."""
    a = AdvisoryLockLeader(two_engines[0])
    try:
        assert a.try_lead() is True
        with two_engines[0].connect() as conn:
            assert conn.execute(text("SHOW idle_session_timeout")).scalar_one() == "0"
        a.release()
        assert lock_holders(engine) == 0
    finally:
        a.release()


def test_advisory_lock_session_ends_itself_a_lease_after_its_last_renewal(two_engines):
    a = AdvisoryLockLeader(two_engines[0])
    try:
        assert a.try_lead() is True
        assert a._conn is not None
        assert a._conn.execute(text("SHOW idle_session_timeout")).scalar_one() == f"{LEASE.seconds}s"
        assert a._conn.execute(text("SHOW statement_timeout")).scalar_one() == f"{LEASE.seconds // 3}s"
        assert CHECK_EVERY * 3 <= LEASE  # a healthy leader renews three times a lease
        assert timedelta(minutes=1) >= LEASE + CHECK_EVERY  # a standby leads within a minute of a freeze
    finally:
        a.release()


def test_advisory_lock_still_leads_only_while_its_session_holds_the_key(two_engines, engine):
    a, b = AdvisoryLockLeader(two_engines[0]), AdvisoryLockLeader(two_engines[1])
    try:
        assert a.still_leads() is False  # never took it
        assert a.try_lead() is True
        assert a.still_leads() is True
        assert b.still_leads() is False
        assert a._conn is not None
        pid = a._conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        assert a.still_leads() is False
        assert a._conn is None
    finally:
        a.release()
        b.release()


def test_advisory_lock_held_in_another_database_on_the_server_does_not_stop_this_one(pg_url, engine):
    with new_database(pg_url) as other_url:
        elsewhere, here = make_engine(other_url), make_engine(pg_url)
        there_leader, here_leader = AdvisoryLockLeader(elsewhere), AdvisoryLockLeader(here)
        try:
            assert there_leader.try_lead() is True  # the same key, held in the other database
            assert here_leader.try_lead() is True
            assert here_leader.still_leads() is True and there_leader.still_leads() is True
            assert lock_holders(engine) == 1
            assert lock_holders(elsewhere) == 1
        finally:
            there_leader.release()
            here_leader.release()
            elsewhere.dispose()
            here.dispose()


# -- SchedulerRunner.check() --------------------------------------------------------------------


@pytest.fixture
def runner_settings() -> Settings:
    return Settings(slack_bot_token="xoxb-test", database_url="unused", admins=frozenset())


@pytest.fixture
def project(session_factory):
    """A weekly project in Seoul with two members who have not reported; nothing queued yet."""
    with session_factory.begin() as session:
        for member in ("U1", "U2"):
            users.save_profile(
                session, TEAM, member, display_name=member.lower(), tz="Asia/Seoul", locale="ko-KR", now=utcnow()
            )
        info = projects.create(
            session,
            TEAM,
            "U1",
            projects.ProjectDraft(name="신청사 건립", key="HALL", member_ids=["U2"]),
            now=REGISTERED,
        )
        session.execute(delete(OutboxMessage))
    return info


def nudge_rows(sf: sessionmaker[Session]) -> list[tuple[str, str]]:
    with sf() as session:
        return sorted(
            session.execute(
                select(OutboxMessage.recipient, OutboxMessage.dedupe_key).where(
                    OutboxMessage.kind == notices.ProgressNudge.kind
                )
            ).all()
        )


def outbox_count(sf: sessionmaker[Session]) -> int:
    with sf() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage)) or 0


class Runners:
    def __init__(self, engine, sf, settings, clock) -> None:
        self.engine, self.sf, self.settings, self.clock = engine, sf, settings, clock
        self.made: list[SchedulerRunner] = []
        self.woken: dict[int, int] = {}

    def new(self, **kwargs) -> SchedulerRunner:
        index = len(self.made)
        self.woken[index] = 0

        def wake() -> None:
            self.woken[index] += 1

        runner = SchedulerRunner(self.engine, self.sf, organisation(self.settings), wake, clock=self.clock, **kwargs)
        self.made.append(runner)
        return runner

    def stop_all(self) -> None:
        for runner in self.made:
            runner.stop()


@pytest.fixture
def runners(engine, session_factory, runner_settings) -> Iterator[Runners]:
    made = Runners(engine, session_factory, runner_settings, Clock(SUNDAY_10))
    yield made
    made.stop_all()  # releases the lease / advisory lock, so nothing leaks into the next test


def test_runner_leader_ticks_and_queues_the_due_nudges(runners, project, session_factory):
    runners.clock.now = MONDAY_10
    leader = runners.new()
    assert leader.role == "standby"  # until its first check
    leader.check()
    assert leader.role == "leader"
    assert [r for r, _ in nudge_rows(session_factory)] == ["U1", "U2"]
    assert runners.woken[0] == 1  # delivery was told there is something to send


def test_runner_standby_does_not_tick(runners, project, session_factory):
    leader, standby = runners.new(), runners.new()
    leader.check()  # Sunday: leads, nothing is due
    assert leader.role == "leader" and nudge_rows(session_factory) == []
    runners.clock.now = MONDAY_10
    standby.check()
    assert standby.role == "standby"
    assert nudge_rows(session_factory) == []  # a standby that ticked would have queued the nudges
    assert runners.woken[1] == 0
    leader.check()  # the leader's next check, more than a tick later
    assert len(nudge_rows(session_factory)) == 2
    assert runners.woken[0] == 1


def test_runner_leader_ticks_at_most_once_per_tick_interval(runners, project, monkeypatch):
    ticks: list[datetime] = []
    real_tick = jobs.tick

    def counting_tick(sf, org, now):
        ticks.append(now)
        return real_tick(sf, org, now)

    monkeypatch.setattr(jobs, "tick", counting_tick)
    runners.clock.now = MONDAY_10
    leader = runners.new(tick_seconds=60, check_seconds=15)
    for _ in range(5):  # checks every 15 s for a minute: one tick at 0 s and one at 60 s
        leader.check()
        runners.clock.advance(seconds=15)
    assert ticks == [MONDAY_10, MONDAY_10 + timedelta(seconds=60)]
    assert runners.woken[0] == 1  # the second tick found everything already queued


def test_runner_stop_hands_over_to_the_standby_at_once(runners, project, session_factory):
    leader, standby = runners.new(), runners.new()
    leader.check()
    standby.check()
    assert (leader.role, standby.role) == ("leader", "standby")
    leader.stop()
    assert leader.role == "off"
    runners.clock.now = MONDAY_10
    standby.check()
    assert standby.role == "leader"
    assert len(nudge_rows(session_factory)) == 2


def test_runner_tick_that_fails_keeps_leading_and_tries_again(runners, project, session_factory, monkeypatch):
    real_tick = jobs.tick
    calls = {"n": 0}

    def flaky_tick(sf, org, now):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database hiccup")
        return real_tick(sf, org, now)

    monkeypatch.setattr(jobs, "tick", flaky_tick)
    runners.clock.now = MONDAY_10
    leader = runners.new()
    leader.check()
    assert leader.role == "leader" and nudge_rows(session_factory) == [] and runners.woken[0] == 0
    runners.clock.advance(seconds=60)
    leader.check()
    assert len(nudge_rows(session_factory)) == 2 and runners.woken[0] == 1


def take_the_lead_while_frozen(runners: Runners, frozen: SchedulerRunner, other: SchedulerRunner) -> None:
    """What happens while `frozen` is stopped: its lease lapses or its session ends, and `other` leads."""
    if runners.engine.dialect.name == "postgresql":
        conn = frozen.leader._conn  # type: ignore[union-attr]
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with runners.engine.connect() as admin:
            admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})  # as idle_session_timeout does
    else:
        runners.clock.advance(seconds=LEASE.total_seconds())
    deadline = time.monotonic() + 10
    while not other.leader.try_lead():
        assert time.monotonic() < deadline, "the other never took the lead"
        time.sleep(0.05)


def test_runner_that_lost_the_lead_between_its_renewal_and_the_tick_does_not_tick(runners, project, session_factory):
    runners.clock.now = MONDAY_10
    if runners.engine.dialect.name == "postgresql":
        frozen, other = runners.new(), runners.new()
    else:  # leases on the test's clock, which the freeze moves on
        frozen = runners.new(leader=LeaseLeader(session_factory, "A", runners.clock))
        other = runners.new(leader=LeaseLeader(session_factory, "B", runners.clock))
    renew = frozen.leader.try_lead

    def renew_then_freeze() -> bool:
        assert renew() is True
        take_the_lead_while_frozen(runners, frozen, other)
        return True

    frozen.leader.try_lead = renew_then_freeze  # type: ignore[method-assign]
    frozen.check()
    assert frozen.role == "standby"
    assert nudge_rows(session_factory) == [] and runners.woken[0] == 0
    other.check()
    assert other.role == "leader"
    assert len(nudge_rows(session_factory)) == 2 and runners.woken[1] == 1


def test_runner_started_with_apscheduler_checks_at_once_and_leads(runners, project, session_factory):
    runners.clock.now = MONDAY_10
    runner = runners.new(tick_seconds=60, check_seconds=1)
    runner.start()
    deadline = time.monotonic() + 10
    while runner.role != "leader" or len(nudge_rows(session_factory)) < 2:
        assert time.monotonic() < deadline, f"role {runner.role}, rows {nudge_rows(session_factory)}"
        time.sleep(0.05)
    assert runner._scheduler.timezone.key == "Asia/Seoul"  # an explicit zone, not the host's
    runner.stop()
    assert runner.role == "off" and not runner._scheduler.running
