"""App Home: who I am here (department) and my projects, with the way to everything else."""

from __future__ import annotations

from typing import Any

from bot.blocks.common import Block, button, context, divider, header, input_block, modal, section
from bot.i18n import t
from bot.ids import INPUT_ACTION, Action, Callback
from bot.ids import Block as B
from bot.reader import Reader
from bot.text import escape
from models import MemberRole
from services.projects import ProjectInfo
from services.users import Person

HOME_PROJECTS = 30  # two blocks each stays well inside Home's 100
DEPARTMENTS_HINTED = 12
HINT_MAX = 2000


def home(reader: Reader, person: Person | None, mine: list[ProjectInfo]) -> dict[str, Any]:
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
    for info in mine[:HOME_PROJECTS]:
        role = t("project.lead_mark", locale) if info.role_of(reader.user_id) is MemberRole.LEAD else ""
        line = f"*{escape(info.name)}* `{escape(info.key)}` {role}".rstrip()
        blocks.append(
            section(line, accessory=button(t("project.button_show", locale, plain=True), Action.PROJECT_SHOW, info.key))
        )
    if len(mine) > HOME_PROJECTS:
        blocks.append(context(t("home.more_projects", locale, count=len(mine) - HOME_PROJECTS)))
    blocks += [divider(), context(t("home.help", locale))]
    return {"type": "home", "blocks": blocks}


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
        blocks=[
            input_block(
                B.DEPARTMENT, label, element, optional=True, hint=t("home.department_hint", reader.locale, plain=True)
            )
        ],
    )


def _department_hint(reader: Reader, known: list[str]) -> str:
    hint = t("home.department_hint", reader.locale, plain=True)
    if known:
        hint += " " + t(
            "home.departments_known", reader.locale, plain=True, names=", ".join(known[:DEPARTMENTS_HINTED])
        )
    return hint[:HINT_MAX]
