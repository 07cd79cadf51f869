"""`onnuri scheduler run-once [--at T]`: every job due at T, once, delivered, then exit (for cron and tests).

The run decides what is due as if the clock read T, and messages say what is true at T; when rows are sent,
channels paced and retries timed is the real clock's business, so a run as of next week leaves no hold
on a channel that a running bot would obey. A second run with the same T sends nothing."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from scheduler import jobs
from scheduler.delivery import OutboxDelivery
from services import outbox
from services.organisation import Organisation

DRAIN_SECONDS = 120.0


class InvalidInstant(ValueError):
    pass


def parse_instant(text: str | None, default_tz: str) -> datetime:
    """ISO-8601; a time without an offset is read in ONNURI_TIMEZONE."""
    if not text:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInstant(f"not an ISO-8601 date and time: {text!r} (e.g. 2026-12-07T10:00+09:00)") from None
    if moment.tzinfo is None:
        from zoneinfo import ZoneInfo

        moment = moment.replace(tzinfo=ZoneInfo(default_tz))
    return moment.astimezone(UTC)


def run_once(session_factory: sessionmaker[Session], client: WebClient, org: Organisation, now: datetime) -> str:
    """Queues what is due at `now`, delivers it, and says in one line what happened."""
    queued = jobs.tick(session_factory, org, now)
    # what messages say moves on from `now`; sending, pacing and retries keep the real clock
    started = time.monotonic()
    delivery = OutboxDelivery(
        session_factory,
        client,
        org,
        content_clock=lambda: now + timedelta(seconds=time.monotonic() - started),
    )
    stats = delivery.drain(timeout=DRAIN_SECONDS)
    with session_factory() as session:
        pending = outbox.pending_count(session)
    jobs_text = ", ".join(f"{name} {count}" for name, count in queued.items())
    return (
        f"scheduler at {now.isoformat(timespec='minutes')}: queued {jobs_text}; "
        f"sent {stats.sent}, failed {stats.dead}, still queued {pending}"
    )
