"""Turning an outbox row (a kind and plain data) into the message its recipient reads.

Rendering happens at delivery, in the recipient's language, from the current state of
the subject; a row whose subject has gone is skipped rather than sent half-empty.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from bot.blocks import projects as project_blocks
from bot.reader import Reader
from services import projects
from services.outbox import Pending

Renderer = Callable[[Session, Pending, Reader], dict[str, Any] | None]


def _project(session: Session, pending: Pending, reader: Reader) -> dict[str, Any] | None:
    info = projects.get_by_id(session, pending.team_id, int(pending.payload["project_id"]))
    if info is None:
        return None
    return project_blocks.notification(pending.kind, info, reader.locale, pending.payload)


RENDERERS: dict[str, Renderer] = {
    "project.member_added": _project,
    "project.member_joined": _project,
    "project.registered": _project,
    "project.closed": _project,
}


def render(session: Session, pending: Pending, reader: Reader) -> dict[str, Any] | None:
    renderer = RENDERERS.get(pending.kind)
    if renderer is None:
        raise LookupError(f"no renderer for outbox kind {pending.kind!r}")
    return renderer(session, pending, reader)
