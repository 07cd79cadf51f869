"""Block Kit for approvals: the card (approver's and requester's), lists, history, the forms."""

from __future__ import annotations

import json
from itertools import groupby
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
from kit.text import Raw, escape, mention, truncate
from services.approvals import HistoryEntry, Outcome, RequestAction, RequestInfo, Result, StepInfo, Waiting
from services.audit import SYSTEM
from services.projects import ProjectInfo
from services.terms import RequestStatus, StepKind, StepStatus

COMMENTS_SHOWN = 5
LIST_SHOWN = 10
HISTORY_SHOWN = 40


def status_text(info: RequestInfo, locale: str) -> str:
    return t(f"approval.status.{info.status.value}", locale)


def decision_word(step: StepInfo, locale: str) -> str:
    """승인 / 반려 for an approver, 동의 / 이견 for a 합의 reviewer."""
    group = "agreement_decision" if step.kind is StepKind.AGREE else "decision"
    return t(f"approval.{group}.{step.status.value}", locale)


def _label(step: StepInfo, name: str, locale: str) -> str:
    """A button's label for the step's kind: 승인 / 반려, or 동의 / 이견 for 합의."""
    prefix = "agreement_button" if step.kind is StepKind.AGREE else "button"
    return t(f"approval.{prefix}_{name}", locale, plain=True)


def _step_line(step: StepInfo, reader: Reader) -> str:
    locale = reader.locale
    text = f"{t(f'approval.step.{step.status.value}', locale)} {mention(step.approver)}"
    if step.status in (StepStatus.APPROVED, StepStatus.REJECTED):
        text += f" {decision_word(step, locale)}"
    if step.final:
        text += f" [{t('approval.final', locale)}]"
    if step.decided_at:
        text += f" {reader.format_datetime(step.decided_at)}"
    if step.decided_by and step.decided_by != step.approver:
        text += f" ({t('approval.on_behalf', locale, proxy=mention(step.decided_by))})"
    return text


def line_text(info: RequestInfo, reader: Reader) -> str:
    lines = []
    for position, group in groupby(info.steps, key=lambda s: s.position):
        steps = list(group)
        body = ", ".join(_step_line(s, reader) for s in steps)
        if steps[0].kind is StepKind.AGREE:
            body = f"{t('approval.agree', reader.locale)}: {body}"
        lines.append(f"{position}. {body}")
    return "\n".join(lines)


def _line_inline(info: RequestInfo) -> Raw:
    return Raw(
        " → ".join(
            ", ".join(mention(s.approver) for s in group) for _, group in groupby(info.steps, key=lambda s: s.position)
        )
    )


def card(info: RequestInfo, reader: Reader, *, step_id: int | None = None) -> dict[str, Any]:
    """The request as its approver (`step_id`) or its requester (no step) sees it, buttons included."""
    locale = reader.locale
    status = status_text(info, locale)
    due = info.due_date.isoformat() if info.due_date else t("approval.no_due", locale)
    blocks: list[Block] = [
        header(f"#{info.id} {info.title}"),
        fields_section(
            [
                f"*{t('approval.project', locale)}*\n{escape(info.project_name)} `{escape(info.project_key)}`",
                f"*{t('approval.requester', locale)}*\n{mention(info.requester)}",
                f"*{t('approval.status_label', locale)}*\n{status}",
                f"*{t('approval.due', locale)}*\n{due}",
            ]
        ),
    ]
    if info.details:
        blocks.append(section(f"*{t('approval.details', locale)}*\n{escape(info.details)}"))
    if info.links:
        blocks.append(section(f"*{t('approval.links', locale)}*\n{escape(info.links)}"))
    blocks.append(section(f"*{t('approval.line', locale)}*\n{line_text(info, reader)}"))
    if info.status is RequestStatus.REJECTED and info.reason:
        blocks.append(section(t("approval.reason", locale, reason=info.reason)))
    if info.comments:
        shown = info.comments[-COMMENTS_SHOWN:]
        lines = [f"{mention(c.author)}: {escape(truncate(c.text, 300))}" for c in shown]
        blocks.append(context(f"*{t('approval.comments', locale)}*\n" + "\n".join(lines)))
    if info.resubmission_of:
        blocks.append(context(t("approval.resubmission_of", locale, id=info.resubmission_of)))
    buttons = _buttons(info, reader, step_id)
    if buttons:
        blocks.append(actions(*buttons))
    fallback = t("approval.card_text", locale, id=info.id, title=info.title, status=status)
    return message(fallback, blocks)


