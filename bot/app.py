"""Building the Bolt app: listeners, the error handler, the executor; no globals."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import datetime

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.i18n import t
from bot.settings import Settings
from handlers import register_all
from handlers.deps import Deps
from handlers.interaction import team_of, tell_user, user_of
from models.base import utcnow
from services.calendar import WorkCalendar
from services.errors import DomainError

log = logging.getLogger(__name__)

# Listeners ack first and then may wait on Slack or the database; a wide pool keeps a few slow
# ones from queueing everybody else's ack past Slack's 3 seconds.
LISTENER_THREADS = 64


class _QuietTokenWarning(logging.Filter):
    # Bolt reads SLACK_BOT_TOKEN from the environment itself and warns that our client wins; it should.
    def filter(self, record: logging.LogRecord) -> bool:
        return "token` will be unused" not in record.getMessage()


def _database_busy(error: Exception) -> bool:
    """SQLite's write lock held elsewhere past the busy timeout: worth saying so, and to try again."""
    return isinstance(error, OperationalError) and "locked" in str(getattr(error, "orig", error)).lower()


def make_client(settings: Settings, *, retries: bool = True) -> WebClient:
    client = WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10)
    if not retries:
        client.retry_handlers.clear()  # the outbox retries itself, and must not post twice on a reset
    return client


def create_app(
    settings: Settings,
    session_factory: sessionmaker[Session],
    client: WebClient,
    executor: Executor | None = None,
    clock: Callable[[], datetime] = utcnow,
) -> App:
    bolt_logger = logging.getLogger("onnuri.bolt")
    if not any(isinstance(f, _QuietTokenWarning) for f in bolt_logger.filters):
        bolt_logger.addFilter(_QuietTokenWarning())
    app = App(
        client=client,
        signing_secret=settings.slack_signing_secret,
        request_verification_enabled=bool(settings.slack_signing_secret),
        token_verification_enabled=False,
        process_before_response=False,
        listener_executor=executor or ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="listener"),
        logger=bolt_logger,
    )
    deps = Deps(
        settings=settings,
        session_factory=session_factory,
        calendar=WorkCalendar(settings.holidays_country),
        clock=clock,
    )
    register_all(app, deps)

    @app.error
    def on_unexpected_error(error, body, client, respond) -> None:
        if not isinstance(error, DomainError) and not _database_busy(error):
            log.error("unhandled error in listener: %s", type(error).__name__, exc_info=error)
        user_id = user_of(body)
        if not user_id:
            return
        try:
            locale = deps.cached_reader(team_of(body), user_id).locale
        except Exception:  # the database may be what failed; apologise in the default language
            locale = settings.locale
        channel = body.get("channel")
        channel_id = channel.get("id") if isinstance(channel, dict) else body.get("channel_id")
        # a refusal that reached here (e.g. a form Slack would no longer open) is still said plainly
        if isinstance(error, DomainError):
            key, values = f"error.{error.code}", error.params
        elif _database_busy(error):
            key, values = "common.busy", {}
        else:
            key, values = "common.unexpected", {}
        try:
            tell_user(
                client,
                user_id,
                {"text": t(key, locale, **values)},
                channel_id=channel_id,
                respond=respond if body.get("response_url") else None,
            )
        except Exception as failure:
            log.warning("could not tell %s about the error: %s", user_id, type(failure).__name__)

    return app
