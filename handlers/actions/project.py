"""Buttons on project cards: Join, Details, Close and Reopen (their value is the project's key)."""

from __future__ import annotations

from handlers.commands.project import closing, detail, reopening
from handlers.listener import Call, Reply, click
from kit.blocks import projects as blocks
from kit.ids import Action
from services import projects


@click(Action.PROJECT_JOIN, writes=True, record=False)
def join(call: Call) -> Reply:
    outcome, info = projects.join(call.db, call.team_id, call.user_id, call.value, now=call.now)
    key = "project.joined" if outcome is projects.JoinOutcome.JOINED else "project.already_member"
    return Reply(blocks.reply(key, info, call.locale))


@click(Action.PROJECT_SHOW, record=False)
def show(call: Call) -> Reply:
    return detail(call, call.value)


@click(Action.PROJECT_CLOSE, writes=True, record=False)
def close(call: Call) -> Reply:
    """Slack asked first (the button's confirmation dialog, or the question `/project close KEY` answers)."""
    return closing(call, call.value)


@click(Action.PROJECT_REOPEN, writes=True, record=False)
def reopen(call: Call) -> Reply:
    return reopening(call, call.value)
