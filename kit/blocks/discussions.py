"""Block Kit for discussions: the channel card with its poll, the thread summary, lists and forms."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from kit.blocks.common import (
    Block,
    actions,
    button,
    context,
    divider,
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
from kit.text import Raw, escape, escape_within, mention, truncate
from services.discussions import DiscussionInfo, OptionInfo
from services.projects import ProjectInfo

BAR_CELLS = 10
VOTERS_SHOWN = 8
PARTICIPANTS_SHOWN = 30
LIST_SHOWN = 15
_LINK = re.compile(r"^https?://[^\s|<>]+$")


def card_link(url: str | None, locale: str) -> str:
    """A link to the discussion's card in its channel (`` when there is none to give)."""
    if not url or not _LINK.match(url):
        return ""
    return Raw(f"<{url}|{t('discussion.card_link', locale, plain=True)}>")


def vote_action(position: int) -> str:
    """Buttons in one block need distinct action_ids; the listener matches the prefix."""
    return f"{Action.DISCUSSION_VOTE}_{position}"


def _bar(count: int, total: int) -> str:
    filled = round(count / total * BAR_CELLS) if total else 0
    percent = round(count / total * 100) if total else 0
    return f"`{'▓' * filled}{'░' * (BAR_CELLS - filled)}` {count} ({percent}%)"


def _option_line(option: OptionInfo, info: DiscussionInfo, locale: str) -> str:
    line = f"*{escape(option.label)}*  {_bar(len(option.voters), info.votes)}"
    if info.anonymous or not option.voters:
        return line
    shown = " ".join(mention(v) for v in option.voters[:VOTERS_SHOWN])
    more = len(option.voters) - VOTERS_SHOWN
    return f"{line}\n{shown}" + (f" {t('common.more', locale, count=more)}" if more > 0 else "")


def _state_line(info: DiscussionInfo, reader: Reader, today: date) -> str:
    locale = reader.locale
    parts = [
        f"#{info.id}",
        f"`{escape(info.project_key)}`",
        t("discussion.opened_by", locale, who=mention(info.opener)),
        t("discussion.replies", locale, count=info.reply_count),
    ]
    if info.has_poll:
        parts.append(t("discussion.anonymous" if info.anonymous else "discussion.named", locale))
        if info.closes_on:
            parts.append(t("discussion.closes_on", locale, date=reader.format_date(info.closes_on)))
    status = "discussion.status_open" if info.voting_open(today) or not info.has_poll else "discussion.status_frozen"
    parts.append(t("discussion.status_closed" if not info.is_open else status, locale))
    return " · ".join(parts)


def poll_blocks(info: DiscussionInfo, reader: Reader, today: date) -> list[Block]:
    if not info.has_poll:
        return []
    blocks: list[Block] = [section(_option_line(o, info, reader.locale)) for o in info.options]
    blocks.append(context(t("discussion.votes", reader.locale, count=info.votes)))
    if info.voting_open(today):
        blocks.append(
            actions(*(button(truncate(o.label, 75), vote_action(o.position), str(o.id)) for o in info.options))
        )
    return blocks


def card(info: DiscussionInfo, reader: Reader, today: date) -> dict[str, Any]:
    """The card in the project's channel; its thread is the discussion."""
    locale = reader.locale
    label = lambda key: t(f"discussion.{key}", locale, plain=True)  # noqa: E731
    blocks: list[Block] = [header(t("discussion.card_title", locale, plain=True, topic=info.topic))]
    if info.background:
        blocks.append(section(escape_within(info.background, 2900)))
    blocks.append(context(_state_line(info, reader, today)))
    blocks += poll_blocks(info, reader, today)
    if info.is_open:
        buttons = [] if info.has_poll else [button(label("button_poll"), Action.DISCUSSION_POLL, str(info.id))]
        buttons.append(button(label("button_close"), Action.DISCUSSION_CLOSE, str(info.id)))
        blocks += [context(t("discussion.reply_hint", locale)), actions(*buttons)]
    else:
        reopen = button(label("button_reopen"), Action.DISCUSSION_REOPEN, str(info.id))
        blocks += [divider(), section(_conclusion(info, reader), accessory=reopen)]
    return message(t("discussion.card_text", locale, id=info.id, topic=truncate(info.topic, 200)), blocks)


