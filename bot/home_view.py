"""App Home for one person, built the same way whether they open it or the outbox refreshes it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.blocks import home as blocks
from bot.blocks import reports as report_blocks
from bot.reader import Reader
from models import DirectiveStatus
from services import approvals, directives, ledger, progress, users
from services.calendar import WorkCalendar
from services.working_time import WorkingTime


def home_view(
    session: Session, team_id: str, reader: Reader, *, now: datetime, calendar: WorkCalendar
) -> dict[str, Any]:
    person = users.get_person(session, team_id, reader.user_id)
    mine = progress.my_projects(session, team_id, reader.user_id, now=now, calendar=calendar)
    waiting = approvals.waiting_for(session, team_id, reader.user_id, now=now)
    today = now.astimezone(reader.zone).date()
    assigned, _issued = directives.for_person(session, team_id, reader.user_id, today=today)
    open_ones = [d for d in assigned if d.status is not DirectiveStatus.DONE]
    records = ledger.month_records(
        session,
        team_id,
        ledger.Month.of(now, reader.tz),
        now=now,
        calendar=calendar,
        working_time=WorkingTime(calendar),
        org_tz=reader.tz,
        weights=ledger.DEFAULT_WEIGHTS,  # the Home shows counts; the score is /report me's
        people={reader.user_id},
    )
    participation = report_blocks.home_section(records[0] if records else None, reader)
    return blocks.home(reader, person, mine, waiting, open_ones, today, participation)
