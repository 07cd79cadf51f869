"""Progress buttons: Edit on a card, Post progress on App Home, and choosing a project in the form."""

from __future__ import annotations

from handlers.listener import Call, Modal, Redraw, click
from handlers.requests import metadata_of, record_id
from kit.blocks import progress as blocks
from kit.ids import Action
from services import progress
from services.errors import DomainError


@click(Action.PROGRESS_EDIT, record=False)
def edit(call: Call) -> Modal:
    update_id = record_id(call.value)
    if update_id is None:  # a card's button always carries one: this is no update of ours
        raise DomainError("progress.not_found")
    update = progress.check_editable(
        call.db, call.team_id, call.user_id, update_id, now=call.now, calendar=call.deps.calendar
    )
    return Modal(
        blocks.progress_modal(call.reader, [], selected=None, previous=None, editing=update, channel_id=call.channel_id)
    )


@click(Action.PROGRESS_OPEN, record=False)
def post(call: Call) -> Modal:
    """From App Home: the button names the project's key, or nothing for the person's first project."""
    form = progress.form_for(call.db, call.team_id, call.user_id, call.value or None)
    return Modal(blocks.progress_modal(call.reader, form.choices, selected=form.selected, previous=form.previous))


@click(Action.PROGRESS_PROJECT_PICKED, record=False)
def project_picked(call: Call) -> Redraw | None:
    """Choosing another project in the form redraws it with that project's last update."""
    try:
        form = progress.form_for(call.db, call.team_id, call.user_id, call.selected)
    except DomainError:
        return None  # the choice came from this very form; there is nothing sensible to redraw
    return Redraw(
        blocks.progress_modal(
            call.reader,
            form.choices,
            selected=form.selected,
            previous=form.previous,
            channel_id=metadata_of(call.view).get("channel_id"),
        )
    )