def _buttons(info: RequestInfo, reader: Reader, step_id: int | None) -> list[dict[str, Any]]:
    label = lambda key: t(f"approval.{key}", reader.locale, plain=True)  # noqa: E731
    allowed = info.actions_for(reader.user_id, step_id=step_id)
    step = info.step(step_id) if step_id else None
    found: list[dict[str, Any]] = []
    if RequestAction.DECIDE in allowed and step is not None:
        found += [
            button(_label(step, "approve", reader.locale), Action.APPROVAL_APPROVE, str(step.id), "primary"),
            button(_label(step, "reject", reader.locale), Action.APPROVAL_REJECT, str(step.id), "danger"),
        ]
    if RequestAction.WITHDRAW in allowed:
        found.append(button(label("button_withdraw"), Action.APPROVAL_WITHDRAW, str(info.id), "danger"))
    if RequestAction.COMMENT in allowed:
        found.append(button(label("button_comment"), Action.APPROVAL_COMMENT, str(info.id)))
    if RequestAction.RESUBMIT in allowed:
        found.append(button(label("button_resubmit"), Action.APPROVAL_RESUBMIT, str(info.id), "primary"))
    return found


def outcome_message(key: str, info: RequestInfo, reader: Reader, **extra: Any) -> dict[str, Any]:
    text = t(key, reader.locale, id=info.id, title=info.title, **extra)
    return message(text, [section(text)])


def already(info: RequestInfo, step: StepInfo, reader: Reader) -> dict[str, Any]:
    decision = decision_word(step, reader.locale)
    who = mention(step.decided_by or step.approver)
    when = reader.format_datetime(step.decided_at) if step.decided_at else "-"
    return outcome_message("approval.already", info, reader, who=who, when=when, decision=decision)


def closed(info: RequestInfo, reader: Reader) -> dict[str, Any]:
    return outcome_message("approval.closed", info, reader, status=status_text(info, reader.locale))


def decision_answer(result: Result, reader: Reader, *, approving: bool) -> dict[str, Any]:
    """What the clicker is told after approving or returning, whoever they are and however late they clicked:
    a 합의 step is agreed to or disagreed with (동의 / 이견), never approved or returned."""
    info, step = result.request, result.step
    if result.outcome is Outcome.DECIDED:
        agreement = step is not None and step.kind is StepKind.AGREE
        key = {
            (True, False): "approval.approved_ok",
            (False, False): "approval.rejected_ok",
            (True, True): "approval.agreed_ok",
            (False, True): "approval.disagreed_ok",
        }[(approving, agreement)]
        return outcome_message(key, info, reader)
    if result.outcome is Outcome.ALREADY_DECIDED and step is not None:
        return already(info, step, reader)
    if result.outcome is Outcome.CLOSED:
        return closed(info, reader)
    key = "approval.not_yet" if result.outcome is Outcome.NOT_YET else "approval.not_yours"
    return outcome_message(key, info, reader)


