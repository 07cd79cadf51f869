"""Block Kit for progress: the channel card, the form, the confirmation, and the status pieces
(`progress_bar`, `sparkline`, health) that /project show and App Home reuse."""

from __future__ import annotations

import json
from typing import Any

from kit.blocks.common import (
    SECTION_TEXT,
    Block,
    actions,
    button,
    context,
    input_block,
    message,
    modal,
    section,
)
from kit.i18n import t
from kit.ids import INPUT_ACTION, Action, Callback
from kit.ids import Block as B
from kit.periods import period_text
from kit.reader import Reader
from kit.text import Raw, escape, escape_within, mention, truncate
from services.progress import TEXT_MAX, ProjectProgress, UpdateInfo
from services.projects import ProjectInfo
from services.terms import Health

BAR_CELLS = 10
SPARKS = "▁▂▃▄▅▆▇█"
HEALTH_EMOJI = {
    Health.ON_TRACK: ":large_green_circle:",
    Health.AT_RISK: ":large_yellow_circle:",
    Health.BLOCKED: ":red_circle:",
}
FIELD_LIMIT = (SECTION_TEXT - 60) // 3  # three texts and their labels share one section
TEXT_SHOWN = SECTION_TEXT - 60  # a text and its label in a section of their own


def progress_bar(percent: int | None, locale: str) -> str:
    if percent is None:
        return t("progress.no_percent", locale)
    filled = round(percent / 100 * BAR_CELLS)
    return f"`{'▓' * filled}{'░' * (BAR_CELLS - filled)}` {percent}%"


