"""App Home: my department, my projects and my status in each, the projects I lead (who has not
reported), and the places where approvals and directives will wait for me."""

from __future__ import annotations

from datetime import date
from typing import Any

from kit.blocks.approvals import waiting_section
from kit.blocks.common import Block, button, context, divider, header, input_block, modal, section
from kit.blocks.directives import status_text as directive_status
from kit.blocks.progress import health_text, progress_bar
from kit.i18n import t
from kit.ids import INPUT_ACTION, Action, Callback
from kit.ids import Block as B
from kit.periods import period_text
from kit.reader import Reader
from kit.text import Raw, escape, mention, truncate
from services.approvals import MyPending, RequestInfo, Waiting
from services.directives import DirectiveInfo
from services.progress import MyProject
from services.terms import DirectiveStatus, StepKind
from services.users import Person

HOME_PROJECTS = 20  # one block each; with the sections below Home stays well inside its 100
APPROVALS_SHOWN = 8  # two blocks each
DIRECTIVES_SHOWN = 10  # lines of one section
ISSUED_SHOWN = 10  # lines of one section
MY_REQUESTS_SHOWN = 8  # lines of one section
LED_SHOWN = 15
MISSING_SHOWN = 10
DEPARTMENTS_HINTED = 12
HINT_MAX = 2000


def home(
    reader: Reader,
    person: Person | None,
    mine: list[MyProject],
    waiting: list[Waiting] = (),
    assigned: list[DirectiveInfo] = (),
    *,
    today: date,
    participation: list[Block] = (),
    issued: list[DirectiveInfo] = (),
    my_requests: MyPending | None = None,
) -> dict[str, Any]:
    """`issued`: the directives I issued (open and done); `my_requests`: my requests still on their line."""
    locale = reader.locale
    department = person.department if person else None
    blocks: list[Block] = [
        header(t("home.title", locale, plain=True)),
        section(
            t("home.department", locale, department=department) if department else t("home.no_department", locale),
            accessory=button(t("home.set_department", locale, plain=True), Action.HOME_SET_DEPARTMENT),
        ),
        divider(),
        section(f"*{t('home.my_projects', locale, count=len(mine))}*"),
    ]
    if not mine:
        blocks.append(context(t("home.no_projects", locale)))
    for item in mine[:HOME_PROJECTS]:
        blocks.append(_my_project(item, locale))
    if len(mine) > HOME_PROJECTS:
        blocks.append(context(t("home.more_projects", locale, count=len(mine) - HOME_PROJECTS)))
    led = [item for item in mine if item.i_lead]
    if led:
        blocks += [
            divider(),
            section(f"*{t('home.led_projects', locale, count=len(led))}*\n" + _led_lines(led, locale)),
        ]
    blocks += [divider(), section(f"*{t('home.approvals', locale)}* ({len(waiting)})")]
    if not waiting:
        blocks.append(context(t("home.no_approvals", locale)))
    for item in waiting[:APPROVALS_SHOWN]:
        blocks += waiting_section(item, reader)
    if len(waiting) > APPROVALS_SHOWN:
        blocks.append(context(t("home.more_approvals", locale, count=len(waiting) - APPROVALS_SHOWN)))
    if my_requests is not None:
        blocks.append(section(_my_request_lines(my_requests, locale)))
    blocks.append(
        section(f"*{t('home.directives', locale)}* ({len(assigned)})\n" + _directive_lines(assigned, locale, today))
    )
    if issued:
        blocks.append(section(_issued_lines(issued, locale, today)))
    if participation:
        blocks += [divider(), *participation]
    blocks += [
        divider(),
        context(t("home.help", locale)),
    ]
    return {"type": "home", "blocks": blocks}


def _my_project(item: MyProject, locale: str) -> Block:
    progress = item.progress
    info = progress.project
    role = f" {t('project.lead_mark', locale)}" if item.i_lead else ""
    state = " · ".join(s for s in (progress_bar(progress.percent, locale), health_text(progress.health, locale)) if s)
    status = t(f"progress.status.{item.my_status.value}", locale)
    mine = t("home.my_status", locale, period=_period(item, locale), status=status)
    text = f"*{escape(info.name)}* `{escape(info.key)}`{role}\n{state}\n{mine}"
    return section(
        text, accessory=button(t("progress.button_update", locale, plain=True), Action.PROGRESS_OPEN, info.key)
    )


def _period(item: MyProject, locale: str) -> str:
    period = item.progress.period
    return period_text(period.start, period.end, locale)


