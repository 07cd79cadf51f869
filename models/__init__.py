"""Tables, the engine/session factory and Alembic migrations.

Importing this package registers every table on Base.metadata.
"""

from models.audit import AuditEvent
from models.base import Base
from models.idempotency import ProcessedRequest
from models.org import Department, User
from models.outbox import OutboxChannel, OutboxMessage, OutboxStatus
from models.progress import Health, ProgressUpdate
from models.projects import (
    Cadence,
    MemberRole,
    Project,
    ProjectDepartment,
    ProjectDepartmentRole,
    ProjectMember,
    ProjectStatus,
)

__all__ = [
    "AuditEvent",
    "Base",
    "Cadence",
    "Department",
    "Health",
    "MemberRole",
    "OutboxChannel",
    "OutboxMessage",
    "OutboxStatus",
    "ProcessedRequest",
    "ProgressUpdate",
    "Project",
    "ProjectDepartment",
    "ProjectDepartmentRole",
    "ProjectMember",
    "ProjectStatus",
    "User",
]
