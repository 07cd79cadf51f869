"""App Home: published when opened, and again when what it shows changes (the department)."""

from __future__ import annotations

from handlers.listener import Call, Modal, Publish, click, event, form
from kit.blocks import home as blocks
from kit.home_view import home_view
from kit.ids import Action, Block, Callback
from services import users


def _home(call: Call) -> Publish:
    deps = call.deps
    return Publish(
        home_view(call.db, call.team_id, call.reader, now=call.now, calendar=deps.calendar, rules=deps.org.rules)
    )


def _home_tab(call: Call) -> bool:
    return bool(call.user_id) and call.event.get("tab", "home") == "home"


@event("app_home_opened", writes=True, prompt=True, fresh_reader=True, when=_home_tab)
def opened(call: Call) -> Publish:
    users.home_opened(call.db, call.team_id, call.user_id)
    return _home(call)


@click(Action.HOME_SET_DEPARTMENT, record=False)
def set_department(call: Call) -> Modal:
    person = users.get_person(call.db, call.team_id, call.user_id)
    return Modal(blocks.department_modal(call.reader, person, users.list_departments(call.db, call.team_id)))


@form(Callback.DEPARTMENT, default_block=Block.DEPARTMENT, once=False)
def department_set(call: Call) -> Publish:
    users.set_department(call.db, call.team_id, call.user_id, call.submitted.text(Block.DEPARTMENT))
    call.db.flush()
    return _home(call)
