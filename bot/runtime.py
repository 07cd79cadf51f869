"""Wiring the running bot: database, outbox delivery, the Bolt app and its front door."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import compose
from bot.app import create_app
from bot.settings import Settings
from bot.sweep import InboxSweep
from models import migrate
from models.base import utcnow
from models.db import make_session_factory
from scheduler.delivery import OutboxDelivery
from scheduler.runner import SchedulerRunner
from services.organisation import Organisation

log = logging.getLogger(__name__)

# Answers of auth.test that mean the token itself is wrong, not that Slack is unwell.
TOKEN_REFUSED = {"invalid_auth", "not_authed", "token_revoked", "token_expired", "account_inactive"}


class StartupError(Exception):
    """The bot cannot start; the message says why in one line."""


@dataclass
class Runtime:
    settings: Settings
    org: Organisation
    engine: Engine
    session_factory: sessionmaker[Session]
    delivery: OutboxDelivery
    app: App
    sweep: InboxSweep
    front: Engine  # the request threads' own pool (compose.front_engine)
    scheduler: SchedulerRunner | None = None

    def start_work(self) -> None:
        """Delivery of the outbox, and the sweep that takes up requests a process lost."""
        self.delivery.start()
        self.sweep.start()

    def start_scheduler(self) -> None:
        self.scheduler = SchedulerRunner(self.engine, self.session_factory, self.org, self.delivery.wake)
        self.scheduler.start()

    @property
    def scheduler_role(self) -> str:
        return self.scheduler.role if self.scheduler else "off"

    def close(self) -> None:
        if self.scheduler is not None:
            self.scheduler.stop()
        self.sweep.stop()
        self.delivery.stop()
        self.front.dispose()
        self.engine.dispose()


def build_runtime(
    settings: Settings,
    *,
    engine: Engine | None = None,
    migrate_now: bool = True,
    executor: Executor | None = None,
    clock: Callable[[], datetime] = utcnow,
    hand_off: Callable[[], None] | None = None,
) -> Runtime:
    """`hand_off`: requests are carried out by the work process (bot/work_process.py), woken by this."""
    if engine is None:
        engine = compose.database(settings, upgrade=migrate_now)
    elif migrate_now:
        migrate.upgrade(engine)
    org = compose.organisation(settings)
    outbox_written = threading.Event()  # a commit that queued a message wakes the delivery at once

    def outbox_written_now() -> None:
        outbox_written.set()
        if hand_off is not None:  # the work process delivers: a form's notification need not wait for its poll
            hand_off()

    session_factory = make_session_factory(engine, on_outbox_commit=outbox_written_now)
    delivery = OutboxDelivery(
        session_factory, compose.client(settings, retries=False), org, content_clock=clock, wake_event=outbox_written
    )
    front = compose.front_engine(engine)
    app, pipeline = create_app(
        org,
        session_factory,
        compose.client(settings),
        front_session_factory=make_session_factory(front),
        hand_off=hand_off,
        signing_secret=settings.slack_signing_secret,
        executor=executor,
        clock=clock,
    )
    return Runtime(settings, org, engine, session_factory, delivery, app, InboxSweep(pipeline), front)


def check_token(client: WebClient, settings: Settings) -> None:
    """Fails fast on a refused token; an unreachable Slack only warns, since it may come back."""
    try:
        client.auth_test()
    except SlackApiError as error:
        code = error.response.get("error")
        if code in TOKEN_REFUSED:
            raise StartupError(f"Slack refused SLACK_BOT_TOKEN ({code}); copy the bot token again") from None
        log.warning("auth.test failed (%s); starting anyway", code)
    except OSError as error:
        log.warning("cannot reach Slack at %s (%s); starting anyway", settings.slack_api_url, error)
