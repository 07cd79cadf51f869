"""Which process runs the scheduler: exactly one at a time, and another within a minute if it dies or hangs.

A leader renews on every check (CHECK_EVERY) and loses the lead LEASE after its last renewal, whether it
died, froze (SIGSTOP, a stuck thread) or lost the network; a standby leads at its next check after that,
so within LEASE + CHECK_EVERY = 40 s. The runner asks still_leads() right before a job, so a leader that
resumes after losing the lead stands by instead of queueing anything.

PostgreSQL: a session advisory lock on a connection of its own, outside the pool. A frozen process keeps
its TCP connection open (the kernel even answers keepalives for it), so the server ends that session after
LEASE idle (idle_session_timeout), which releases the lock. Advisory locks are per database: the same key
held in another database on the server is another lock.
SQLite (and anything else): a lease row renewed on every check; it lapses LEASE after the last renewal.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, NullPool, create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from services import leases
from services.unit_of_work import utcnow, write_transaction

log = logging.getLogger(__name__)

LOCK_KEY = 0x6F6E6E75  # "onnu": one fixed advisory-lock key for the scheduler
CHECK_EVERY = timedelta(seconds=10)
LEASE = timedelta(seconds=30)  # three checks: a slow tick or a GC pause does not cost a healthy leader the lead
LEASE_NAME = "scheduler"

_KEY = {"key": LOCK_KEY}
# pg_locks shows a one-bigint advisory key as classid (high 32 bits), objid (low 32 bits), objsubid 1
_LOCK_ROW = {"classid": LOCK_KEY >> 32, "objid": LOCK_KEY & 0xFFFFFFFF}
_HOLDS_LOCK = text(
    "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()"
    " AND classid = :classid AND objid = :objid AND objsubid = 1"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))"
)


class Leader(Protocol):
    def try_lead(self) -> bool:
        """Takes or renews the lead; True while this process holds it."""
        ...

    def still_leads(self) -> bool:
        """Whether the lead taken or renewed last is still this process's, without renewing it."""
        ...

    def release(self) -> None: ...


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def lock_connect_args(lease: timedelta) -> dict[str, Any]:
    """libpq settings with which this end gives up on a dead server or network within the lease, instead of
    hanging in a renewal for the kernel's many minutes of retransmissions."""
    third = max(1, round(lease.total_seconds() / 3))
    return {
        "connect_timeout": max(2, third),
        "keepalives": 1,
        "keepalives_idle": third,
        "keepalives_interval": max(1, third // 2),
        "keepalives_count": 3,
        "tcp_user_timeout": round(lease.total_seconds() * 1000),
    }


class AdvisoryLockLeader:
    def __init__(self, engine: Engine, lease: timedelta = LEASE) -> None:
        self.lease = lease
        # its own engine: the session limits set below must never reach a pooled connection the app uses
        self._engine = create_engine(
            engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT", connect_args=lock_connect_args(lease)
        )
        self._conn: Connection | None = None

    def try_lead(self) -> bool:
        if self._conn is not None:
            if self.still_leads():
                return True
            log.warning("lost the scheduler lock (its session ended or stopped answering); trying again")
        return self._take()

    def still_leads(self) -> bool:
        if self._conn is None:
            return False
        try:
            # also the renewal: any statement restarts the server's idle_session_timeout
            if self._conn.execute(_HOLDS_LOCK, _LOCK_ROW).scalar():
                return True
        except SQLAlchemyError:
            pass
        self._drop()
        return False

    def _take(self) -> bool:
        try:
            conn = self._engine.connect()
        except SQLAlchemyError as error:
            log.warning("scheduler lock: database unreachable (%s)", type(error).__name__)
            return False
        try:
            limited = self._limit_session(conn)
            locked = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), _KEY).scalar()
        except SQLAlchemyError as error:
            conn.close()
            log.warning("scheduler lock: not taken (%s)", type(error).__name__)
            return False
        if locked:
            if not limited:
                log.warning(
                    "PostgreSQL before 14 has no idle_session_timeout: if this process freezes, it keeps the lead"
                )
            self._conn = conn
            return True
        conn.close()
        return False

    def _limit_session(self, conn: Connection) -> bool:
        """The server ends this session, and with it the lock, once the holder stops renewing for a lease;
        False when the server cannot (before PostgreSQL 14)."""
        statement_ms = max(1000, round(self.lease.total_seconds() * 1000 / 3))
        conn.execute(text("SELECT set_config('statement_timeout', :ms, false)"), {"ms": str(statement_ms)})
        if (conn.dialect.server_version_info or (0,)) < (14,):
            return False
        idle_ms = round(self.lease.total_seconds() * 1000)
        conn.execute(text("SELECT set_config('idle_session_timeout', :ms, false)"), {"ms": str(idle_ms)})
        return True

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.invalidate()
            finally:
                self._conn = None

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), _KEY)
                self._conn.close()
            except SQLAlchemyError:
                pass
            self._conn = None


class LeaseLeader:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        holder: str,
        clock: Callable[[], datetime] = utcnow,
        lease: timedelta = LEASE,
    ) -> None:
        self.session_factory = session_factory
        self.holder = holder
        self.clock = clock
        self.lease = lease

    def try_lead(self) -> bool:
        now = self.clock()
        try:
            with write_transaction(self.session_factory) as session:
                return leases.take_or_renew(session, LEASE_NAME, self.holder, now, self.lease)
        except SQLAlchemyError as error:  # another process took it at the same instant, or the database is away
            log.info("scheduler lease not taken (%s)", type(error).__name__)
            return False

    def still_leads(self) -> bool:
        try:
            with self.session_factory() as session:
                return leases.holds(session, LEASE_NAME, self.holder, self.clock())
        except SQLAlchemyError:
            return False

    def release(self) -> None:
        try:
            with write_transaction(self.session_factory) as session:
                leases.release(session, LEASE_NAME, self.holder)
        except SQLAlchemyError:
            pass


def make_leader(engine: Engine, session_factory: sessionmaker[Session]) -> Leader:
    if engine.dialect.name == "postgresql":
        return AdvisoryLockLeader(engine)
    return LeaseLeader(session_factory, holder_name())
