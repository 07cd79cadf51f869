"""People looking at App Home: only their Homes are redrawn when something changes (notices.refresh_homes)."""

from __future__ import annotations

from services import users


def looking_at_home(session_factory, team_id: str, *people: str) -> None:
    with session_factory.begin() as session:
        for person in people:
            users.home_opened(session, team_id, person)


def homes_redrawn(session_factory) -> None:
    """Every App Home redraw waiting counts as sent, as if delivery had caught up."""
    from sqlalchemy import update

    from models import OutboxMessage, OutboxStatus

    with session_factory.begin() as session:
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.kind == "home.refresh", OutboxMessage.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.SENT)
        )
