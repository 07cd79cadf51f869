"""Files for HR and records retention: the participation ledger as CSV (UTF-8 with a BOM, so Excel
opens Korean correctly) or XLSX, and the audit trail as CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import AuditEvent
from services.ledger import Component, PersonMonth

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Label = Callable[[str], str]  # a column's name in the reader's language

PARTICIPATION_COLUMNS = (
    "month",
    "person",
    "name",
    "department",
    "project",
    "project_name",
    "progress_due",
    "on_time",
    "late",
    "missed",
    "excused",
    "approvals_decided",
    "approvals_overdue",
    "approval_median_hours",
    "directives_assigned",
    "directives_on_time",
    "directives_late",
    "replies",
    "votes",
    "discussions_opened",
    "discussions_closed",
    "score",
    "breakdown",
    "adjustment",
    "adjustment_reason",
)
AUDIT_COLUMNS = ("at", "team", "actor", "action", "subject_type", "subject_id", "detail")


def participation_rows(records: Sequence[PersonMonth], describe: Callable[[Component], str]) -> list[list[object]]:
    """One row a person and project; the person's score, breakdown (`describe` words each part in the
    reader's language) and adjustments on each of their rows."""
    rows: list[list[object]] = []
    for record in records:
        score = "" if record.score is None else record.score
        breakdown = "; ".join(describe(c) for c in record.components)
        points = sum(a.points for a in record.adjustments)
        reasons = " / ".join(f"{a.reason} ({a.points:+d}, {a.author})" for a in record.adjustments)
        lines = record.lines or (None,)
        for line in lines:
            rows.append(
                [
                    str(record.month),
                    record.person,
                    record.name,
                    record.department or "",
                    line.project_key if line else "",
                    line.project_name if line else "",
                    *(
                        (
                            line.progress_due,
                            line.on_time,
                            line.late,
                            line.missed,
                            line.not_due,
                            line.approvals_decided,
                            line.approvals_overdue,
                            "" if line.approval_median_hours is None else line.approval_median_hours,
                            line.directives_assigned,
                            line.directives_on_time,
                            line.directives_late,
                            line.replies,
                            line.votes,
                            line.discussions_opened,
                            line.discussions_closed,
                        )
                        if line
                        else ("",) * 15
                    ),
                    score,
                    breakdown,
                    points if record.adjustments else "",
                    reasons,
                ]
            )
    return rows


def _inert(value: object) -> object:
    """Text a spreadsheet would run as a formula (=, +, -, @ first) is kept as text; numbers stay numbers."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def to_csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([_inert(v) for v in row] for row in rows)
    return (BOM + buffer.getvalue()).encode("utf-8")


def to_xlsx(header: Sequence[str], rows: Sequence[Sequence[object]], title: str) -> bytes:
    from openpyxl import Workbook  # only the export needs it
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(list(header))
    for row in rows:
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":  # user text that looks like a formula stays text
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def audit_rows(session: Session, start: date, end: date, team_id: str | None = None) -> list[list[object]]:
    """The append-only audit trail from `start` to `end` (both days included, UTC), oldest first."""
    query = select(AuditEvent).where(
        AuditEvent.created_at >= datetime.combine(start, time(0), UTC),
        AuditEvent.created_at < datetime.combine(end, time(0), UTC) + timedelta(days=1),
    )
    if team_id is not None:
        query = query.where(AuditEvent.team_id == team_id)
    return [
        [
            event.created_at.isoformat(timespec="seconds"),
            event.team_id,
            event.actor,
            event.action,
            event.subject_type,
            event.subject_id,
            json.dumps(event.detail, ensure_ascii=False, sort_keys=True),
        ]
        for event in session.scalars(query.order_by(AuditEvent.id))
    ]
