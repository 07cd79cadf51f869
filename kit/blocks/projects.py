"""Block Kit for the project registry: replies, the list, the detail card, the form."""

from __future__ import annotations

import json
from collections.abc import Sequence
from itertools import groupby
from typing import Any

from kit.blocks.common import (
    Block,
    actions,
    button,
    confirm_dialog,
    context,
    divider,
    fields_section,
    header,
    input_block,
    message,
    modal,
    section,
)
from kit.blocks.discussions import decision_log
from kit.blocks.progress import status_blocks
from kit.i18n import t
from kit.ids import INPUT_ACTION, Action, Callback
from kit.ids import Block as B
from kit.reader import Reader
from kit.text import Raw, channel_link, escape, mention
from services.discussions import DiscussionInfo
from services.progress import ProjectProgress
from services.projects import ProjectInfo
from services.terms import Cadence, MemberRole, ProjectStatus

LIST_LIMIT = 20  # 2 blocks a project keeps a list well inside 50 blocks
MODAL_MEMBERS = 100  # what a users picker may be pre-filled with; 100 ids keep private_metadata < 3000
MEMBERS_SHOWN = 60  # mentions a section can hold well inside its 3000 characters


def _lead_text(info: ProjectInfo, locale: str) -> Raw:
    leads = info.leads
    if not leads:
        return t("project.no_lead", locale)  # t() output is Raw already
    return Raw(", ".join(mention(m.slack_user_id) for m in leads))


def _channel_text(info: ProjectInfo, locale: str) -> Raw:
    return channel_link(info.channel_id) if info.channel_id else t("project.no_channel", locale)


def reply(key: str, info: ProjectInfo, locale: str, **extra: Any) -> dict[str, Any]:
    """A one-line answer about a project, e.g. joined / left / closed."""
    text = t(key, locale, name=info.name, key=info.key, **extra)
    return message(text, [section(text)])


def created(info: ProjectInfo, locale: str, *, key_generated: bool = False) -> dict[str, Any]:
    """The registration confirmed; a key Onnuri made up is shown and explained, since commands name it."""
    text = t("project.created", locale, name=info.name, key=info.key, count=len(info.members))
    blocks = [section(text, accessory=button(t("project.button_show", locale), Action.PROJECT_SHOW, info.key))]
    if key_generated:
        blocks.append(context(t("project.key_generated", locale, key=info.key)))
    if not info.channel_id:
        blocks.append(context(t("project.created_channel_hint", locale, key=info.key)))
    return message(text, blocks)


def project_list(projects: list[ProjectInfo], reader: Reader) -> dict[str, Any]:
    locale = reader.locale
    if not projects:
        text = t("project.list_empty", locale)
        return message(text, [section(text)])
    title = t("project.list_title", locale, count=len(projects))
    blocks: list[Block] = [header(title)]
    shown = projects[:LIST_LIMIT]
    for mine, group in groupby(shown, key=lambda p: p.role_of(reader.user_id) is not None):
        blocks.append(context(t("project.list_mine" if mine else "project.list_others", locale)))
        for info in group:
            item = t(
                "project.list_item",
                locale,
                name=info.name,
                key=info.key,
                lead=_lead_text(info, locale),
                count=len(info.members),
                channel=_channel_text(info, locale),
            )
            accessory = (
                button(t("project.button_show", locale), Action.PROJECT_SHOW, info.key)
                if mine
                else button(t("project.button_join", locale), Action.PROJECT_JOIN, info.key)
            )
            blocks.append(section(item, accessory=accessory))
    if len(projects) > LIST_LIMIT:
        blocks.append(context(t("project.list_truncated", locale, shown=LIST_LIMIT)))
    return message(title, blocks)


def _members_by_department(info: ProjectInfo, locale: str) -> str:
    """One line a department, at most MEMBERS_SHOWN people in all, then "and N more"."""
    marks = {
        MemberRole.LEAD: " " + t("project.lead_mark", locale),
        MemberRole.OBSERVER: " " + t("project.observer_mark", locale),
    }
    manager = " " + t("project.manager_mark", locale)
    ordered = sorted(info.members, key=lambda m: (m.department is None, m.department or "", m.role.value))
    shown, lines = ordered[:MEMBERS_SHOWN], []
    for department, group in groupby(shown, key=lambda m: m.department):
        people = ", ".join(
            mention(m.slack_user_id) + marks.get(m.role, "") + (manager if m.manager else "") for m in group
        )
        lines.append(f"*{escape(department) if department else t('project.no_department', locale)}*: {people}")
    if len(ordered) > MEMBERS_SHOWN:
        lines.append(t("common.more", locale, count=len(ordered) - MEMBERS_SHOWN))
    return "\n".join(lines)


def _field(label_key: str, value: str, locale: str) -> str:
    return f"*{t(label_key, locale)}*\n{value}"


