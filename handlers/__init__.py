"""Slack listeners only: parse the payload, call a service, render, answer."""

from __future__ import annotations

from slack_bolt import App

from handlers import actions, commands, events, views
from handlers.deps import Deps
from handlers.failures import GuardedApp


def register_all(app: App, deps: Deps) -> None:
    app = GuardedApp(app, deps)  # every listener answers its own failures
    commands.register(app, deps)
    actions.register(app, deps)
    views.register(app, deps)
    events.register(app, deps)
