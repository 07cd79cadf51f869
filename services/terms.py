"""The domain's vocabulary for the floors above: the states and kinds its records take, and its refusals.

Handlers, the Slack kit and the scheduler name these from here, never from the tables in models/, so a
table can change shape without a listener or a Block Kit builder noticing.
"""

from models import (
    Cadence,
    DirectiveKind,
    DirectiveStatus,
    DiscussionStatus,
    Health,
    MemberRole,
    OutboxStatus,
    ProjectDepartmentRole,
    ProjectStatus,
    ReportKind,
    RequestStatus,
    StepKind,
    StepStatus,
)
from services.errors import DomainError, People

__all__ = [
    "Cadence",
    "DirectiveKind",
    "DirectiveStatus",
    "DiscussionStatus",
    "DomainError",
    "Health",
    "MemberRole",
    "OutboxStatus",
    "People",
    "ProjectDepartmentRole",
    "ProjectStatus",
    "ReportKind",
    "RequestStatus",
    "StepKind",
    "StepStatus",
]