def _conclusion(info: DiscussionInfo, reader: Reader) -> str:
    who = mention(info.closed_by) if info.closed_by else ""
    when = reader.format_date(reader.local_date(info.closed_at)) if info.closed_at else ""
    title = t("discussion.conclusion_title", reader.locale, who=who, date=when)
    return f"{title}\n{escape_within(info.conclusion, 2700)}"


def summary(info: DiscussionInfo, reader: Reader) -> dict[str, Any]:
    """Posted in the thread when the discussion closes."""
    locale = reader.locale
    people = info.participants
    # an anonymous poll names nobody for voting alone, or a one-sided vote would tell who chose what
    named = [p for p in people if p == info.opener or any(p == who for who, _ in info.replies)]
    shown = named if info.anonymous else list(people)
    names = ", ".join(mention(p) for p in shown[:PARTICIPANTS_SHOWN])
    if len(shown) > PARTICIPANTS_SHOWN:
        names += " " + t("common.more", locale, count=len(shown) - PARTICIPANTS_SHOWN)
    lines = [
        t("discussion.summary_title", locale, id=info.id),
        t("discussion.summary_participants", locale, count=len(people), names=Raw(names)),
        t("discussion.summary_replies", locale, count=info.reply_count),
    ]
    if info.has_poll:
        votes = Raw(" · ".join(f"{escape(o.label)} {len(o.voters)}" for o in info.options))
        lines.append(t("discussion.summary_votes", locale, count=info.votes, votes=votes))
    text = "\n".join(lines)
    blocks = [section(text), section(_conclusion(info, reader))]
    return message(t("discussion.summary_text", locale, id=info.id, conclusion=truncate(info.conclusion, 300)), blocks)


def decision_log(decisions: list[DiscussionInfo], reader: Reader) -> list[Block]:
    """The project's recorded conclusions, for /project show."""
    if not decisions:
        return []
    lines = [_decision_line(d, reader) for d in decisions]
    return [section(f"*{t('discussion.decision_log', reader.locale)}*\n" + "\n".join(lines))]


def _decision_line(info: DiscussionInfo, reader: Reader, link: str = "") -> str:
    when = reader.format_date(reader.local_date(info.closed_at)) if info.closed_at else ""
    line = f"• {when} *#{info.id} {escape(truncate(info.topic, 80))}*: {escape(truncate(info.conclusion, 200))}"
    return f"{line} · {link}" if link else line


def show(info: DiscussionInfo, reader: Reader, today: date, link: str | None) -> dict[str, Any]:
    """`/discuss show ID`: the card as the channel has it, and a link to it there."""
    payload = card(info, reader, today)
    found = card_link(link, reader.locale)
    if not found:
        return payload
    head, *rest = payload["blocks"]
    return message(payload["text"], [head, context(t("discussion.card_where", reader.locale, link=found)), *rest])


def discussion_list(
    project: ProjectInfo,
    infos: list[DiscussionInfo],
    reader: Reader,
    today: date,
    links: Mapping[int, str] | None = None,
) -> dict[str, Any]:
    """A project's discussions: the open ones, then the decision log; each with a link to its card (`links`)."""
    locale = reader.locale
    link = lambda d: card_link((links or {}).get(d.id), locale)  # noqa: E731
    title = t("discussion.list_title", locale, plain=True, name=project.name, key=project.key)
    if not infos:
        text = t("discussion.list_empty", locale, key=project.key)
        return message(text, [header(title), section(text)])
    fallback = t("discussion.list_title", locale, name=project.name, key=project.key)
    blocks: list[Block] = [header(title)]
    open_ones = [d for d in infos if d.is_open]
    closed = [d for d in infos if not d.is_open]
    if open_ones:
        lines = [
            f"• *#{d.id}* {escape(truncate(d.topic, 120))} · "
            + t("discussion.replies", locale, count=d.reply_count)
            + (" · " + t("discussion.votes", locale, count=d.votes) if d.has_poll else "")
            + (f" · {link(d)}" if link(d) else "")
            for d in open_ones[:LIST_SHOWN]
        ]
        blocks.append(section(f"*{t('discussion.list_open', locale, count=len(open_ones))}*\n" + "\n".join(lines)))
    if closed:
        lines = [_decision_line(d, reader, link(d)) for d in closed[:LIST_SHOWN]]
        blocks.append(section(f"*{t('discussion.decision_log', locale)}*\n" + "\n".join(lines)))
    return message(fallback, blocks)


