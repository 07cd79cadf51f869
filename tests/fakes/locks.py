"""Making a database race really happen in a test, rather than the two sides running in turn."""

from __future__ import annotations

import time

from sqlalchemy import text
from sqlalchemy.orm import Session

_BLOCKED = text("SELECT count(*) FROM pg_locks WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid))")


def wait_until_another_transaction_waits_on(session: Session, timeout: float = 5.0) -> None:
    """Returns once some other PostgreSQL backend is blocked on a lock this session's transaction holds."""
    deadline = time.monotonic() + timeout
    while not session.scalar(_BLOCKED):
        assert time.monotonic() < deadline, "the other transaction never waited on this one"
        time.sleep(0.01)
