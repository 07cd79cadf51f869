"""Slack listeners, on the floor below the assembly (bot/) and beside scheduler/. Each is a top-level function
that declares what it hears (@command, @click, @form, @event in pipeline.py), reads the Call, asks a service and
returns an answer; pipeline.py does the acknowledging, the unit of work and the answering, the same way for all.
Listeners take the domain's vocabulary from services/ and Block Kit from kit/, never tables from models/."""

from __future__ import annotations

from collections.abc import Callable

from slack_bolt import App

from handlers.actions import approval as approval_buttons
from handlers.actions import directive as directive_buttons
from handlers.actions import discussion as discussion_buttons
from handlers.actions import nudge as nudge_buttons
from handlers.actions import progress as progress_buttons
from handlers.actions import project as project_buttons
from handlers.commands import approval, digest, directive, discuss, progress, project, report
from handlers.deps import Deps
from handlers.events import home, messages
from handlers.lanes import WorkLanes
from handlers.listener import listeners
from handlers.pipeline import Pipeline
from handlers.views import approval as approval_forms
from handlers.views import directive as directive_forms
from handlers.views import discussion as discussion_forms
from handlers.views import progress as progress_forms
from handlers.views import project as project_forms

MODULES = (
    project, progress, approval, directive, discuss, digest, report,
    project_buttons, progress_buttons, approval_buttons, directive_buttons, discussion_buttons, nudge_buttons,
    project_forms, progress_forms, approval_forms, directive_forms, discussion_forms,
    home, messages,
)  # fmt: skip


def register_all(app: App, deps: Deps, lanes: WorkLanes, hand_off: Callable[[], None] | None = None) -> Pipeline:
    pipeline = Pipeline(app, deps, lanes, hand_off)
    pipeline.register(listeners(MODULES))
    return pipeline