def detail(
    info: ProjectInfo,
    reader: Reader,
    progress: ProjectProgress | None = None,
    decisions: Sequence[DiscussionInfo] = (),
    *,
    members_only: bool = False,
) -> dict[str, Any]:
    """A project's registration, and its progress and decision log; `members_only`: the reader is not on
    it, so the work is left out and they are told why."""
    locale = reader.locale
    status = t("project.status_active" if info.status is ProjectStatus.ACTIVE else "project.status_closed", locale)
    none = t("common.none", locale)
    created_on = reader.format_date(reader.local_date(info.created_at))
    cooperating = ", ".join(info.cooperating_departments)
    target = reader.format_date(info.target_date) if info.target_date else none
    fields = [
        _field("project.field_key", f"`{escape(info.key)}`", locale),
        _field("project.field_status", status, locale),
        _field("project.field_lead_department", escape(info.lead_department or none), locale),
        _field("project.field_cooperating", escape(cooperating or none), locale),
        _field("project.field_channel", _channel_text(info, locale), locale),
        _field("project.field_target", target, locale),
        _field("cadence.label", t(f"cadence.{info.cadence.value}", locale), locale),
        _field("project.field_created", created_on, locale),
    ]
    blocks: list[Block] = [header(info.name), fields_section(fields)]
    if info.description:
        blocks.append(section(f"*{t('project.field_description', locale)}*\n{escape(info.description)}"))
    blocks.append(divider())
    members = _members_by_department(info, locale)
    blocks.append(section(f"*{t('project.field_members', locale, count=len(info.members))}*\n{members}"))
    if progress is not None:
        blocks += [divider(), *status_blocks(progress, reader)]
    if decisions:
        blocks += [divider(), *decision_log(list(decisions), reader)]
    if members_only:
        blocks.append(context(t("project.members_only_note", locale)))
    buttons = []
    if info.role_of(reader.user_id) is None and info.status is ProjectStatus.ACTIVE:
        buttons.append(button(t("project.button_join", locale), Action.PROJECT_JOIN, info.key, "primary"))
    if info.may_manage(reader.user_id, is_admin=reader.is_admin):
        buttons.append(
            _close_button(info, locale) if info.status is ProjectStatus.ACTIVE else _reopen_button(info, locale)
        )
    if buttons:
        blocks.append(actions(*buttons))
    return message(f"{escape(info.name)} ({escape(info.key)})", blocks)


def _close_button(info: ProjectInfo, locale: str, *, ask: bool = True) -> dict[str, Any]:
    """Closing asks first (`ask`: in Slack's own dialog): it stops reports, requests and reminders for everyone."""
    label = lambda key: t(f"project.{key}", locale, plain=True)  # noqa: E731
    if not ask:
        return button(label("button_close"), Action.PROJECT_CLOSE, info.key, "danger")
    dialog = confirm_dialog(
        label("close_confirm_title"),
        t("project.close_confirm_text", locale, plain=True, name=info.name, key=info.key),
        label("button_close"),
        t("common.cancel", locale, plain=True),
        danger=True,
    )
    return button(label("button_close"), Action.PROJECT_CLOSE, info.key, "danger", confirm=dialog)


def _reopen_button(info: ProjectInfo, locale: str) -> dict[str, Any]:
    return button(t("project.button_reopen", locale, plain=True), Action.PROJECT_REOPEN, info.key)


def close_question(info: ProjectInfo, locale: str) -> dict[str, Any]:
    """`/project close KEY` asks before it closes: the answer's button closes (`/project close KEY confirm` too)."""
    text = t("project.close_question", locale, name=info.name, key=info.key)
    return message(text, [section(text), actions(_close_button(info, locale, ask=False))])


