"""Telling the admins what the bot itself could not do: once a day, the messages given up since yesterday."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from services import notices, outbox
from services.audience import Audience

DAY = timedelta(days=1)


def due(session: Session, now: datetime, audience: Audience, admins: frozenset[str]) -> list[dict[str, Any]]:
    """Each admin's notice of the messages given up in the last day, when there were any: once a day, when
    the admin is reachable (a working day, outside quiet hours, not away)."""
    rows: list[dict[str, Any]] = []
    for team, _count in sorted(outbox.dead_counts_since(session, now - DAY).items()):
        for admin in sorted(admins):
            if not audience.reachable(team, admin, now):
                continue
            day = now.astimezone(ZoneInfo(audience.tz(team, admin))).date()
            notice = notices.OutboxDead(day=day)
            rows.append(notices.row(team, admin, notice, f"outbox.dead:{admin}:{day.isoformat()}"))
    return rows
