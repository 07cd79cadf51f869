"""Slash commands: one module per command."""

from __future__ import annotations

from slack_bolt import App

from handlers.commands import approval, digest, directive, discuss, progress, project, report
from handlers.deps import Deps


def register(app: App, deps: Deps) -> None:
    project.register(app, deps)
    progress.register(app, deps)
    approval.register(app, deps)
    directive.register(app, deps)
    discuss.register(app, deps)
    digest.register(app, deps)
    report.register(app, deps)