def notification(kind: str, info: RequestInfo, reader: Reader, payload: dict[str, Any]) -> dict[str, Any]:
    """One-line notices: returned, completed, the channel record, proxy notices."""
    locale = reader.locale
    names = {"id": info.id, "title": info.title}
    if kind == "approval.returned":
        step = info.step(int(payload["step_id"])) if payload.get("step_id") else None
        if step is not None and step.kind is StepKind.AGREE:  # a 합의 reviewer disagreed
            text = t("approval.disagreed_returned", locale, who=mention(step.approver), reason=info.reason, **names)
        else:
            text = t("approval.returned", locale, reason=info.reason, **names)
    elif kind == "approval.completed" and reader.user_id in info.readers and reader.user_id != info.requester:
        # 참조: told as a reader of someone else's request, not as if it were theirs
        text = t("approval.completed_reference", locale, requester=mention(info.requester), **names)
    elif kind == "approval.completed":
        text = t("approval.completed", locale, **names)
    elif kind == "approval.record":
        text = t("approval.record", locale, requester=mention(info.requester), line=_line_inline(info), **names)
    elif kind == "approval.withdrawn":
        # on the line (asked or decided) or a 참조 reader, told that nothing more is asked of them
        wording = "approval.withdrawn_line" if payload.get("step_id") else "approval.withdrawn_reference"
        text = t(wording, locale, requester=mention(info.requester), **names)
    elif kind == "approval.disagreed":
        step = info.step(int(payload["step_id"]))
        who = mention(step.decided_by or step.approver) if step else ""
        text = t("approval.disagreed_approved", locale, who=who, reason=info.reason, **names)
    elif kind == "approval.proxy_asked":
        text = t("approval.proxy_asked", locale, proxy=mention(payload["proxy"]), **names)
    elif kind == "approval.decided_for_you":
        step = info.step(int(payload["step_id"]))
        decision = decision_word(step, locale) if step else ""
        text = t("approval.decided_for_you", locale, proxy=mention(payload["proxy"]), decision=decision, **names)
    else:
        raise KeyError(kind)
    return message(
        text,
        [
            section(
                text,
                accessory=button(t("approval.button_details", locale, plain=True), Action.APPROVAL_SHOW, str(info.id)),
            )
        ],
    )


def ask(info: RequestInfo, reader: Reader, step_id: int) -> dict[str, Any]:
    """The approver's card, opening with whose turn it is."""
    payload = card(info, reader, step_id=step_id)
    step = info.step(step_id)
    if step is None or step.status is not StepStatus.PENDING or info.status is not RequestStatus.PENDING:
        return payload  # no longer anyone's turn: the card just shows the state
    agreement = "agreement_" if step.kind is StepKind.AGREE else ""
    if step.approver != reader.user_id:
        turn = t(f"approval.{agreement}your_turn_for", reader.locale, approver=mention(step.approver))
    else:
        turn = t(f"approval.{agreement}your_turn", reader.locale)
    payload["text"] = t("approval.ask", reader.locale, requester=mention(info.requester), id=info.id, title=info.title)
    payload["blocks"] = [section(turn), *payload["blocks"]][:50]
    return payload


def waiting_section(item: Waiting, reader: Reader) -> list[Block]:
    """A pending step with its buttons inline, for lists and App Home."""
    info, step = item.request, item.step
    locale = reader.locale
    who = f" ({t('approval.on_behalf', locale, proxy=mention(item.on_behalf_of))})" if item.on_behalf_of else ""
    text = f"*#{info.id} {escape(info.title)}* · `{escape(info.project_key)}` · {mention(info.requester)}{who}"
    label = lambda key: t(f"approval.{key}", locale, plain=True)  # noqa: E731
    return [
        section(text),
        actions(
            button(_label(step, "approve", locale), Action.APPROVAL_APPROVE, str(step.id), "primary"),
            button(_label(step, "reject", locale), Action.APPROVAL_REJECT, str(step.id), "danger"),
            button(label("button_comment"), Action.APPROVAL_COMMENT, str(info.id)),
            button(label("button_details"), Action.APPROVAL_SHOW, str(info.id)),
        ),
    ]


def request_list(waiting: list[Waiting], mine: list[RequestInfo], reader: Reader) -> dict[str, Any]:
    locale = reader.locale
    if not waiting and not mine:
        text = t("approval.list_empty", locale)
        return message(text, [section(text)])
    blocks: list[Block] = [header(t("approval.list_waiting", locale, plain=True, count=len(waiting)))]
    for item in waiting[:LIST_SHOWN]:
        blocks += waiting_section(item, reader)
    blocks += [divider(), header(t("approval.list_mine", locale, plain=True, count=len(mine)))]
    for info in mine[:LIST_SHOWN]:
        blocks.append(
            section(
                f"*#{info.id} {escape(info.title)}* · `{escape(info.project_key)}` · {status_text(info, locale)}",
                accessory=button(t("approval.button_details", locale, plain=True), Action.APPROVAL_SHOW, str(info.id)),
            )
        )
    return message(t("approval.list_waiting", locale, count=len(waiting)), blocks)