def _led_lines(led: list[MyProject], locale: str) -> str:
    lines = []
    for item in led[:LED_SHOWN]:
        info, missing = item.progress.project, item.progress.missing
        names = {"name": info.name, "key": info.key, "period": _period(item, locale)}
        if item.progress.period.due_at is None:
            lines.append(t("home.led_not_due", locale, **names))
        elif not missing:
            lines.append(t("home.led_all", locale, **names))
        else:
            people = Raw(", ".join(mention(m) for m in missing[:MISSING_SHOWN]))
            extra = len(missing) - MISSING_SHOWN
            suffix = " " + t("common.more", locale, count=extra) if extra > 0 else ""
            lines.append(t("home.led_missing", locale, people=people, **names) + suffix)
    if len(led) > LED_SHOWN:
        lines.append(t("home.more_projects", locale, count=len(led) - LED_SHOWN))
    return "\n".join(lines)


def department_modal(reader: Reader, person: Person | None, known: list[str]) -> dict[str, Any]:
    """The department form; the hint names departments already in use, so people spell them alike."""
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": INPUT_ACTION, "max_length": 80}
    if person and person.department:
        element["initial_value"] = person.department
    label = t("home.department_label", reader.locale, plain=True)
    return modal(
        title=t("home.department_title", reader.locale, plain=True),
        submit=t("home.save", reader.locale, plain=True),
        close=t("common.cancel", reader.locale, plain=True),
        callback_id=Callback.DEPARTMENT,
        blocks=[input_block(B.DEPARTMENT, label, element, optional=True, hint=_department_hint(reader, known))],
    )


def _department_hint(reader: Reader, known: list[str]) -> str:
    hint = t("home.department_hint", reader.locale, plain=True)
    if known:
        names = ", ".join(known[:DEPARTMENTS_HINTED])
        hint += " " + t("home.departments_known", reader.locale, plain=True, names=names)
    return hint[:HINT_MAX]


def _directive_lines(assigned: list[DirectiveInfo], locale: str, today: date) -> str:
    if not assigned:
        return t("home.no_directives", locale)
    lines = [
        f"*#{d.id}* {escape(truncate(d.text.replace(chr(10), ' '), 80))} · `{escape(d.project_key)}` · "
        f"{d.due_date.isoformat()} · {directive_status(d, locale, today)}"
        for d in assigned[:DIRECTIVES_SHOWN]
    ]
    if len(assigned) > DIRECTIVES_SHOWN:
        lines.append(t("common.more", locale, count=len(assigned) - DIRECTIVES_SHOWN))
    return "\n".join(lines)


def _my_request_lines(mine: MyPending, locale: str) -> str:
    """내가 상신한 결재: each request still on its line, and where it waits (`@김민수 결재 단계에서 대기 중`)."""
    lines = [f"*{t('home.my_requests', locale)}* ({mine.total})"]
    if not mine.total:
        lines.append(t("home.no_requests", locale))
    for info in mine.shown[:MY_REQUESTS_SHOWN]:
        title = escape(truncate(info.title, 80))
        lines.append(f"*#{info.id}* {title} · `{escape(info.project_key)}` · {_waits_at(info, locale)}")
    if mine.total > len(mine.shown[:MY_REQUESTS_SHOWN]):
        lines.append(t("home.more_approvals", locale, count=mine.total - len(mine.shown[:MY_REQUESTS_SHOWN])))
    return "\n".join(lines)


def _waits_at(info: RequestInfo, locale: str) -> str:
    current = info.current
    people = Raw(", ".join(mention(s.approver) for s in current))
    agreement = any(s.kind is StepKind.AGREE for s in current)
    return t("home.waits_at_agreement" if agreement else "home.waits_at", locale, people=people)


def _issued_lines(issued: list[DirectiveInfo], locale: str, today: date) -> str:
    """내가 내린 지시: the open ones with their status and due date, and how many are done."""
    open_ones = [d for d in issued if d.status is not DirectiveStatus.DONE]
    done = len(issued) - len(open_ones)
    lines = [f"*{t('home.issued', locale)}* ({len(open_ones)})"]
    if not open_ones:
        lines.append(t("home.no_issued", locale))
    for d in open_ones[:ISSUED_SHOWN]:
        assignees = Raw(", ".join(mention(a[0]) for a in d.assignees))
        lines.append(
            f"*#{d.id}* {escape(truncate(d.text.replace(chr(10), ' '), 80))} · `{escape(d.project_key)}` · "
            f"{assignees} · {d.due_date.isoformat()} · {directive_status(d, locale, today)}"
        )
    if len(open_ones) > ISSUED_SHOWN:
        lines.append(t("home.more_issued", locale, count=len(open_ones) - ISSUED_SHOWN))
    if done:
        lines.append(t("home.issued_done", locale, count=done))
    return "\n".join(lines)
