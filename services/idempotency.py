"""Acting on a request once: a retried or replayed request finds its key already taken."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models import ProcessedRequest


def first_time(session: Session, team_id: str, key: str) -> bool:
    """Claims `key` in the caller's transaction; False if an earlier request already did."""
    try:
        with session.begin_nested():
            session.add(ProcessedRequest(team_id=team_id, key=key[:200]))
    except IntegrityError:
        return False
    return True
