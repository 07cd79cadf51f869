"""One scheduler tick: every timed job, computed from the database at `now`, queued in the outbox.

Jobs are thin and keep no state: each returns the outbox rows due at `now`, keyed by (kind, subject,
period), and the rows are inserted with ON CONFLICT DO NOTHING. A tick run twice, in two processes at
once or after a crash therefore queues nothing twice; a tick after an outage queues what is due now
(one nudge stage, this week's digest), not a backlog. Nudges and reminders go out gathered, one DM a
person a morning (services/daily.py).
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from services import audience as audiences
from services import daily, digests, notices, nudges, outbox, projects, reminders, upkeep
from services.organisation import Organisation
from services.unit_of_work import write_transaction

log = logging.getLogger(__name__)


def tick(session_factory: sessionmaker[Session], org: Organisation, now: datetime) -> dict[str, int]:
    """Queues everything due at `now`; returns how many new rows each job queued."""
    with session_factory() as session:
        audience = audiences.load(session, org.working_time, org.timezone)
        infos = projects.all_active(session)
        items = [
            *nudges.due(session, now, org.calendar, audience, infos),
            *reminders.due(
                session,
                now,
                audience,
                remind_hours=org.approval_remind_hours,
                escalate_hours=org.approval_escalate_hours,
                org_tz=org.timezone,
            ),
        ]
        gathered = daily.gather(session, items, now, audience)
        due = {
            "nudges": [r for r in gathered if r["kind"] in nudges.KINDS],
            "reminders": [r for r in gathered if r["kind"] in reminders.KINDS],
            "daily": [r for r in gathered if r["kind"] == notices.DailyNudges.kind],
            "digests": digests.due(session, now, audience, infos, org.admins),
            "upkeep": upkeep.due(session, now, audience, org.admins),
        }
    with write_transaction(session_factory) as session:
        queued = {name: outbox.enqueue_many(session, rows, at=now) for name, rows in due.items()}
    if any(queued.values()):
        log.info("scheduler at %s queued %s", now.isoformat(timespec="minutes"), queued)
    return queued