def show(info: RequestInfo, events: list[HistoryEntry], reader: Reader) -> dict[str, Any]:
    payload = card(info, reader, step_id=None if info.requester == reader.user_id else _viewer_step(info, reader))
    lines = []
    for entry in events[-HISTORY_SHOWN:]:
        label = _event_label(entry, info, reader.locale)
        behalf = entry.detail.get("on_behalf_of")
        extra = f" ({t('approval.on_behalf', reader.locale, proxy=mention(entry.actor))})" if behalf else ""
        who = mention(behalf or entry.actor) if entry.actor != SYSTEM else t("common.system", reader.locale)
        note = entry.detail.get("comment") or ""
        lines.append(
            f"{reader.format_datetime(entry.at)} {who} {label}{extra}"
            + (f" — {escape(truncate(note, 200))}" if note else "")
        )
    history = section(f"*{t('approval.history', reader.locale)}*\n" + "\n".join(lines))
    payload["blocks"] = [*payload["blocks"][:48], divider(), history]
    return payload


EVENT_LABELS = {"requested", "approved", "rejected", "agreed", "disagreed", "withdrawn", "commented", "completed"}


def _event_label(entry: HistoryEntry, info: RequestInfo, locale: str) -> str:
    """상신, or 재상신 when the submission took up an earlier request; an earlier request's events say its number."""
    action = entry.action.removeprefix("approval.")
    if action == "requested" and entry.detail.get("resubmission_of"):
        action = "resubmitted"
    label = t(f"approval.event.{action}", locale) if action in EVENT_LABELS | {"resubmitted"} else escape(action)
    if entry.detail.get("request") != info.id:
        return t("approval.history_earlier", locale, event=label, id=entry.detail["request"])
    return label


def _viewer_step(info: RequestInfo, reader: Reader) -> int | None:
    return next((s.id for s in info.current if s.approver == reader.user_id), None)


def _select(options: list[tuple[str, str]], action_id: str, selected: str | None = None) -> dict[str, Any]:
    rendered = [{"text": {"type": "plain_text", "text": truncate(text, 75)}, "value": value} for text, value in options]
    element: dict[str, Any] = {"type": "static_select", "action_id": action_id, "options": rendered[:100]}
    chosen = next((o for o in rendered if o["value"] == selected), None)
    if chosen:
        element["initial_option"] = chosen
    return element


