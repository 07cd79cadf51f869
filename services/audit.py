"""Writing the append-only audit trail."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from models import AuditEvent


def record(
    session: Session, team_id: str, actor: str, action: str, subject_type: str, subject_id: int, **detail: Any
) -> AuditEvent:
    event = AuditEvent(
        team_id=team_id,
        actor=actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
    )
    session.add(event)
    session.flush()
    return event
