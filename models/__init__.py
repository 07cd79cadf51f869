"""Tables, the engine/session factory and Alembic migrations: the ground floor. Only services/ and the
assembly (bot/) import it; the floors between name the domain through services/terms.py.

Importing this package registers every table on Base.metadata.
"""

from models.approvals import (
    Absence,
    ApprovalComment,
    ApprovalReader,
    ApprovalRequest,
    ApprovalStep,
    RequestStatus,
    StepKind,
    StepStatus,
)
from models.audit import AuditEvent
from models.base import Base
from models.directives import (
    Directive,
    DirectiveAssignee,
    DirectiveKind,
    DirectiveReport,
    DirectiveStatus,
    ReportKind,
)
from models.discussions import Discussion, DiscussionReply, DiscussionStatus, PollOption, PollVote
from models.idempotency import ProcessedRequest
from models.inbox import InboxRequest
from models.org import Department, User
from models.outbox import OutboxChannel, OutboxMessage, OutboxStatus
from models.participation import LedgerAdjustment
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
from models.scheduling import DigestSubscription, NudgeSnooze, SchedulerLease

__all__ = [
    "Absence",
    "ApprovalComment",
    "ApprovalReader",
    "ApprovalRequest",
    "ApprovalStep",
    "AuditEvent",
    "Base",
    "Cadence",
    "Department",
    "DigestSubscription",
    "Directive",
    "DirectiveAssignee",
    "DirectiveKind",
    "DirectiveReport",
    "DirectiveStatus",
    "Discussion",
    "DiscussionReply",
    "DiscussionStatus",
    "Health",
    "InboxRequest",
    "LedgerAdjustment",
    "MemberRole",
    "NudgeSnooze",
    "OutboxChannel",
    "OutboxMessage",
    "OutboxStatus",
    "PollOption",
    "PollVote",
    "ProcessedRequest",
    "ProgressUpdate",
    "Project",
    "ProjectDepartment",
    "ProjectDepartmentRole",
    "ProjectMember",
    "ProjectStatus",
    "ReportKind",
    "RequestStatus",
    "SchedulerLease",
    "StepKind",
    "StepStatus",
    "User",
]
