"""Block Kit for what the scheduler sends people: progress nudges, escalations and reminders, gathered into one
DM a morning."""

from __future__ import annotations

from datetime import date
from typing import Any

from kit.blocks.common import MAX_MESSAGE_BLOCKS, actions, button, message, section
from kit.i18n import t
from kit.ids import Action
from kit.periods import cadence_period
from kit.reader import Reader
from kit.text import Raw, mention, truncate
from services.approvals import RequestInfo
from services.directives import DirectiveInfo
from services.projects import ProjectInfo

MENTIONS_SHOWN = 20


def snooze_value(project_id: int, period_start: date) -> str:
    return f"{project_id}:{period_start.isoformat()}"


def progress_nudge(info: ProjectInfo, period_start: date, stage: int, reader: Reader) -> dict[str, Any]:
    locale = reader.locale
    key = "nudge.progress_first" if stage == 1 else "nudge.progress_second"
    text = t(key, locale, name=info.name, key=info.key, period=cadence_period(period_start, info.cadence, locale))
    buttons = [
        button(t("nudge.button_post", locale, plain=True), Action.PROGRESS_OPEN, info.key, "primary"),
        button(t("nudge.button_snooze", locale, plain=True), Action.NUDGE_SNOOZE, snooze_value(info.id, period_start)),
    ]
    return message(text, [section(text), actions(*buttons)])


def _people(people: list[str], locale: str) -> Raw:
    shown = ", ".join(mention(p) for p in people[:MENTIONS_SHOWN])
    if len(people) > MENTIONS_SHOWN:
        shown += " " + t("common.more", locale, count=len(people) - MENTIONS_SHOWN)
    return Raw(shown)


def escalation(info: ProjectInfo, period_start: date, missing: list[str], reader: Reader) -> dict[str, Any]:
    locale = reader.locale
    text = t(
        "nudge.escalation",
        locale,
        name=info.name,
        key=info.key,
        period=cadence_period(period_start, info.cadence, locale),
        count=len(missing),
        people=_people(missing, locale),
    )
    return message(text, [section(text)])


def approval_reminder(info: RequestInfo, approver: str, hours: int, overdue: bool, reader: Reader) -> dict[str, Any]:
    locale = reader.locale
    key = "nudge.approval_overdue" if overdue else "nudge.approval_waiting"
    text = t(key, locale, id=info.id, title=truncate(info.title, 150), hours=hours, approver=mention(approver))
    details = button(t("approval.button_details", locale, plain=True), Action.APPROVAL_SHOW, str(info.id))
    return message(text, [section(text, accessory=details)])


def directive_reminder(info: DirectiveInfo, stage: str, reader: Reader) -> dict[str, Any]:
    locale = reader.locale
    late = [a for a, _, _ in info.assignees]
    text = t(
        f"nudge.directive_{stage}",
        locale,
        id=info.id,
        text=truncate(info.text, 150),
        due=reader.format_date(info.due_date),
        people=_people(late, locale),
    )
    details = button(t("directive.button_details", locale, plain=True), Action.DIRECTIVE_SHOW, str(info.id))
    return message(text, [section(text, accessory=details)])


def daily(parts: list[dict[str, Any]], reader: Reader) -> dict[str, Any] | None:
    """A person's one DM of the morning: the messages above (`parts`, each already checked as still due)
    one after another under a title, each project's nudge with its own buttons; None when nothing is left."""
    if not parts:
        return None
    locale = reader.locale
    title = t("nudge.daily", locale, count=len(parts))
    blocks = [section(title)]
    shown = 0
    for part in parts:
        if len(blocks) + len(part["blocks"]) > MAX_MESSAGE_BLOCKS - 1:
            break
        blocks.extend(part["blocks"])
        shown += 1
    if shown < len(parts):
        blocks.append(section(t("common.more", locale, count=len(parts) - shown)))
    return message("\n".join([title, *(part["text"] for part in parts)]), blocks)


def snoozed(info_name: str, until: str, locale: str) -> dict[str, Any]:
    text = t("nudge.snoozed", locale, name=info_name, until=until)
    return message(text, [section(text)])
