"""Building the Bolt app: listeners, the error handler, the executor; no globals."""

from __future__ import annotations

import logging
from concurrent.futures import Executor, ThreadPoolExecutor

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy.orm import Session, sessionmaker

from bot.i18n import t
from bot.settings import Settings
from handlers import register_all
from handlers.deps import Deps
from handlers.interaction import tell_user

log = logging.getLogger(__name__)

# Listeners ack first and then may wait on Slack or the database; a wide pool keeps a few slow
# ones from queueing everybody else's ack past Slack's 3 seconds.
LISTENER_THREADS = 64


class _QuietTokenWarning(logging.Filter):
    # Bolt reads SLACK_BOT_TOKEN from the environment itself and warns that our client wins; it should.
    def filter(self, record: logging.LogRecord) -> bool:
        return "token` will be unused" not in record.getMessage()


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
    deps = Deps(settings=settings, session_factory=session_factory, registered_commands=[])
    register_all(app, deps)
    app.registered_commands = tuple(deps.registered_commands)  # type: ignore[attr-defined]

    @app.error
    def on_unexpected_error(error, body, client, respond) -> None:
        log.error("unhandled error in listener: %s", type(error).__name__, exc_info=error)
        user_id = (body.get("user") or {}).get("id") or body.get("user_id")
        if not user_id:
            return
        team_id = (body.get("team") or {}).get("id") or body.get("team_id") or ""
        try:
            reader = deps.cached_reader(team_id, user_id)
            text = t("common.unexpected", reader.locale)
            tell_user(
                client,
                user_id,
                {"text": text},
                channel_id=(body.get("channel") or {}).get("id") or body.get("channel_id"),
                respond=respond if body.get("response_url") else None,
            )
        except Exception:
            log.exception("could not tell the user about the error")

    return app
