"""Named leases in the database: a holder keeps one by renewing it before it lapses; another may take it
once it has. The scheduler's leader on databases without advisory locks (SQLite)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import SchedulerLease


def take_or_renew(session: Session, name: str, holder: str, now: datetime, lease: timedelta) -> bool:
    """True when `holder` holds the lease until now + lease (new, renewed, or taken over a lapsed one)."""
    found = session.scalar(select(SchedulerLease).where(SchedulerLease.name == name))
    if found is None:
        session.add(SchedulerLease(name=name, holder=holder, expires_at=now + lease))
        return True
    if found.holder == holder or found.expires_at <= now:
        found.holder = holder
        found.expires_at = now + lease
        return True
    return False


def holds(session: Session, name: str, holder: str, now: datetime) -> bool:
    """True while `holder` holds the lease at `now`: its name is on it and it has not lapsed."""
    found = session.scalar(select(SchedulerLease).where(SchedulerLease.name == name))
    return found is not None and found.holder == holder and found.expires_at > now


def release(session: Session, name: str, holder: str) -> None:
    found = session.scalar(select(SchedulerLease).where(SchedulerLease.name == name))
    if found is not None and found.holder == holder:
        session.delete(found)