def project_modal(reader: Reader, info: ProjectInfo | None = None, *, channel_id: str | None = None) -> dict[str, Any]:
    """The register / edit form. Editing pre-fills it; private_metadata keeps the project id and the
    channel the command came from, where the confirmation is shown."""
    locale = reader.locale

    def text_input(
        initial: str | None = None,
        *,
        multiline: bool = False,
        max_length: int | None = None,
        placeholder: str | None = None,
    ) -> dict[str, Any]:
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": INPUT_ACTION,
            "multiline": multiline,
        }
        if initial:
            element["initial_value"] = initial
        if max_length:
            element["max_length"] = max_length
        if placeholder:
            element["placeholder"] = {"type": "plain_text", "text": placeholder}
        return element

    label = lambda key: t(f"project.modal.{key}", locale, plain=True)  # noqa: E731
    blocks: list[Block] = [
        input_block(
            B.PROJECT_NAME,
            label("name"),
            text_input(info.name if info else None, max_length=200, placeholder=label("name_placeholder")),
        ),
    ]
    if info is None:
        blocks.append(
            input_block(B.PROJECT_KEY, label("key"), text_input(max_length=20), optional=True, hint=label("key_hint"))
        )
    blocks += [
        input_block(
            B.PROJECT_DESCRIPTION,
            label("description"),
            text_input(info.description if info else None, multiline=True, max_length=3000),
            optional=True,
        ),
        input_block(
            B.PROJECT_LEAD_DEPARTMENT,
            label("lead_department"),
            text_input(info.lead_department if info else None, max_length=80),
            optional=True,
        ),
        input_block(
            B.PROJECT_COOPERATING,
            label("cooperating"),
            text_input(", ".join(info.cooperating_departments) if info else None, max_length=500),
            optional=True,
            hint=label("cooperating_hint"),
        ),
    ]
    channel: dict[str, Any] = {
        "type": "conversations_select",
        "action_id": INPUT_ACTION,
        "filter": {"include": ["public", "private"], "exclude_bot_users": True},
    }
    if info and info.channel_id:
        channel["initial_conversation"] = info.channel_id
    members: dict[str, Any] = {"type": "multi_users_select", "action_id": INPUT_ACTION}
    shown = [m.slack_user_id for m in info.members if m.role is not MemberRole.LEAD][:MODAL_MEMBERS] if info else []
    if shown:
        members["initial_users"] = shown
    cadence_options = [
        {"text": {"type": "plain_text", "text": t(f"cadence.{c.value}", locale, plain=True)}, "value": c.value}
        for c in Cadence
    ]
    current = info.cadence if info else Cadence.WEEKLY
    cadence = {
        "type": "static_select",
        "action_id": INPUT_ACTION,
        "options": cadence_options,
        "initial_option": next(o for o in cadence_options if o["value"] == current.value),
    }
    target: dict[str, Any] = {"type": "datepicker", "action_id": INPUT_ACTION}
    if info and info.target_date:
        target["initial_date"] = info.target_date.isoformat()
    if info:
        leads = {
            "type": "multi_users_select",
            "action_id": INPUT_ACTION,
            "initial_users": [m.slack_user_id for m in info.leads][:MODAL_MEMBERS],
        }
        blocks.append(input_block(B.PROJECT_LEADS, label("leads"), leads, hint=label("leads_hint")))
        managers: dict[str, Any] = {"type": "multi_users_select", "action_id": INPUT_ACTION}
        if info.managers:
            managers["initial_users"] = [m.slack_user_id for m in info.managers][:MODAL_MEMBERS]
        blocks.append(
            input_block(B.PROJECT_MANAGERS, label("managers"), managers, optional=True, hint=label("managers_hint"))
        )
    blocks += [
        input_block(B.PROJECT_CHANNEL, label("channel"), channel, optional=True),
        input_block(
            B.PROJECT_MEMBERS,
            label("members"),
            members,
            optional=True,
            hint=label("members_hint") if info and len(info.members) - len(info.leads) > MODAL_MEMBERS else None,
        ),
        input_block(B.PROJECT_CADENCE, t("cadence.label", locale, plain=True), cadence),
        input_block(B.PROJECT_TARGET_DATE, label("target_date"), target, optional=True),
    ]
    return modal(
        title=label("title_edit" if info else "title_new"),
        submit=label("submit_edit" if info else "submit_new"),
        close=t("common.cancel", locale, plain=True),
        callback_id=Callback.PROJECT_EDIT if info else Callback.PROJECT_NEW,
        private_metadata=json.dumps(
            {"project_id": info.id if info else None, "channel_id": channel_id, "members_shown": shown}
        ),
        blocks=blocks,
    )


def notification(kind: str, info: ProjectInfo, locale: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Messages the outbox delivers about a project, in the recipient's language."""
    common = {"name": info.name, "key": info.key}
    if kind == "project.member_added":
        text = t("notify.member_added", locale, by=mention(payload["by"]), **common)
    elif kind == "project.member_joined":
        text = t("notify.member_joined", locale, member=mention(payload["member"]), **common)
    elif kind == "project.member_removed":
        text = t("notify.member_removed", locale, by=mention(payload["by"]), **common)
    elif kind == "project.member_left":
        text = t("notify.member_left", locale, member=mention(payload["member"]), **common)
    elif kind == "project.registered":
        text = t(
            "notify.project_registered",
            locale,
            lead=_lead_text(info, locale),
            count=len(info.members),
            **common,
        )
    elif kind == "project.closed":
        text = t("notify.project_closed", locale, **common)
    elif kind == "project.reopened":
        text = t("notify.project_reopened", locale, by=mention(payload["by"]), **common)
    else:
        raise KeyError(kind)
    return message(
        text,
        [section(text, accessory=button(t("project.button_show", locale), Action.PROJECT_SHOW, info.key))],
    )
