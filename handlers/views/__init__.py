"""Modal submissions: one module per form."""

from __future__ import annotations

from slack_bolt import App

from handlers.deps import Deps
from handlers.views import approval, directive, discussion, progress, project


def register(app: App, deps: Deps) -> None:
    project.register(app, deps)
    progress.register(app, deps)
    approval.register(app, deps)
    directive.register(app, deps)
    discussion.register(app, deps)
