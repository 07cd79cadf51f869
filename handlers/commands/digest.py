"""/digest: the cross-project digest now, one project's week, and subscribing to the weekly DM."""

from __future__ import annotations

from slack_bolt import App

from handlers.commands.base import Invocation, help_for, register_command
from handlers.deps import Deps
from kit.blocks import digests as blocks
from kit.i18n import t
from kit.ids import Command
from kit.text import plain
from services import digests


def cross(inv: Invocation) -> None:
    """`/digest`: every active project for an admin, one's own projects for anyone else."""
    with inv.deps.session_factory() as session:
        lines = digests.for_viewer(
            session,
            inv.cmd.team_id,
            inv.cmd.user_id,
            is_admin=inv.deps.is_admin(inv.cmd.user_id),
            now=inv.deps.clock(),
            calendar=inv.deps.calendar,
        )
    inv.reply(blocks.cross_digest(lines, inv.reader))


def project(inv: Invocation) -> None:
    """`/digest KEY`: this week of that project."""
    key = plain(inv.cmd.text.split()[0], from_command=True)
    with inv.deps.session_factory() as session:
        digest = digests.current_week(
            session,
            inv.cmd.team_id,
            key,
            viewer=inv.cmd.user_id,
            is_admin=inv.deps.is_admin(inv.cmd.user_id),
            now=inv.deps.clock(),
            calendar=inv.deps.calendar,
        )
    inv.reply(blocks.project_digest(digest, inv.reader))


def _answer(inv: Invocation, key: str) -> None:
    text = t(key, inv.locale)
    if inv.deps.is_admin(inv.cmd.user_id):
        text = f"{text} {t('digest.admin_note', inv.locale)}"
    inv.reply({"text": text})


def subscribe(inv: Invocation) -> None:
    with inv.deps.transaction() as session:
        added = digests.subscribe(session, inv.cmd.team_id, inv.cmd.user_id, now=inv.deps.clock())
    _answer(inv, "digest.subscribed" if added else "digest.already_subscribed")


def unsubscribe(inv: Invocation) -> None:
    with inv.deps.transaction() as session:
        removed = digests.unsubscribe(session, inv.cmd.team_id, inv.cmd.user_id, now=inv.deps.clock())
    _answer(inv, "digest.unsubscribed" if removed else "digest.not_subscribed")


def register(app: App, deps: Deps) -> None:
    register_command(
        app,
        deps,
        Command.DIGEST,
        {"subscribe": subscribe, "unsubscribe": unsubscribe, "help": help_for("digest")},
        default=cross,
        unknown=project,
    )
