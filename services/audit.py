"""Writing the append-only audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from models import AuditEvent

SYSTEM = "system"  # the actor of what follows from a rule, not from a person (결재 완료, a line closing)


def record(
    session: Session,
    team_id: str,
    actor: str,
    action: str,
    subject_type: str,
    subject_id: int,
    *,
    at: datetime,
    **detail: Any,
) -> AuditEvent:
    """`at` is the caller's clock, so a frozen or simulated time reads the same in the trail."""
    event = AuditEvent(
        team_id=team_id,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
        created_at=at,
    )
    session.add(event)
    session.flush()
    return event
