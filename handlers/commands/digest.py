"""/digest: the cross-project digest now, one project's week, and subscribing to the weekly DM."""

from __future__ import annotations

from handlers.listener import Call, Reply, command
from kit.blocks import digests as blocks
from kit.i18n import t
from kit.ids import Command
from kit.text import plain
from services import digests


@command(Command.DIGEST, default=True)
def cross(call: Call) -> Reply:
    """`/digest`: every active project for an admin, one's own projects for anyone else."""
    lines = digests.for_viewer(
        call.db, call.team_id, call.user_id, is_admin=call.is_admin, now=call.now, calendar=call.deps.calendar
    )
    return Reply(blocks.cross_digest(lines, call.reader))


@command(Command.DIGEST, otherwise=True)
def project(call: Call) -> Reply:
    """`/digest KEY`: this week of that project."""
    key = plain(call.args.split()[0], from_command=True)
    digest = digests.current_week(
        call.db,
        call.team_id,
        key,
        viewer=call.user_id,
        is_admin=call.is_admin,
        now=call.now,
        calendar=call.deps.calendar,
    )
    return Reply(blocks.project_digest(digest, call.reader))


def _answer(call: Call, key: str) -> Reply:
    text = t(key, call.locale)
    if call.is_admin:  # admins get the digest whether subscribed or not
        text = f"{text} {t('digest.admin_note', call.locale)}"
    return Reply({"text": text})


@command(Command.DIGEST, "subscribe", "구독", writes=True)
def subscribe(call: Call) -> Reply:
    added = digests.subscribe(call.db, call.team_id, call.user_id, now=call.now)
    return _answer(call, "digest.subscribed" if added else "digest.already_subscribed")


@command(Command.DIGEST, "unsubscribe", "구독해지", "해지", writes=True)
def unsubscribe(call: Call) -> Reply:
    removed = digests.unsubscribe(call.db, call.team_id, call.user_id, now=call.now)
    return _answer(call, "digest.unsubscribed" if removed else "digest.not_subscribed")
