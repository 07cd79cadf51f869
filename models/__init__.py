"""Tables, the engine/session factory and Alembic migrations.

Importing this package registers every table on Base.metadata.
"""

from models.audit import AuditEvent
from models.base import Base
from models.idempotency import ProcessedRequest
from models.org import Department, User
from models.outbox import OutboxChannel, OutboxMessage, OutboxStatus
from models.projects import (
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
    "Department",
    "MemberRole",
    "OutboxChannel",
    "OutboxMessage",
    "OutboxStatus",
    "ProcessedRequest",
    "Project",
    "ProjectDepartment",
    "ProjectDepartmentRole",
    "ProjectMember",
    "ProjectStatus",
    "User",
]
