"""One scheduler tick: every timed job, computed from the database at `now`, queued in the outbox.

Jobs are thin and keep no state: each returns the outbox rows due at `now`, keyed by (kind, subject,
period), and the rows are inserted with ON CONFLICT DO NOTHING. A tick run twice, in two processes at
once or after a crash therefore queues nothing twice; a tick after an outage queues what is due now
(one nudge stage, this week's digest), not a backlog.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.settings import Settings
from models.db import write_transaction
from services import audience as audiences
from services import digests, nudges, outbox, projects, reminders
from services.audience import Audience
from services.calendar import WorkCalendar
from services.projects import ProjectInfo
from services.working_time import QuietHours, WorkingTime

log = logging.getLogger(__name__)

DIGEST_TIME = time(9, 0)  # weekly digests: 09:00 on the week's first working day


def working_time(settings: Settings, calendar: WorkCalendar) -> WorkingTime:
    return WorkingTime(calendar, QuietHours.parse(settings.quiet_hours))


def _week_start(moment: datetime, tz: str, audience: Audience):
    local = audience.working_time.local(moment, tz).date()
    return local - timedelta(days=local.weekday())


def digest_rows(
    session: Session, now: datetime, audience: Audience, infos: list[ProjectInfo], admins: frozenset[str]
) -> list[dict[str, Any]]:
    """This week's digests whose time has come: each project's to its channel (covering last week),
    and the cross-project one to admins and subscribers."""
    wt, calendar = audience.working_time, audience.working_time.calendar
    rows: list[dict[str, Any]] = []
    for info in infos:
        if not info.channel_id:
            continue
        week = _week_start(now, info.timezone, audience)
        first = calendar.first_working_day(week, week + timedelta(days=7))
        if (
            first is None
            or now < wt.slot(first, info.timezone, DIGEST_TIME)
            or not wt.reachable(now, info.timezone)  # a late digest waits for working hours
        ):
            continue
        rows.append(
            {
                "team_id": info.team_id,
                "kind": "digest.project",
                "recipient": info.channel_id,
                "dedupe_key": f"digest:project:{info.id}:{week.isoformat()}",
                "payload": {"project_id": info.id, "week_start": (week - timedelta(days=7)).isoformat()},
            }
        )
    for team in sorted({info.team_id for info in infos}):
        for person in digests.recipients(session, team, admins):
            tz = audience.tz(team, person)
            week = _week_start(now, tz, audience)
            first = calendar.first_working_day(week, week + timedelta(days=7))
            if first is None or now < wt.slot(first, tz, DIGEST_TIME) or not audience.reachable(team, person, now):
                continue
            rows.append(
                {
                    "team_id": team,
                    "kind": "digest.cross",
                    "recipient": person,
                    "dedupe_key": f"digest:cross:{person}:{week.isoformat()}",
                    "payload": {"week_start": week.isoformat()},
                }
            )
    return rows


def tick(
    session_factory: sessionmaker[Session], settings: Settings, calendar: WorkCalendar, now: datetime
) -> dict[str, int]:
    """Queues everything due at `now`; returns how many new rows each job queued."""
    with session_factory() as session:
        audience = audiences.load(session, working_time(settings, calendar), settings.timezone)
        infos = projects.all_active(session)
        due = {
            "nudges": nudges.due(session, now, calendar, audience, infos),
            "reminders": reminders.due(
                session,
                now,
                audience,
                remind_hours=settings.approval_remind_hours,
                escalate_hours=settings.approval_escalate_hours,
                org_tz=settings.timezone,
            ),
            "digests": digest_rows(session, now, audience, infos, settings.admins),
        }
    with write_transaction(session_factory) as session:
        queued = {name: outbox.enqueue_many(session, rows, at=now) for name, rows in due.items()}
    if any(queued.values()):
        log.info("scheduler at %s queued %s", now.isoformat(timespec="minutes"), queued)
    return queued
