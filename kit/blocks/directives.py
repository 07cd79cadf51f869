"""Block Kit for directives: the card (assignee's and issuer's buttons), list, history, forms."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from kit.blocks.common import (
    Block,
    actions,
    button,
    context,
    divider,
    fields_section,
    header,
    input_block,
    message,
    modal,
    section,
    text_modal,
)
from kit.i18n import t
from kit.ids import INPUT_ACTION, Action, Callback
from kit.ids import Block as B
from kit.reader import Reader
from kit.text import escape, escape_within, mention, truncate
from services.audit import SYSTEM
from services.directives import DirectiveAction, DirectiveInfo
from services.projects import ProjectInfo
from services.terms import DirectiveKind, DirectiveStatus, ReportKind

REPORTS_SHOWN = 5
LIST_SHOWN = 10


def status_text(info: DirectiveInfo, locale: str, today: date) -> str:
    text = t(f"directive.status.{info.status.value}", locale)
    return f"{text} {t('directive.overdue', locale)}" if info.overdue(today) else text


def card(info: DirectiveInfo, reader: Reader, today: date, *, viewer: str | None = None) -> dict[str, Any]:
    locale = reader.locale
    viewer = viewer or reader.user_id
    status = status_text(info, locale, today)
    people = ", ".join(
        f"{mention(user)}{' ' + t('directive.lead_mark', locale) if lead else ''}{' ✓' if acknowledged else ''}"
        for user, lead, acknowledged in info.assignees
    )
    blocks: list[Block] = [
        header(f"#{info.id} {truncate(info.text.splitlines()[0], 100)}"),
        section(escape_within(info.text, 2900)),
        fields_section(
            [
                f"*{t('directive.from', locale)}*\n{mention(info.issuer)} · `{escape(info.project_key)}`",
                f"*{t('directive.assignees', locale)}*\n{people}",
                f"*{t('directive.kind', locale)}*\n{t(f'directive.kinds.{info.kind.value}', locale)}",
                f"*{t('directive.due', locale)}*\n{info.due_date.isoformat()} · {status}",
            ]
        ),
    ]
    if info.status is DirectiveStatus.RETURNED and info.note:
        blocks.append(section(t("directive.note", locale, note=info.note)))
    if info.reports:
        lines = [
            f"{mention(r.author)} ({t(f'directive.{r.kind.value}', locale)}, {reader.format_datetime(r.at)}): "
            f"{escape(truncate(r.text, 300))}"
            for r in info.reports[-REPORTS_SHOWN:]
        ]
        blocks.append(context(f"*{t('directive.reports', locale)}*\n" + "\n".join(lines)))
    buttons = _buttons(info, reader, viewer)
    if buttons:
        blocks.append(actions(*buttons))
    fallback = t(
        "directive.card_text",
        locale,
        id=info.id,
        status=status,
        due=info.due_date.isoformat(),
        text=truncate(info.text, 200),
    )
    return message(fallback, blocks)


def _buttons(info: DirectiveInfo, reader: Reader, viewer: str) -> list[dict[str, Any]]:
    label = lambda key: t(f"directive.{key}", reader.locale, plain=True)  # noqa: E731
    value = str(info.id)
    allowed = info.actions_for(viewer, is_admin=reader.is_admin and viewer == reader.user_id)
    found: list[dict[str, Any]] = []
    if DirectiveAction.ACKNOWLEDGE in allowed:
        found.append(button(label("button_ack"), Action.DIRECTIVE_ACK, value, "primary"))
    if DirectiveAction.REPORT in allowed:
        found += [
            button(label("button_interim"), Action.DIRECTIVE_INTERIM, value),
            button(label("button_completion"), Action.DIRECTIVE_COMPLETION, value),
        ]
    if DirectiveAction.DECIDE in allowed:
        found += _decision_buttons(info, reader)
    return found


def _decision_buttons(info: DirectiveInfo, reader: Reader) -> list[dict[str, Any]]:
    label = lambda key: t(f"directive.{key}", reader.locale, plain=True)  # noqa: E731
    return [
        button(label("button_accept"), Action.DIRECTIVE_ACCEPT, str(info.id), "primary"),
        button(label("button_return"), Action.DIRECTIVE_RETURN, str(info.id), "danger"),
    ]


def outcome(key: str, info: DirectiveInfo, reader: Reader, **extra: Any) -> dict[str, Any]:
    text = t(key, reader.locale, id=info.id, **extra)
    return message(text, [section(text)])


def issued(info: DirectiveInfo, reader: Reader) -> dict[str, Any]:
    return outcome("directive.issued", info, reader, text=info.text[:200], due=info.due_date.isoformat())


def notification(kind: str, info: DirectiveInfo, reader: Reader) -> dict[str, Any]:
    if kind == "directive.reported":
        last = info.reports[-1].text if info.reports else ""
        text = t("directive.notify_reported", reader.locale, id=info.id, text=truncate(last, 500))
    elif kind == "directive.accepted":
        text = t("directive.notify_accepted", reader.locale, id=info.id, text=truncate(info.text, 200))
    else:
        text = t("directive.notify_returned", reader.locale, id=info.id, note=truncate(info.note, 500))
    details = button(t("directive.button_details", reader.locale, plain=True), Action.DIRECTIVE_SHOW, str(info.id))
    if kind == "directive.reported" and DirectiveAction.DECIDE in info.actions_for(
        reader.user_id, is_admin=reader.is_admin
    ):
        # the issuer decides from the notification itself, as an approver does from the ask
        return message(text, [section(text), actions(*_decision_buttons(info, reader), details)])
    return message(text, [section(text, accessory=details)])


def directive_list(
    assigned: list[DirectiveInfo], issued: list[DirectiveInfo], reader: Reader, today: date
) -> dict[str, Any]:
    locale = reader.locale
    if not assigned and not issued:
        text = t("directive.list_empty", locale)
        return message(text, [section(text)])
    blocks: list[Block] = []
    for title_key, items in (("directive.list_assigned", assigned), ("directive.list_issued", issued)):
        blocks.append(header(t(title_key, locale, plain=True, count=len(items))))
        for info in items[:LIST_SHOWN]:
            line = (
                f"*#{info.id}* {escape(truncate(info.text, 120))} · `{escape(info.project_key)}` · "
                f"{info.due_date.isoformat()} · {status_text(info, locale, today)}"
            )
            blocks.append(
                section(
                    line,
                    accessory=button(
                        t("directive.button_details", locale, plain=True), Action.DIRECTIVE_SHOW, str(info.id)
                    ),
                )
            )
        blocks.append(divider())
    return message(t("directive.list_assigned", locale, count=len(assigned)), blocks[:-1])


def show(info: DirectiveInfo, history: list[tuple[str, str, str]], reader: Reader, today: date) -> dict[str, Any]:
    payload = card(info, reader, today)
    lines = [
        f"{reader.format_datetime(when)} {mention(actor) if actor != SYSTEM else t('common.system', reader.locale)} "
        f"{t(f'directive.event.{action}', reader.locale)}"
        for when, actor, action in history
    ]
    payload["blocks"] = [
        *payload["blocks"][:47],
        divider(),
        section(f"*{t('directive.history', reader.locale)}*\n" + "\n".join(lines[-40:])),
    ]
    return payload


def directive_modal(reader: Reader, choices: list[ProjectInfo], *, channel_id: str | None) -> dict[str, Any]:
    locale = reader.locale
    label = lambda key: t(f"directive.modal.{key}", locale, plain=True)  # noqa: E731
    projects = [
        {"text": {"type": "plain_text", "text": truncate(f"{p.name} ({p.key})", 75)}, "value": p.key}
        for p in choices[:100]
    ]
    kinds = [
        {"text": {"type": "plain_text", "text": t(f"directive.kinds.{k.value}", locale, plain=True)}, "value": k.value}
        for k in DirectiveKind
    ]
    blocks = [
        input_block(
            B.DIRECTIVE_PROJECT,
            label("project"),
            {"type": "static_select", "action_id": INPUT_ACTION, "options": projects, "initial_option": projects[0]},
        ),
        input_block(B.DIRECTIVE_LEAD, label("lead"), {"type": "users_select", "action_id": INPUT_ACTION}),
        input_block(
            B.DIRECTIVE_COOPERATING,
            label("cooperating"),
            {"type": "multi_users_select", "action_id": INPUT_ACTION},
            optional=True,
        ),
        input_block(
            B.DIRECTIVE_KIND,
            label("kind"),
            {"type": "static_select", "action_id": INPUT_ACTION, "options": kinds, "initial_option": kinds[2]},
        ),
        input_block(B.DIRECTIVE_DUE, label("due"), {"type": "datepicker", "action_id": INPUT_ACTION}, optional=True),
        input_block(
            B.DIRECTIVE_TEXT,
            label("text"),
            {"type": "plain_text_input", "action_id": INPUT_ACTION, "multiline": True, "max_length": 3000},
        ),
    ]
    return modal(
        title=label("title"),
        submit=label("submit"),
        close=t("common.cancel", locale, plain=True),
        callback_id=Callback.DIRECTIVE_NEW,
        private_metadata=json.dumps({"channel_id": channel_id}),
        blocks=blocks,
    )


def report_modal(reader: Reader, directive_id: int, kind: ReportKind, channel_id: str | None) -> dict[str, Any]:
    label = lambda key: t(f"directive.modal.{key}", reader.locale, plain=True)  # noqa: E731
    return text_modal(
        title=t(f"directive.{kind.value}", reader.locale, plain=True)[:24],
        submit=label("report_submit"),
        close=t("common.cancel", reader.locale, plain=True),
        callback_id=Callback.DIRECTIVE_REPORT,
        metadata={"directive_id": directive_id, "kind": kind.value, "channel_id": channel_id},
        block_id=B.DIRECTIVE_REPORT_TEXT,
        label=label("report_text"),
        max_length=3000,
    )


def return_modal(reader: Reader, directive_id: int, channel_id: str | None) -> dict[str, Any]:
    label = lambda key: t(f"directive.modal.{key}", reader.locale, plain=True)  # noqa: E731
    return text_modal(
        title=label("return_title"),
        submit=label("return_submit"),
        close=t("common.cancel", reader.locale, plain=True),
        callback_id=Callback.DIRECTIVE_RETURN,
        metadata={"directive_id": directive_id, "channel_id": channel_id},
        block_id=B.DIRECTIVE_NOTE,
        label=label("return_note"),
    )
