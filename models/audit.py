"""The append-only audit trail: who did what to what, and when."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, String, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, TeamScoped, Timestamped


class AuditEvent(TeamScoped, Timestamped, Base):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(32))  # Slack user id, or "system"
    action: Mapped[str] = mapped_column(String(48), index=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column()
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AuditTrailIsAppendOnly(Exception):
    pass


@event.listens_for(Session, "before_flush")
def _refuse_audit_rewrites(session: Session, _context, _instances) -> None:
    # Records retention: an audit row, once written, is never changed or removed.
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise AuditTrailIsAppendOnly(f"audit event {obj.id} cannot be changed")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_audit_rewrites(state) -> None:
    if (state.is_update or state.is_delete) and any(mapper.class_ is AuditEvent for mapper in state.all_mappers):
        raise AuditTrailIsAppendOnly("the audit trail cannot be updated or deleted in bulk")
