"""Button clicks: one module per flow."""

from __future__ import annotations

from slack_bolt import App

from handlers.actions import approval, directive, discussion, nudge, progress, project
from handlers.deps import Deps


def register(app: App, deps: Deps) -> None:
    project.register(app, deps)
    progress.register(app, deps)
    approval.register(app, deps)
    directive.register(app, deps)
    discussion.register(app, deps)
    nudge.register(app, deps)