def outcome(key: str, info: DiscussionInfo, reader: Reader, **extra: Any) -> dict[str, Any]:
    text = t(key, reader.locale, id=info.id, topic=truncate(info.topic, 100), **extra)
    return message(text, [section(text)])


def _poll_inputs(locale: str, *, optional: bool) -> list[Block]:
    label = lambda key: t(f"discussion.modal.{key}", locale, plain=True)  # noqa: E731
    anonymous = {
        "text": {"type": "plain_text", "text": label("anonymous_option")},
        "value": "anonymous",
    }
    return [
        input_block(
            B.DISCUSSION_OPTIONS,
            label("options"),
            {"type": "plain_text_input", "action_id": INPUT_ACTION, "multiline": True, "max_length": 1000},
            optional=optional,
            hint=label("options_hint"),
        ),
        input_block(
            B.DISCUSSION_ANONYMOUS,
            label("anonymous"),
            {"type": "checkboxes", "action_id": INPUT_ACTION, "options": [anonymous]},
            optional=True,
        ),
        input_block(
            B.DISCUSSION_CLOSES_ON, label("closes_on"), {"type": "datepicker", "action_id": INPUT_ACTION}, optional=True
        ),
    ]


def discuss_modal(
    reader: Reader, choices: list[ProjectInfo], *, channel_id: str | None, chosen: str | None = None
) -> dict[str, Any]:
    locale = reader.locale
    label = lambda key: t(f"discussion.modal.{key}", locale, plain=True)  # noqa: E731
    projects = [
        {"text": {"type": "plain_text", "text": truncate(f"{p.name} ({p.key})", 75)}, "value": p.key}
        for p in choices[:100]
    ]
    initial = next((o for o in projects if o["value"] == chosen), projects[0])
    blocks = [
        input_block(
            B.DISCUSSION_PROJECT,
            label("project"),
            {"type": "static_select", "action_id": INPUT_ACTION, "options": projects, "initial_option": initial},
        ),
        input_block(
            B.DISCUSSION_TOPIC,
            label("topic"),
            {"type": "plain_text_input", "action_id": INPUT_ACTION, "max_length": 300},
        ),
        input_block(
            B.DISCUSSION_BACKGROUND,
            label("background"),
            {"type": "plain_text_input", "action_id": INPUT_ACTION, "multiline": True, "max_length": 3000},
            optional=True,
        ),
        *_poll_inputs(locale, optional=True),
    ]
    return modal(
        title=label("title"),
        submit=label("submit"),
        close=t("common.cancel", locale, plain=True),
        callback_id=Callback.DISCUSSION_NEW,
        private_metadata=json.dumps({"channel_id": channel_id}),
        blocks=blocks,
    )


def poll_modal(reader: Reader, discussion_id: int, channel_id: str | None) -> dict[str, Any]:
    label = lambda key: t(f"discussion.modal.{key}", reader.locale, plain=True)  # noqa: E731
    return modal(
        title=label("poll_title"),
        submit=label("poll_submit"),
        close=t("common.cancel", reader.locale, plain=True),
        callback_id=Callback.DISCUSSION_POLL,
        private_metadata=json.dumps({"discussion_id": discussion_id, "channel_id": channel_id}),
        blocks=_poll_inputs(reader.locale, optional=False),
    )


def close_modal(reader: Reader, discussion_id: int, channel_id: str | None) -> dict[str, Any]:
    label = lambda key: t(f"discussion.modal.{key}", reader.locale, plain=True)  # noqa: E731
    return text_modal(
        title=label("close_title"),
        submit=label("close_submit"),
        close=t("common.cancel", reader.locale, plain=True),
        callback_id=Callback.DISCUSSION_CLOSE,
        metadata={"discussion_id": discussion_id, "channel_id": channel_id},
        block_id=B.DISCUSSION_CONCLUSION,
        label=label("conclusion"),
        max_length=3000,
    )
