"""App Home for one person, built the same way whether they open it or the outbox refreshes it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from kit.blocks import home as blocks
from kit.blocks import reports as report_blocks
from kit.reader import Reader
from services import approvals, directives, ledger, progress, users
from services.calendar import WorkCalendar
from services.terms import DirectiveStatus


def home_view(
    session: Session, team_id: str, reader: Reader, *, now: datetime, calendar: WorkCalendar, rules: ledger.Rules
) -> dict[str, Any]:
    person = users.get_person(session, team_id, reader.user_id)
    mine = progress.my_projects(session, team_id, reader.user_id, now=now, calendar=calendar)
    waiting = approvals.waiting_for(session, team_id, reader.user_id, now=now)
    today = now.astimezone(reader.zone).date()
    assigned, issued = directives.for_person(session, team_id, reader.user_id, today=today)
    my_requests = approvals.pending_requested_by(session, team_id, reader.user_id, limit=blocks.MY_REQUESTS_SHOWN)
    open_ones = [d for d in assigned if d.status is not DirectiveStatus.DONE]
    # the same record as /report me: this month as the reader's calendar says, counted by the one set of rules
    record = ledger.person_month(
        session, team_id, reader.user_id, ledger.Month.of(now, reader.tz), now=now, rules=rules
    )
    participation = report_blocks.home_section(record, reader)
    return blocks.home(
        reader,
        person,
        mine,
        waiting,
        open_ones,
        today=today,
        participation=participation,
        issued=issued,
        my_requests=my_requests,
    )
