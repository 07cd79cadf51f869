"""Listener bodies called directly: a Call built by hand around an open session, on a small organisation
(a project with its lead, two members, one approval request, one directive and one discussion)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.compose import organisation
from handlers.deps import Deps
from handlers.listener import Call, Kind
from handlers.requests import Submission
from kit.reader import reader_from
from services import approvals, directives, discussions, projects
from services.terms import DirectiveKind

TEAM = "T1"
LEAD, MEMBER, HELPER, OUTSIDER = "U1", "U2", "U3", "U7"
NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)  # Tuesday 10:00 in Seoul


@dataclass(frozen=True)
class Organisation:
    request_id: int
    step_id: int
    directive_id: int
    discussion_id: int


@pytest.fixture
def deps(session_factory: sessionmaker[Session], settings) -> Deps:
    return Deps(org=organisation(settings), session_factory=session_factory, clock=lambda: NOW)


@pytest.fixture
def office(session_factory: sessionmaker[Session], deps: Deps) -> Organisation:
    with session_factory.begin() as s:
        draft = projects.ProjectDraft(name="일자리 창출", key="JOBS", member_ids=[MEMBER, HELPER], channel_id="C9")
        projects.create(s, TEAM, LEAD, draft, now=NOW - timedelta(days=14))
        request = approvals.create(s, TEAM, LEAD, "JOBS", approvals.Draft(title="협약안", approvers=[MEMBER]), now=NOW)
        directive = directives.issue(
            s,
            TEAM,
            LEAD,
            "JOBS",
            assignees=[MEMBER],
            text="초안 검토",
            kind=DirectiveKind.ACTION,
            due_date=None,
            is_admin=False,
            now=NOW,
            calendar=deps.calendar,
        )
        discussion = discussions.open_(
            s, TEAM, LEAD, "JOBS", topic="회의 일정", is_admin=False, today=NOW.date(), now=NOW
        )
    return Organisation(request.id, request.steps[0].id, directive.id, discussion.id)


CallFor = Callable[..., Any]


@pytest.fixture
def call_for(deps: Deps, session_factory: sessionmaker[Session]) -> CallFor:
    """`with call_for(user, kind=..., args=..., value=..., form=...) as call:` a Call with a session open
    (a write transaction, committed at the end, when `writes`)."""

    @contextmanager
    def make(user: str = LEAD, *, kind: Kind = Kind.COMMAND, writes: bool = False, **fields: Any) -> Iterator[Call]:
        scope = session_factory.begin() if writes else session_factory()
        with scope as session:
            reader = reader_from(None, user, deps.org)
            yield Call(deps, kind, TEAM, user, reader, NOW, session=session, **fields)

    return make


def submission(callback_id: str, values: dict[str, Any], user: str = LEAD, **metadata: Any) -> Submission:
    """A submitted form: `values` maps a block id to its element's state, as Slack sends it."""
    return Submission(TEAM, user, "V1", callback_id, {b: {"input": v} for b, v in values.items()}, metadata)