def sparkline(values: tuple[int | None, ...]) -> str:
    return "".join("·" if v is None else SPARKS[min(len(SPARKS) - 1, v * len(SPARKS) // 101)] for v in values)


def health_text(health: Health | None, locale: str) -> str:
    if health is None:
        return ""
    return f"{HEALTH_EMOJI[health]} {t(f'progress.health.{health.value}', locale)}"


def _texts(update: UpdateInfo, locale: str, limit: int = FIELD_LIMIT) -> str:
    parts = []
    for key, value in (("done", update.done), ("next", update.next), ("blockers", update.blockers)):
        if value:
            parts.append(f"*{t(f'progress.{key}', locale)}*\n{escape_within(value, limit)}")
    return "\n".join(parts)


def _shortened(update: UpdateInfo, limit: int) -> bool:
    return any(value and len(escape(value)) > limit for value in (update.done, update.next, update.blockers))


def went_back(update: UpdateInfo, locale: str) -> str:
    """`40% → 30%` when the author reports less than last time (`` otherwise): said, never refused."""
    if not update.went_back:
        return ""
    return t("progress.went_back_mark", locale, before=update.previous_percent, after=update.percent)


def card(update: UpdateInfo, reader: Reader) -> dict[str, Any]:
    """The card in the project channel; updated in place when its author edits it."""
    locale = reader.locale
    # the author's name, not a mention: a card should not ping its own author
    author = "@" + update.author_name if update.author_name else mention(update.author)
    names = {"author": author, "name": update.project_name, "key": update.project_key}
    title = (
        t("progress.card_department", locale, department=update.author_department, **names)
        if update.author_department
        else t("progress.card_title", locale, **names)
    )
    status = " · ".join(
        m
        for m in (progress_bar(update.percent, locale), went_back(update, locale), health_text(update.health, locale))
        if m
    )
    blocks: list[Block] = [section(f"{title}\n{status}")]
    # each text in a section of its own, so a report up to the services' limit is shown whole
    for key, value in (("done", update.done), ("next", update.next), ("blocks", update.blockers)):
        if value:
            label = t(f"progress.{'blockers' if key == 'blocks' else key}", locale)
            blocks.append(section(f"*{label}*\n{escape_within(value, TEXT_SHOWN)}"))
    marks = [reader.format_datetime(update.created_at)]
    if update.late:
        marks.append(t("progress.late_mark", locale))
    if update.edited:
        marks.append(t("progress.edited_mark", locale))
    blocks.append(context(" · ".join(marks)))
    blocks.append(
        actions(
            button(t("progress.button_edit", locale, plain=True), Action.PROGRESS_EDIT, str(update.id)),
            button(t("progress.button_project", locale, plain=True), Action.PROJECT_SHOW, update.project_key),
        )
    )
    percent = f"{update.percent}%" if update.percent is not None else ""
    fallback = t(
        "progress.card_text",
        locale,
        author=Raw(f"<@{update.author}>"),
        name=update.project_name,
        key=update.project_key,
        percent=percent,
    )
    return message(fallback, blocks)


def posted(update: UpdateInfo, locale: str) -> dict[str, Any]:
    """The author's ephemeral confirmation, with the Edit button (the card may be in no channel)."""
    key = "progress.posted_late" if update.late else "progress.posted"
    text = t(key, locale, name=update.project_name, key=update.project_key)
    blocks: list[Block] = [
        section(
            text, accessory=button(t("progress.button_edit", locale, plain=True), Action.PROGRESS_EDIT, str(update.id))
        )
    ]
    if update.went_back:
        blocks.append(context(_went_back_note(update, locale)))
    if not update.channel_id:
        blocks.append(context(t("progress.posted_no_channel", locale, key=update.project_key)))
    return message(text, blocks)


def _went_back_note(update: UpdateInfo, locale: str) -> str:
    return t("progress.went_back_note", locale, before=update.previous_percent, after=update.percent)


def edited(update: UpdateInfo, locale: str) -> dict[str, Any]:
    text = t("progress.edited_ok", locale, name=update.project_name, key=update.project_key)
    blocks: list[Block] = [section(text)]
    if update.went_back:
        blocks.append(context(_went_back_note(update, locale)))
    return message(text, blocks)


def not_member(key: str, text: str, locale: str) -> dict[str, Any]:
    return message(
        text,
        [
            section(
                text,
                accessory=button(t("project.button_join", locale, plain=True), Action.PROJECT_JOIN, key, "primary"),
            )
        ],
    )


def _option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": truncate(text, 75)}, "value": value}


def progress_modal(
    reader: Reader,
    choices: list[ProjectInfo],
    *,
    selected: str | None,
    previous: UpdateInfo | None,
    editing: UpdateInfo | None = None,
    channel_id: str | None = None,
) -> dict[str, Any]:
    """The progress form. `previous` pre-fills it; `editing` turns it into the edit form of that update.
    Choosing another project re-renders the form with that project's previous values."""
    locale = reader.locale
    label = lambda key: t(f"progress.modal.{key}", locale, plain=True)  # noqa: E731
    source = editing or previous
    blocks: list[Block] = []
    if editing is None:
        options = [_option(f"{p.name} ({p.key})", p.key) for p in choices[:100]]
        picker: dict[str, Any] = {
            "type": "static_select",
            "action_id": Action.PROGRESS_PROJECT_PICKED,
            "options": options,
        }
        initial = next((o for o in options if o["value"] == selected), None)
        if initial:
            picker["initial_option"] = initial
        blocks.append({**input_block(B.PROGRESS_PROJECT, label("project"), picker), "dispatch_action": True})
    percent: dict[str, Any] = {
        "type": "number_input",
        "action_id": INPUT_ACTION,
        "is_decimal_allowed": False,
        "min_value": "0",
        "max_value": "100",
    }
    if source and source.percent is not None:
        percent["initial_value"] = str(source.percent)
    health_options = [_option(t(f"progress.health.{h.value}", locale, plain=True), h.value) for h in Health]
    health: dict[str, Any] = {"type": "static_select", "action_id": INPUT_ACTION, "options": health_options}
    current = source.health if source else Health.ON_TRACK
    health["initial_option"] = next(o for o in health_options if o["value"] == current.value)

    def text_input(value: str | None) -> dict[str, Any]:
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "action_id": INPUT_ACTION,
            "multiline": True,
            "max_length": TEXT_MAX,
        }
        if value:
            element["initial_value"] = value[:TEXT_MAX]
        return element

    blocks += [
        input_block(B.PROGRESS_PERCENT, label("percent"), percent, optional=True),
        input_block(B.PROGRESS_HEALTH, label("health"), health),
        input_block(B.PROGRESS_DONE, label("done"), text_input(editing.done if editing else None), optional=True),
        input_block(B.PROGRESS_NEXT, label("next"), text_input(source.next if source else None), optional=True),
        input_block(
            B.PROGRESS_BLOCKERS, label("blockers"), text_input(editing.blockers if editing else None), optional=True
        ),
    ]
    metadata = {"channel_id": channel_id, "update_id": editing.id if editing else None}
    return modal(
        title=label("title_edit" if editing else "title"),
        submit=label("submit_edit" if editing else "submit"),
        close=t("common.cancel", locale, plain=True),
        callback_id=Callback.PROGRESS,
        private_metadata=json.dumps(metadata),
        blocks=blocks,
    )


def status_blocks(progress: ProjectProgress, reader: Reader) -> list[Block]:
    """What /project show adds: overall state, trend, latest per member, who has not reported."""
    locale = reader.locale
    info = progress.project
    if not progress.latest_by_member:
        return [
            section(t("progress.no_updates", locale, key=info.key)),
            context(_period_line(progress, reader) + " · " + _missing_line(progress, locale)),
        ]
    head = f"{progress_bar(progress.percent, locale)} · {health_text(progress.health, locale)}"
    trend = f"{t('progress.trend', locale, count=len(progress.trend))}: `{sparkline(progress.trend)}`"
    lines = []
    for update in progress.latest_by_member[:15]:
        percent = f" {update.percent}%" if update.percent is not None else ""
        summary = escape(truncate((update.done or update.next or update.blockers).replace("\n", " "), 120))
        lines.append(
            f"{mention(update.author)}{percent} {HEALTH_EMOJI[update.health]} {summary} "
            f"_({reader.format_date(reader.local_date(update.created_at))})_"
        )
    blocks: list[Block] = [
        section(f"{head}\n{trend}"),
        section(f"*{t('progress.latest', locale)}*\n" + "\n".join(lines)),
        context(_period_line(progress, reader) + " · " + _missing_line(progress, locale)),
    ]
    return blocks


def _period_line(progress: ProjectProgress, reader: Reader) -> str:
    period = progress.period
    due = reader.format_datetime(period.due_at) if period.due_at else "-"
    return t("progress.due_at", reader.locale, period=period_text(period.start, period.end, reader.locale), due=due)


def _missing_line(progress: ProjectProgress, locale: str) -> str:
    if progress.period.due_at is None:
        return t("progress.not_due", locale)
    if not progress.missing:
        return t("progress.all_reported", locale)
    people = Raw(", ".join(mention(m) for m in progress.missing[:30]))
    more = len(progress.missing) - 30
    return t("progress.missing", locale, people=people) + (
        " " + t("common.more", locale, count=more) if more > 0 else ""
    )


BOARD_MAX = 40  # reports on one board message: a header, one section each, inside Block Kit's 50 blocks
BOARD_TEXT = 150  # characters of each of a report's texts shown on a board; the details show them whole


def board(updates: list[UpdateInfo], reader: Reader) -> dict[str, Any]:
    """Reports that reached one channel together, as one message: a line each with its own marks and Edit
    button. A channel takes about a message a second, so a Monday's reports show in seconds, not minutes."""
    if len(updates) == 1:
        return card(updates[0], reader)
    locale = reader.locale
    shown = updates[:BOARD_MAX]
    blocks: list[Block] = [context(t("progress.board_title", locale, count=len(shown)))]
    shortened = False
    for update in shown:
        author = "@" + update.author_name if update.author_name else mention(update.author)
        names = {"author": author, "name": update.project_name, "key": update.project_key}
        title = (
            t("progress.card_department", locale, department=update.author_department, **names)
            if update.author_department
            else t("progress.card_title", locale, **names)
        )
        marks = [progress_bar(update.percent, locale), went_back(update, locale), health_text(update.health, locale)]
        marks.append(reader.format_datetime(update.created_at))
        if update.late:
            marks.append(t("progress.late_mark", locale))
        if update.edited:
            marks.append(t("progress.edited_mark", locale))
        texts = _texts(update, locale, BOARD_TEXT)
        shortened = shortened or _shortened(update, BOARD_TEXT)
        line = f"{title}\n{' · '.join(m for m in marks if m)}" + (f"\n{texts}" if texts else "")
        edit = button(t("progress.button_edit", locale, plain=True), Action.PROGRESS_EDIT, str(update.id))
        blocks.append(section(line, accessory=edit))
    if shortened:
        blocks.append(context(t("progress.board_more", locale)))
    people = ", ".join(f"<@{u.author}>" for u in shown)
    return message(t("progress.board_text", locale, count=len(shown), names=Raw(truncate(people, 2000))), blocks)