def request_modal(
    reader: Reader,
    choices: list[ProjectInfo],
    *,
    selected: str | None = None,
    earlier: RequestInfo | None = None,
    channel_id: str | None = None,
) -> dict[str, Any]:
    """The request form; a resubmission comes pre-filled from the earlier request."""
    locale = reader.locale
    label = lambda key: t(f"approval.modal.{key}", locale, plain=True)  # noqa: E731

    def text_input(initial: str | None, *, multiline: bool = False, max_length: int = 3000) -> dict[str, Any]:
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": INPUT_ACTION,
            "multiline": multiline,
            "max_length": max_length,
        }
        if initial:
            element["initial_value"] = initial[:max_length]
        return element

    def users(initial: list[str], *, multi: bool = True) -> dict[str, Any]:
        element: dict[str, Any] = {"type": "multi_users_select" if multi else "users_select", "action_id": INPUT_ACTION}
        if initial and multi:
            element["initial_users"] = initial
        elif initial:
            element["initial_user"] = initial[0]
        return element

    approvers = [s.approver for s in earlier.steps if s.kind is StepKind.APPROVE] if earlier else []
    agreement = [s.approver for s in earlier.steps if s.kind is StepKind.AGREE] if earlier else []
    final = [s.approver for s in earlier.steps if s.final] if earlier else []
    # a resubmission (재상신) keeps where 합의 stood: before the approver now at that position
    agreement_at = next((s.position for s in earlier.steps if s.kind is StepKind.AGREE), None) if earlier else None
    position_input: dict[str, Any] = {
        "type": "number_input",
        "action_id": INPUT_ACTION,
        "is_decimal_allowed": False,
        "min_value": "1",
        "max_value": "11",
    }
    if agreement_at is not None:
        position_input["initial_value"] = str(agreement_at)
    due_input: dict[str, Any] = {"type": "datepicker", "action_id": INPUT_ACTION}
    if earlier is not None and earlier.due_date is not None:
        due_input["initial_date"] = earlier.due_date.isoformat()
    options = [(f"{p.name} ({p.key})", p.key) for p in choices]
    blocks: list[Block] = [
        input_block(
            B.APPROVAL_PROJECT,
            label("project"),
            _select(options, INPUT_ACTION, earlier.project_key if earlier else selected),
        ),
        input_block(
            B.APPROVAL_TITLE, label("request_title"), text_input(earlier.title if earlier else None, max_length=200)
        ),
        input_block(
            B.APPROVAL_DETAILS,
            label("details"),
            text_input(earlier.details if earlier else None, multiline=True),
            optional=True,
        ),
        input_block(B.APPROVAL_LINKS, label("links"), text_input(earlier.links if earlier else None), optional=True),
        input_block(B.APPROVAL_APPROVERS, label("approvers"), users(approvers)),
        input_block(B.APPROVAL_AGREEMENT, label("agreement"), users(agreement), optional=True),
        input_block(
            B.APPROVAL_AGREEMENT_POSITION,
            label("agreement_position"),
            position_input,
            optional=True,
            hint=label("agreement_position_hint"),
        ),
        input_block(
            B.APPROVAL_FINAL, label("final"), users(final, multi=False), optional=True, hint=label("final_hint")
        ),
        input_block(
            B.APPROVAL_READERS, label("readers"), users(list(earlier.readers) if earlier else []), optional=True
        ),
        input_block(B.APPROVAL_DUE, label("due"), due_input, optional=True),
    ]
    metadata = {"channel_id": channel_id, "resubmission_of": earlier.id if earlier else None}
    return modal(
        title=label("title_resubmit" if earlier else "title"),
        submit=label("submit_resubmit" if earlier else "submit"),
        close=t("common.cancel", locale, plain=True),
        callback_id=Callback.APPROVAL_REQUEST,
        private_metadata=json.dumps(metadata),
        blocks=blocks,
    )


def reason_modal(reader: Reader, step: StepInfo, channel_id: str | None) -> dict[str, Any]:
    """The reason for returning a request (반려), or for a 합의 reviewer's disagreement (이견)."""
    label = lambda key: t(f"approval.modal.{key}", reader.locale, plain=True)  # noqa: E731
    kind = "disagree" if step.kind is StepKind.AGREE else "reject"
    step_id = step.id
    return text_modal(
        title=label(f"{kind}_title"),
        submit=label(f"{kind}_submit"),
        close=t("common.cancel", reader.locale, plain=True),
        callback_id=Callback.APPROVAL_REJECT,
        metadata={"step_id": step_id, "channel_id": channel_id},
        block_id=B.APPROVAL_REASON,
        label=label("disagree_reason" if kind == "disagree" else "reason"),
    )


def comment_modal(reader: Reader, request_id: int, channel_id: str | None) -> dict[str, Any]:
    label = lambda key: t(f"approval.modal.{key}", reader.locale, plain=True)  # noqa: E731
    return text_modal(
        title=label("comment_title"),
        submit=label("comment_submit"),
        close=t("common.cancel", reader.locale, plain=True),
        callback_id=Callback.APPROVAL_COMMENT,
        metadata={"request_id": request_id, "channel_id": channel_id},
        block_id=B.APPROVAL_COMMENT,
        label=label("comment"),
    )
