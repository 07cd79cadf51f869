"""Which process runs the scheduler: exactly one at a time, and another within a minute if it dies.

PostgreSQL: a session advisory lock held on a connection of its own; it is released by the server
the moment the holder's connection goes, so a killed process hands over at the next check.
SQLite (and anything else): a lease row renewed on every check; it lapses LEASE after the last one.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from services import leases
from services.unit_of_work import utcnow, write_transaction

log = logging.getLogger(__name__)

LOCK_KEY = 0x6F6E6E75  # "onnu": one fixed advisory-lock key for the scheduler
LEASE = timedelta(seconds=45)
LEASE_NAME = "scheduler"


def holder_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


class AdvisoryLockLeader:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None

    def try_lead(self) -> bool:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT 1"))
                return True
            except SQLAlchemyError:
                log.warning("lost the scheduler lock's connection; trying again")
                self._drop()
        try:
            conn = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except SQLAlchemyError as error:
            log.warning("scheduler lock: database unreachable (%s)", type(error).__name__)
            return False
        try:
            locked = conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK_KEY}).scalar()
        except SQLAlchemyError as error:
            conn.close()
            log.warning("scheduler lock: not taken (%s)", type(error).__name__)
            return False
        if locked:
            self._conn = conn
            return True
        conn.close()
        return False

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.invalidate()
            finally:
                self._conn = None

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
                self._conn.close()
            except SQLAlchemyError:
                pass
            self._conn = None


class LeaseLeader:
    def __init__(
        self, session_factory: sessionmaker[Session], holder: str, clock: Callable[[], datetime] = utcnow
    ) -> None:
        self.session_factory = session_factory
        self.holder = holder
        self.clock = clock

    def try_lead(self) -> bool:
        now = self.clock()
        try:
            with write_transaction(self.session_factory) as session:
                return leases.take_or_renew(session, LEASE_NAME, self.holder, now, LEASE)
        except SQLAlchemyError as error:  # another process took it at the same instant, or the database is away
            log.info("scheduler lease not taken (%s)", type(error).__name__)
            return False

    def release(self) -> None:
        try:
            with write_transaction(self.session_factory) as session:
                leases.release(session, LEASE_NAME, self.holder)
        except SQLAlchemyError:
            pass


def make_leader(engine: Engine, session_factory: sessionmaker[Session]) -> AdvisoryLockLeader | LeaseLeader:
    if engine.dialect.name == "postgresql":
        return AdvisoryLockLeader(engine)
    return LeaseLeader(session_factory, holder_name())
