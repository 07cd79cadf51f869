"""Events API listeners: one module per event."""

from __future__ import annotations

from slack_bolt import App

from handlers.deps import Deps
from handlers.events import home, messages


def register(app: App, deps: Deps) -> None:
    home.register(app, deps)
    messages.register(app, deps)
